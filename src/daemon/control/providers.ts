import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  CustomProviderCreate,
  CustomProviderUpdate,
  type CustomProvider,
  type ProviderList,
  type ProviderListQuery,
} from '../../core/api/providers.js';
import { IdParams, LOCAL_OWNER } from '../../core/api/schema.js';
import { BUILTIN_PROVIDERS } from '../../core/providers.js';
import type { GatewayConfigService } from '../../app/gateway-config.js';
import type { CustomProviderRecord, ProviderService } from '../../app/providers.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import { cleared, queryOf } from './shapes.js';

const PATH = '/providers';

/** ngrok's AIGatewayProvider, plus `description`. */
export function providerResource(r: CustomProviderRecord): CustomProvider {
  return {
    id: r.id,
    uri: `${PATH}/${r.id}`,
    providerId: r.providerId,
    name: r.name,
    baseUrl: r.baseUrl,
    metadata: r.metadata,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    createdBy: LOCAL_OWNER,
    lastUpdatedBy: LOCAL_OWNER,
    supportedApiSurfaces: r.supportedApiSurfaces,
    models: r.models,
    description: r.description,
  };
}

export function providerRoutes(service: ProviderService, gatewayConfig: GatewayConfigService): FastifyPluginAsyncTypebox {
  return async (app) => {
    // ngrok lists only user-defined providers here; aigw adds the built-in catalog, with any base-URL override.
    app.get(PATH, async (request): Promise<ProviderList> => {
      const page = readPageParams(queryOf<ProviderListQuery>(request));
      const { items, hasMore } = await service.list(page);
      const { providerBaseUrls } = await gatewayConfig.get();
      return {
        aiGatewayProviders: items.map(providerResource),
        ...listUris(PATH, {}, page, items.at(-1)?.id, hasMore),
        builtinProviders: BUILTIN_PROVIDERS.map((p) => ({
          providerId: p.id,
          name: p.name,
          baseUrl: providerBaseUrls[p.id] ?? p.baseUrl,
          supportedApiSurfaces: p.formats.map((format) => ({ format })),
          builtin: true,
        })),
      };
    });

    app.post(PATH, { schema: { body: CustomProviderCreate } }, async (request, reply) => {
      const record = await service.create(request.body);
      reply.status(201);
      return providerResource(record);
    });

    app.get(`${PATH}/:id`, { schema: { params: IdParams } }, async (request) => providerResource(await service.get(request.params.id)));

    app.patch(`${PATH}/:id`, { schema: { params: IdParams, body: CustomProviderUpdate } }, async (request) => {
      const body = request.body;
      const patch = { ...body, description: cleared(body.description), metadata: cleared(body.metadata) };
      return providerResource(await service.update(request.params.id, patch));
    });

    app.delete(`${PATH}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      await service.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
