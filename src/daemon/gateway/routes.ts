import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AigwError } from '../../core/errors.js';
import { writeGatewayJson } from './errors.js';
import type { Endpoint, GatewayProxy } from './proxy.js';

export interface GatewayRoute {
  /** Whether the route reads a JSON body first. */
  withBody: boolean;
  /** Why the caller is refused before its body is read (a missing or unknown access key), if they are. */
  refuse?(req: IncomingMessage): AigwError | undefined;
  /** `search` is the URL's query string (`?a=b`, or ''), split off once by the server. */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown, search: string): Promise<void> | void;
}

/** The OpenAI-compatible surface, each route proxied to the same path under the provider's base URL. */
const OPENAI_PATHS: readonly string[] = ['/chat/completions', '/completions', '/embeddings', '/responses'];

/**
 * Every gateway route, by `METHOD /path`: OpenAI's API, Anthropic's Messages API, the model list, and for
 * load balancers liveness (`/health`) and readiness (`/ready`: the routing snapshot is loaded, since the
 * server listens only after that, and `notReady` finds nothing amiss, such as an unreachable database).
 */
export function gatewayRoutes(proxy: GatewayProxy, notReady: () => Promise<string | undefined> = async () => undefined): Map<string, GatewayRoute> {
  const routes = new Map<string, GatewayRoute>();
  const proxied = (endpoint: Endpoint): GatewayRoute => ({
    withBody: true,
    refuse: (req) => proxy.refusal(req.headers),
    handle: (req, res, body, search) => proxy.handle(endpoint, req, res, body, search),
  });
  for (const apiPath of OPENAI_PATHS) routes.set(`POST /v1${apiPath}`, proxied({ format: 'openai', apiPath }));
  routes.set('POST /v1/messages', proxied({ format: 'anthropic', apiPath: '/messages' }));
  routes.set('GET /v1/models', { withBody: false, handle: (req, res) => proxy.models(req, res) });
  routes.set('GET /health', { withBody: false, handle: (_req, res) => writeGatewayJson(res, 200, { status: 'ok' }) });
  routes.set('GET /ready', {
    withBody: false,
    handle: async (_req, res) => {
      const reason = await notReady().catch((err: Error) => err.message);
      if (reason === undefined) writeGatewayJson(res, 200, { status: 'ready' });
      else writeGatewayJson(res, 503, { status: 'not ready', reason });
    },
  });
  return routes;
}
