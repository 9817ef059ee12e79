import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AccessKeyCreate, AccessKeyRotate, AccessKeyUpdate, type AccessKey, type AccessKeyList, type AccessKeyListQuery, type DeleteQuery } from '../../core/api/access-keys.js';
import { IdParams, LOCAL_OWNER } from '../../core/api/schema.js';
import type { AccessKeyRecord, AccessKeyService } from '../../app/access-keys.js';
import type { LimitUsage } from '../../app/ports.js';
import { CONFIGURATIONS_PATH } from './configurations.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import { cleared, limitFields, queryOf, readForce } from './shapes.js';

const PATH = '/access-keys';

/** The API shape of an access key, field for field as ngrok.ai's spec; `token` only in the create response. */
export function accessKeyResource(r: AccessKeyRecord, usage: LimitUsage, token?: string): AccessKey {
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

export function accessKeyRoutes(service: AccessKeyService, usage: LimitUsage): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(PATH, async (request): Promise<AccessKeyList> => {
      const page = readPageParams(queryOf<AccessKeyListQuery>(request));
      const { items, hasMore } = await service.list(page);
      return {
        aiGatewayAccessKeys: items.map((r) => accessKeyResource(r, usage)),
        ...listUris(PATH, {}, page, items.at(-1)?.id, hasMore),
      };
    });

    app.post(PATH, { schema: { body: AccessKeyCreate } }, async (request, reply) => {
      const { record, token } = await service.create(request.body ?? {});
      reply.status(201);
      return accessKeyResource(record, usage, token);
    });

    app.get(`${PATH}/:id`, { schema: { params: IdParams } }, async (request) => accessKeyResource(await service.get(request.params.id), usage));

    app.patch(`${PATH}/:id`, { schema: { params: IdParams, body: AccessKeyUpdate } }, async (request) => {
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

    app.post(`${PATH}/:id/rotate`, { schema: { params: IdParams, body: AccessKeyRotate } }, async (request) => {
      const { record, token } = await service.rotate(request.params.id, request.body ?? {});
      return accessKeyResource(record, usage, token);
    });

    app.delete(`${PATH}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      await service.delete(request.params.id, readForce(queryOf<DeleteQuery>(request)));
      return reply.status(204).send();
    });
  };
}
