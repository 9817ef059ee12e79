import type { FastifyPluginAsync } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { OwnPrice, OwnPriceInput, PriceList, PriceLookup } from '../../core/prices.js';
import type { PriceService } from '../../app/prices.js';
import { text, type Query } from './shapes.js';

const PATH = '/prices';

const price = { type: 'number' } as const;
const clearablePrice = { type: ['number', 'null'] } as const;
const setBody = {
  type: 'object',
  additionalProperties: false,
  required: ['providerId', 'modelId', 'input', 'output'],
  properties: { providerId: text, modelId: text, input: price, output: price, cacheRead: clearablePrice, cacheWrite: clearablePrice },
} as const;

function modelQuery(q: Query): { providerId: string; modelId: string } {
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
export function priceRoutes(service: PriceService): FastifyPluginAsync {
  return async (app) => {
    app.get(PATH, async (): Promise<PriceList> => ({ prices: await service.list(), builtinSource: service.builtinSource(), uri: PATH }));
    app.post<{ Body: OwnPriceInput }>(PATH, { schema: { body: setBody } }, async (request): Promise<OwnPrice> => service.set(request.body));
    app.delete<{ Querystring: Query }>(PATH, async (request, reply) => {
      const { providerId, modelId } = modelQuery(request.query);
      await service.delete(providerId, modelId);
      return reply.status(204).send();
    });
    app.get<{ Querystring: Query }>(`${PATH}/lookup`, async (request): Promise<PriceLookup> => {
      const { providerId, modelId } = modelQuery(request.query);
      return service.lookup(providerId, modelId);
    });
  };
}
