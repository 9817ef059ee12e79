import type { FastifyPluginAsync } from 'fastify';
import type { AccessKeyRecord, AccessKeyService } from '../../app/access-keys.js';
import type { LimitUsage } from '../../app/ports.js';
import { CONFIGURATIONS_PATH } from './configurations.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import {
  budgetSchema,
  cleared,
  clearableText,
  limitFields,
  LOCAL_OWNER,
  rateLimitsSchema,
  readForce,
  text,
  type Clearable,
  type IdParams,
  type Query,
} from './shapes.js';

const PATH = '/access-keys';

/** The API shape of an access key, field for field as ngrok.ai's spec; `token` only in the create response. */
export function accessKeyResource(r: AccessKeyRecord, usage: LimitUsage, token?: string) {
  return {
    id: r.id,
    name: r.name,
    uri: `${PATH}/${r.id}`,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    description: r.description,
    metadata: r.metadata,
    createdBy: LOCAL_OWNER,
    lastUpdatedBy: LOCAL_OWNER,
    ...(token === undefined ? {} : { token }),
    keyRedacted: r.keyRedacted,
    lastUsed: r.lastUsed,
    accessKeyConfiguration:
      r.accessKeyConfigurationId === null
        ? null
        : {
            id: r.accessKeyConfigurationId,
            uri: `${CONFIGURATIONS_PATH}/${r.accessKeyConfigurationId}`,
            name: r.accessKeyConfigurationName ?? '',
          },
    ...limitFields(r.id, r, usage),
  };
}

const createBody = {
  type: 'object',
  additionalProperties: false,
  properties: { name: text, description: text, metadata: text, accessKeyConfigurationId: text, budget: budgetSchema, rateLimits: rateLimitsSchema },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: clearableText,
    description: clearableText,
    metadata: clearableText,
    accessKeyConfigurationId: clearableText,
    budget: budgetSchema,
    rateLimits: rateLimitsSchema,
  },
} as const;

interface CreateBody {
  name?: string;
  description?: string;
  metadata?: string;
  accessKeyConfigurationId?: string;
  budget?: unknown;
  rateLimits?: unknown;
}

interface UpdateBody {
  name?: Clearable;
  description?: Clearable;
  metadata?: Clearable;
  accessKeyConfigurationId?: Clearable;
  budget?: unknown;
  rateLimits?: unknown;
}

export function accessKeyRoutes(service: AccessKeyService, usage: LimitUsage): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Query }>(PATH, async (request) => {
      const page = readPageParams(request.query);
      const { items, hasMore } = await service.list(page);
      return {
        aiGatewayAccessKeys: items.map((r) => accessKeyResource(r, usage)),
        ...listUris(PATH, {}, page, items.at(-1)?.id, hasMore),
      };
    });

    app.post<{ Body: CreateBody | undefined }>(PATH, { schema: { body: createBody } }, async (request, reply) => {
      const { record, token } = await service.create(request.body ?? {});
      reply.status(201);
      return accessKeyResource(record, usage, token);
    });

    app.get<{ Params: IdParams }>(`${PATH}/:id`, async (request) => accessKeyResource(await service.get(request.params.id), usage));

    app.patch<{ Params: IdParams; Body: UpdateBody }>(`${PATH}/:id`, { schema: { body: updateBody } }, async (request) => {
      const { name, description, metadata, accessKeyConfigurationId, budget, rateLimits } = request.body;
      const patch = {
        name: cleared(name),
        description: cleared(description),
        metadata: cleared(metadata),
        accessKeyConfigurationId,
        budget,
        rateLimits,
      };
      return accessKeyResource(await service.update(request.params.id, patch), usage);
    });

    app.delete<{ Params: IdParams; Querystring: Query }>(`${PATH}/:id`, async (request, reply) => {
      await service.delete(request.params.id, readForce(request.query));
      return reply.status(204).send();
    });
  };
}
