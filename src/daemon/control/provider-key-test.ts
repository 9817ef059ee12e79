import type { FastifyPluginAsync } from 'fastify';
import type { KeyTester } from '../../app/ports.js';

/** `POST /provider-keys/{id}/test`: is this key still valid? One cheap call upstream; the value never leaves. */
export function providerKeyTestRoutes(tester: KeyTester): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: { id: string } }>('/provider-keys/:id/test', async (request) => tester.testKey(request.params.id));
  };
}
