import type { FastifyPluginAsync } from 'fastify';
import type { SupportedApiSurface } from '../../core/custom-providers.js';
import { BUILTIN_PROVIDERS } from '../../core/providers.js';
import type { GatewayConfigService } from '../../app/gateway-config.js';
import type { CustomProviderRecord, CustomProviderUpdate, ProviderService } from '../../app/providers.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import { cleared, clearableText, LOCAL_OWNER, text, type Clearable, type IdParams, type Query } from './shapes.js';

const PATH = '/providers';

/** ngrok's AIGatewayProvider, plus `description`. */
export function providerResource(r: CustomProviderRecord) {
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

const surface = {
  type: 'object',
  additionalProperties: false,
  required: ['format'],
  properties: {
    format: text,
    surface: text,
    supportedParams: {
      type: 'array',
      items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: text } },
    },
  },
} as const;
const model = { type: 'object', additionalProperties: false, required: ['modelId'], properties: { modelId: text } } as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['providerId', 'name', 'baseUrl'],
  properties: {
    providerId: text,
    name: text,
    baseUrl: text,
    description: text,
    metadata: text,
    supportedApiSurfaces: { type: 'array', items: surface },
    models: { type: 'array', items: model },
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: text,
    baseUrl: text,
    description: clearableText,
    metadata: clearableText,
    supportedApiSurfaces: { type: ['array', 'null'], items: surface },
    models: { type: ['array', 'null'], items: model },
  },
} as const;

interface CreateBody {
  providerId: string;
  name: string;
  baseUrl: string;
  description?: string;
  metadata?: string;
  supportedApiSurfaces?: SupportedApiSurface[];
  models?: { modelId: string }[];
}

type UpdateBody = Omit<CustomProviderUpdate, 'description' | 'metadata'> & { description?: Clearable; metadata?: Clearable };

export function providerRoutes(service: ProviderService, gatewayConfig: GatewayConfigService): FastifyPluginAsync {
  return async (app) => {
    // ngrok lists only user-defined providers here; aigw adds the built-in catalog, with any base-URL override.
    app.get<{ Querystring: Query }>(PATH, async (request) => {
      const page = readPageParams(request.query);
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

    app.post<{ Body: CreateBody }>(PATH, { schema: { body: createBody } }, async (request, reply) => {
      const record = await service.create(request.body);
      reply.status(201);
      return providerResource(record);
    });

    app.get<{ Params: IdParams }>(`${PATH}/:id`, async (request) => providerResource(await service.get(request.params.id)));

    app.patch<{ Params: IdParams; Body: UpdateBody }>(`${PATH}/:id`, { schema: { body: updateBody } }, async (request) => {
      const body = request.body;
      const patch = { ...body, description: cleared(body.description), metadata: cleared(body.metadata) };
      return providerResource(await service.update(request.params.id, patch));
    });

    app.delete<{ Params: IdParams }>(`${PATH}/:id`, async (request, reply) => {
      await service.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
