import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import { toAigwError } from '../control/errors.js';
import type { Logger } from '../log.js';
import type { BrowserGuard } from './browser-guard.js';
import { sendGatewayError } from './errors.js';
import type { GatewayProxy } from './proxy.js';
import { ATTEMPTS_HEADER, REQUEST_ID_HEADER } from './upstream.js';
import { anthropicRoutes, openaiRoutes } from './routes.js';

/** Prompts can carry images and long documents; AIGW_GATEWAY_BODY_LIMIT changes it. */
export const GATEWAY_BODY_LIMIT = 32 * 1024 * 1024;

export interface GatewayServerOptions {
  /** The largest request body, in bytes; a larger one gets a 413 in the API's own error shape. */
  bodyLimit?: number;
  /** Host and Origin checks (DNS rebinding, CORS), run before anything else. */
  guard?: BrowserGuard;
}

const formatOf = (url: string) => (url.startsWith('/v1/messages') ? 'anthropic' : 'openai');

/**
 * The data plane's listener: the OpenAI- and Anthropic-compatible routes, each answering errors in its own
 * API's shape. No request is logged (headers carry credentials); only warnings and errors are.
 */
export function buildGatewayServer(log: Logger, proxy: GatewayProxy, options: GatewayServerOptions = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: log.child({ plane: 'gateway' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? GATEWAY_BODY_LIMIT,
    disableRequestLogging: true,
    // No per-request child logger (a pino child per request costs more than it tells here): nothing
    // logs per request, and warnings carry their own request id.
    childLoggerFactory: (logger) => logger,
  });
  if (options.guard) app.addHook('onRequest', options.guard.onRequest);
  app.get('/health', async () => ({ status: 'ok' }));
  app.register(openaiRoutes(proxy));
  app.register(anthropicRoutes(proxy));
  app.setErrorHandler((err: Error, request, reply) => {
    const coded = toAigwError(err);
    if (coded.def === ERRORS.internal) request.log.error({ err: err.message }, 'gateway request failed');
    reply.header(ATTEMPTS_HEADER, '0');
    sendGatewayError(reply, formatOf(request.url), coded, String(reply.getHeader(REQUEST_ID_HEADER) ?? ''));
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new AigwError(ERRORS.routeNotFound, `no route ${request.method} ${request.url.split('?')[0]}`);
    sendGatewayError(reply, formatOf(request.url), err, '');
  });
  return app;
}
