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
  flag,
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
    /** Added by aigw: when the token stops working (null: never), whether the key is disabled, and until when the token the last rotation replaced works. */
    expiresAt: r.expiresAt,
    disabled: r.disabled,
    previousTokenExpiresAt: r.previousTokenExpiresAt,
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
  properties: {
    name: text,
    description: text,
    metadata: text,
    accessKeyConfigurationId: text,
    expiresAt: clearableText,
    disabled: flag,
    budget: budgetSchema,
    rateLimits: rateLimitsSchema,
  },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: clearableText,
    description: clearableText,
    metadata: clearableText,
    accessKeyConfigurationId: clearableText,
    expiresAt: clearableText,
    disabled: flag,
    budget: budgetSchema,
    rateLimits: rateLimitsSchema,
  },
} as const;

const rotateBody = { type: 'object', additionalProperties: false, properties: { gracePeriod: text } } as const;

interface CreateBody {
  name?: string;
  description?: string;
  metadata?: string;
  accessKeyConfigurationId?: string;
  expiresAt?: string | null;
  disabled?: boolean;
  budget?: unknown;
  rateLimits?: unknown;
}

interface UpdateBody {
  name?: Clearable;
  description?: Clearable;
  metadata?: Clearable;
  accessKeyConfigurationId?: Clearable;
  expiresAt?: Clearable;
  disabled?: boolean;
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
      const { name, description, metadata, accessKeyConfigurationId, expiresAt, disabled, budget, rateLimits } = request.body;
      const patch = {
        name: cleared(name),
        description: cleared(description),
        metadata: cleared(metadata),
        accessKeyConfigurationId,
        expiresAt,
        disabled,
        budget,
        rateLimits,
      };
      return accessKeyResource(await service.update(request.params.id, patch), usage);
    });

    app.post<{ Params: IdParams; Body: { gracePeriod?: string } | undefined }>(
      `${PATH}/:id/rotate`,
      { schema: { body: rotateBody } },
      async (request) => {
        const { record, token } = await service.rotate(request.params.id, request.body ?? {});
        return accessKeyResource(record, usage, token);
      },
    );

    app.delete<{ Params: IdParams; Querystring: Query }>(`${PATH}/:id`, async (request, reply) => {
      await service.delete(request.params.id, readForce(request.query));
      return reply.status(204).send();
    });
  };
}
