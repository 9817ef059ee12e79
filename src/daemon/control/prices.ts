import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PriceSet, type PriceQuery } from '../../core/api/prices.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { OwnPrice, PriceList, PriceLookup } from '../../core/prices.js';
import type { PriceService } from '../../app/prices.js';
import { queryOf, type Query } from './shapes.js';

const PATH = '/prices';

function modelQuery(q: PriceQuery & Query): { providerId: string; modelId: string } {
  for (const field of ['providerId', 'modelId'] as const) {
    if (!q[field]) throw new AigwError(ERRORS.invalidQuery, `${field} is required, such as ?providerId=openai&modelId=gpt-4o-mini`, { field });
  }
  return { providerId: q.providerId!, modelId: q.modelId! };
}

/**
 * `GET /prices` (the user's own), `POST /prices` (set one: an upsert by providerId and modelId, so 200),
 * `DELETE /prices?providerId&modelId`, and `GET /prices/lookup?providerId&modelId` (the price in effect).
 * Model ids hold slashes and colons (`openai/gpt-4o`, `llama3:8b`), so they travel in the query, not the path.
 */
export function priceRoutes(service: PriceService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(PATH, async (): Promise<PriceList> => ({ prices: await service.list(), builtinSource: service.builtinSource(), uri: PATH }));
    app.post(PATH, { schema: { body: PriceSet } }, async (request): Promise<OwnPrice> => service.set(request.body));
    app.delete(PATH, async (request, reply) => {
      const { providerId, modelId } = modelQuery(queryOf<PriceQuery>(request));
      await service.delete(providerId, modelId);
      return reply.status(204).send();
    });
    app.get(`${PATH}/lookup`, async (request): Promise<PriceLookup> => {
      const { providerId, modelId } = modelQuery(queryOf<PriceQuery>(request));
      return service.lookup(providerId, modelId);
    });
  };
}
