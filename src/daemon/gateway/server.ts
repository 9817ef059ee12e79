import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { ApiFormat } from '../../core/providers.js';
import type { Logger } from '../log.js';
import { BODY_ERRORS, readJsonBody } from '../body.js';
import type { BrowserGuard } from './browser-guard.js';
import { writeGatewayError } from './errors.js';
import { BodyBudget } from './body-budget.js';
import type { GatewayProxy } from './proxy.js';
import { gatewayRoutes, type GatewayRoute } from './routes.js';

/** Prompts can carry images and long documents; AIGW_GATEWAY_BODY_LIMIT changes it. */
export const GATEWAY_BODY_LIMIT = 32 * 1024 * 1024;

/**
 * The request-body bytes all requests in flight may hold at once (AIGW_GATEWAY_BODIES_IN_FLIGHT changes it):
 * past it a request gets a coded 503, so neither one client nor a crowd can make the daemon buffer gigabytes.
 */
export const GATEWAY_BODIES_IN_FLIGHT = 128 * 1024 * 1024;

/** SDKs keep connections open between calls; a longer idle time than Node's 5 s saves them reconnecting. */
const KEEP_ALIVE_MS = 72_000;
const IDLE_SWEEP_MS = 50;

export interface GatewayServerOptions {
  /** The largest request body, in bytes; a larger one gets a 413 in the API's own error shape. */
  bodyLimit?: number;
  /** Host and Origin checks (DNS rebinding, CORS), run before anything else. */
  guard?: BrowserGuard;
  /** The request-body bytes all requests in flight may hold together. */
  bodiesInFlight?: number;
  /** Why this daemon should not get traffic now (`GET /ready` answers 503 with it), or undefined when it should. */
  notReady?: () => Promise<string | undefined>;
}

export interface GatewayServer {
  /** Starts listening; resolves with the port (useful when asked for port 0). */
  listen(host: string, port: number): Promise<number>;
  /**
   * Drains: stops accepting connections, answers `/ready` 503 and new requests on open connections a coded
   * 503 (with `connection: close`), drops idle connections, and resolves once in-flight requests are done.
   */
  close(): Promise<void>;
}

const CLOSE = { headers: { connection: 'close' } };
const BUSY = { headers: { connection: 'close', 'retry-after': '1' } };

export const formatOf = (path: string): ApiFormat => (path.startsWith('/v1/messages') ? 'anthropic' : 'openai');

/**
 * The data plane's listener: the OpenAI- and Anthropic-compatible routes, each answering errors in its own
 * API's shape. A bare node:http server rather than fastify (which serves the management API): this is the
 * hot path, and a handful of fixed routes need no router, hooks or reply objects — the bench measured
 * their cost per request. No request is logged (headers carry credentials); only errors are.
 */
export function buildGatewayServer(log: Logger, proxy: GatewayProxy, options: GatewayServerOptions = {}): GatewayServer {
  const gatewayLog = log.child({ plane: 'gateway' });
  let draining = false;
  const routes = gatewayRoutes(proxy, async () => (draining ? 'the daemon is shutting down' : options.notReady?.()));
  const bodyLimit = options.bodyLimit ?? GATEWAY_BODY_LIMIT;
  const budget = new BodyBudget(options.bodiesInFlight ?? GATEWAY_BODIES_IN_FLIGHT);

  /** Runs a route; what it did not foresee becomes a coded 500 (or a cut connection, once it was answering). */
  const run = (route: GatewayRoute, req: IncomingMessage, res: ServerResponse, format: ApiFormat, body: unknown, search: string) => {
    const failed = (err: unknown) => {
      gatewayLog.error({ err: (err as Error).message }, 'gateway request failed');
      if (res.headersSent) res.destroy();
      else writeGatewayError(res, format, new AigwError(ERRORS.internal, 'internal error; see `aigw daemon logs`'));
    };
    try {
      route.handle(req, res, body, search)?.catch(failed);
    } catch (err) {
      failed(err);
    }
  };

  const server: Server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const search = query < 0 ? '' : url.slice(query);
    const format = formatOf(path);
    if (options.guard && !options.guard.admit(req, res, format)) return;
    const route = routes.get(`${req.method} ${path}`);
    // A load balancer still asks /ready while draining (and learns 503); any other new call goes elsewhere.
    if (draining && path !== '/ready' && path !== '/health') {
      req.resume();
      return writeGatewayError(res, format, new AigwError(ERRORS.gatewayDraining, 'the daemon is shutting down; retry on another replica or after it restarts'), BUSY);
    }
    if (!route) {
      req.resume();
      return writeGatewayError(res, format, new AigwError(ERRORS.routeNotFound, `no route ${req.method} ${path}`));
    }
    if (!route.withBody) {
      req.resume();
      return run(route, req, res, format, undefined, search);
    }
    // Who is calling is known from the headers: a stranger's body is never read, and the connection closes.
    const refused = route.refuse?.(req);
    if (refused) return writeGatewayError(res, format, refused, CLOSE);
    // What the body claims is held until the answer is done: the parsed body lives as long as the call.
    const claim = budget.claimant();
    res.once('close', claim.release);
    readJsonBody(
      req,
      bodyLimit,
      (err, body) => {
        // A body too large or over the budget is not read to its end: the connection closes instead.
        if (err) return writeGatewayError(res, format, err, err === BODY_ERRORS.busy ? BUSY : err === BODY_ERRORS.tooLarge ? CLOSE : {});
        run(route, req, res, format, body, search);
      },
      claim.take,
    );
  });

  return {
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address();
          resolve(typeof address === 'object' && address ? address.port : port);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        draining = true;
        // A keep-alive connection whose call is still running stays open once answered: sweep those as
        // they go idle, or a graceful stop would wait for the client to hang up.
        const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
