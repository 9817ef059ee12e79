import type { FastifyPluginAsync } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { ControlToken, ControlTokenService } from '../../app/control-tokens.js';

const PATH = '/control-tokens';

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: { name: { type: 'string' } },
} as const;

/**
 * `GET /control-tokens`, `POST /control-tokens { name }` (the value is in this answer only, as `token`) and
 * `DELETE /control-tokens/{id}`. Over TCP (`remote`) the list is shown but creating and deleting are
 * refused: a token that leaks must not be able to mint tokens that outlive its own revocation, or revoke
 * everybody else's. Those are done on the daemon's machine, over its socket, by the one who runs it.
 */
export function controlTokenRoutes(service: ControlTokenService, remote: boolean): FastifyPluginAsync {
  const localOnly = () => {
    if (remote) {
      throw new AigwError(ERRORS.controlTokenLocalOnly, "create and delete control tokens on the daemon's machine: `aigw daemon tokens …` there, over its socket");
    }
  };
  return async (app) => {
    app.get(PATH, async (): Promise<{ controlTokens: ControlToken[]; uri: string }> => ({ controlTokens: await service.list(), uri: PATH }));
    app.post<{ Body: { name: string } }>(PATH, { schema: { body: createBody } }, async (request, reply) => {
      localOnly();
      return reply.status(201).send(await service.create(request.body.name));
    });
    app.delete<{ Params: { id: string } }>(`${PATH}/:id`, async (request, reply) => {
      localOnly();
      await service.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
