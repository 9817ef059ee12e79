import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ControlTokenCreate, type ControlTokenCreated, type ControlTokenList } from '../../core/api/control-tokens.js';
import { IdParams } from '../../core/api/schema.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { ControlTokenService } from '../../app/control-tokens.js';

const PATH = '/control-tokens';

/**
 * `GET /control-tokens`, `POST /control-tokens { name }` (the value is in this answer only, as `token`) and
 * `DELETE /control-tokens/{id}`. Over TCP (`remote`) the list is shown but creating and deleting are
 * refused: a token that leaks must not be able to mint tokens that outlive its own revocation, or revoke
 * everybody else's. Those are done on the daemon's machine, over its socket, by the one who runs it.
 */
export function controlTokenRoutes(service: ControlTokenService, remote: boolean): FastifyPluginAsyncTypebox {
  const localOnly = () => {
    if (remote) {
      throw new AigwError(ERRORS.controlTokenLocalOnly, "create and delete control tokens on the daemon's machine: `aigw daemon tokens …` there, over its socket");
    }
  };
  return async (app) => {
    app.get(PATH, async (): Promise<ControlTokenList> => ({ controlTokens: await service.list(), uri: PATH }));
    app.post(PATH, { schema: { body: ControlTokenCreate } }, async (request, reply) => {
      localOnly();
      const created: ControlTokenCreated = await service.create(request.body.name);
      return reply.status(201).send(created);
    });
    app.delete(`${PATH}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      localOnly();
      await service.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
