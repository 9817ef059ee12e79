import type { FastifyPluginAsync } from 'fastify';
import type { KeyTestResult } from '../../core/gateway-api.js';

/** `POST /provider-keys/{id}/test`: is this key still valid? One cheap call upstream; the value never leaves. */
export function providerKeyTestRoutes(testKey: (id: string) => Promise<KeyTestResult>): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { id: string } }>('/provider-keys/:id/test', async (request) => testKey(request.params.id));
  };
}
