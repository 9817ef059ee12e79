import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log.js';

/**
 * The data plane's listener. It answers health checks; the OpenAI- and Anthropic-compatible routes
 * arrive with the gateway itself, and until then every other path answers 404 in OpenAI's error shape.
 */
export function buildGatewayServer(log: Logger): FastifyInstance {
  // Per-request logging would cost the hot path; the gateway logs warnings and errors only.
  const app = Fastify({ loggerInstance: log.child({ plane: 'gateway' }, { level: 'warn' }) as FastifyBaseLogger });
  app.get('/health', async () => ({ status: 'ok' }));
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({
      error: { message: `no route ${request.method} ${request.url.split('?')[0]}`, type: 'invalid_request_error', code: 'not_found' },
    });
  });
  return app;
}
