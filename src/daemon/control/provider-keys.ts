import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DeleteQuery } from '../../core/api/access-keys.js';
import {
  ProviderKeyCreate,
  ProviderKeyLookup,
  ProviderKeyRotate,
  ProviderKeyUpdate,
  type ProviderKey,
  type ProviderKeyList,
  type ProviderKeyListQuery,
  type ProviderKeyLookupResult,
} from '../../core/api/provider-keys.js';
import { IdParams, LOCAL_OWNER } from '../../core/api/schema.js';
import type { ProviderKeyRecord, ProviderKeyService } from '../../app/provider-keys.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import { cleared, queryOf, readForce } from './shapes.js';

const PATH = '/provider-keys';

/** The API shape of a provider key, field for field as ngrok.ai's spec; never the value. */
export function providerKeyResource(r: ProviderKeyRecord): ProviderKey {
  return {
    id: r.id,
    uri: `${PATH}/${r.id}`,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    providerId: r.providerId,
    name: r.name,
    keyRedacted: r.keyRedacted,
    createdBy: LOCAL_OWNER,
    lastUpdatedBy: LOCAL_OWNER,
    description: r.description,
    metadata: r.metadata,
    lastUsed: r.lastUsed,
    accessKeyId: r.accessKeyId,
    disabled: r.disabled,
  };
}

export function providerKeyRoutes(service: ProviderKeyService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(PATH, async (request): Promise<ProviderKeyList> => {
      const query = queryOf<ProviderKeyListQuery>(request);
      const page = readPageParams(query);
      const provider = query.provider || undefined;
      const accessKeyId = query.accessKeyId || undefined;
      const { items, hasMore } = await service.list({ ...page, providerId: provider, accessKeyId });
      return {
        aiGatewayProviderKeys: items.map(providerKeyResource),
        ...listUris(PATH, { provider, accessKeyId }, page, items.at(-1)?.id, hasMore),
      };
    });

    app.post(PATH, { schema: { body: ProviderKeyCreate } }, async (request, reply) => {
      const record = await service.create(request.body);
      reply.status(201);
      return providerKeyResource(record);
    });

    // Added by aigw: is this value stored already (for an import)? Over the control API only, as a POST body.
    app.post(`${PATH}/lookup`, { schema: { body: ProviderKeyLookup } }, async (request): Promise<ProviderKeyLookupResult> => {
      const found = await service.lookup(request.body.value, request.body.providerId);
      return { providerKey: found && providerKeyResource(found) };
    });

    app.get(`${PATH}/:id`, { schema: { params: IdParams } }, async (request) =>
      providerKeyResource(await service.get(request.params.id)),
    );

    app.patch(
      `${PATH}/:id`,
      { schema: { params: IdParams, body: ProviderKeyUpdate } },
      async (request) => {
        const { name, description, metadata, disabled } = request.body;
        const patch = { name: cleared(name), description: cleared(description), metadata: cleared(metadata), disabled };
        return providerKeyResource(await service.update(request.params.id, patch));
      },
    );

    app.post(
      `${PATH}/:id/rotate`,
      { schema: { params: IdParams, body: ProviderKeyRotate } },
      async (request) => providerKeyResource(await service.rotate(request.params.id, request.body)),
    );

    app.delete(`${PATH}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      await service.delete(request.params.id, readForce(queryOf<DeleteQuery>(request)));
      return reply.status(204).send();
    });
  };
}
