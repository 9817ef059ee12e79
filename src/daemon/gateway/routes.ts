import type { FastifyPluginAsync } from 'fastify';
import type { Endpoint, GatewayProxy } from './proxy.js';

/** The OpenAI-compatible surface, each route proxied to the same path under the provider's base URL. */
const OPENAI_ROUTES: readonly string[] = ['/chat/completions', '/completions', '/embeddings', '/responses'];

export function openaiRoutes(proxy: GatewayProxy): FastifyPluginAsync {
  return async (app) => {
    for (const apiPath of OPENAI_ROUTES) {
      const endpoint: Endpoint = { format: 'openai', apiPath };
      app.post(`/v1${apiPath}`, (request, reply) => proxy.handle(endpoint, request, reply));
    }
    app.get('/v1/models', async (request, reply) => proxy.models(request, reply));
  };
}

/** Anthropic's Messages API. */
export function anthropicRoutes(proxy: GatewayProxy): FastifyPluginAsync {
  return async (app) => {
    const endpoint: Endpoint = { format: 'anthropic', apiPath: '/messages' };
    app.post('/v1/messages', (request, reply) => proxy.handle(endpoint, request, reply));
  };
}
