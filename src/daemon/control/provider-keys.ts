import type { FastifyPluginAsync } from 'fastify';
import type { ProviderKeyRecord, ProviderKeyService } from '../../app/provider-keys.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import { cleared, clearableText, flag, LOCAL_OWNER, readForce, text, type Clearable, type IdParams, type Query } from './shapes.js';

const PATH = '/provider-keys';

/** The API shape of a provider key, field for field as ngrok.ai's spec; never the value. */
export function providerKeyResource(r: ProviderKeyRecord) {
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
    /** Added by aigw: the access key the provider key is attached to, or null for an account-wide key. */
    accessKeyId: r.accessKeyId,
    /** Added by aigw: a disabled key stays in its router rules, and the gateway skips it. */
    disabled: r.disabled,
  };
}

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['providerId', 'value'],
  properties: { providerId: text, value: text, name: text, description: text, metadata: text, accessKeyId: text },
} as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: { name: clearableText, description: clearableText, metadata: clearableText, disabled: flag },
} as const;

const rotateBody = {
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { value: text, name: text },
} as const;

const lookupBody = {
  type: 'object',
  additionalProperties: false,
  required: ['value'],
  properties: { value: text, providerId: text },
} as const;

export function providerKeyRoutes(service: ProviderKeyService): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Query }>(PATH, async (request) => {
      const page = readPageParams(request.query);
      const provider = request.query.provider || undefined;
      const accessKeyId = request.query.accessKeyId || undefined;
      const { items, hasMore } = await service.list({ ...page, providerId: provider, accessKeyId });
      return {
        aiGatewayProviderKeys: items.map(providerKeyResource),
        ...listUris(PATH, { provider, accessKeyId }, page, items.at(-1)?.id, hasMore),
      };
    });

    app.post<{
      Body: { providerId: string; value: string; name?: string; description?: string; metadata?: string; accessKeyId?: string };
    }>(
      PATH,
      { schema: { body: createBody } },
      async (request, reply) => {
        const record = await service.create(request.body);
        reply.status(201);
        return providerKeyResource(record);
      },
    );

    // Added by aigw: is this value stored already (for an import)? Over the control API only, as a POST body.
    app.post<{ Body: { value: string; providerId?: string } }>(`${PATH}/lookup`, { schema: { body: lookupBody } }, async (request) => {
      const found = await service.lookup(request.body.value, request.body.providerId);
      return { providerKey: found && providerKeyResource(found) };
    });

    app.get<{ Params: IdParams }>(`${PATH}/:id`, async (request) =>
      providerKeyResource(await service.get(request.params.id)),
    );

    app.patch<{ Params: IdParams; Body: { name?: Clearable; description?: Clearable; metadata?: Clearable; disabled?: boolean } }>(
      `${PATH}/:id`,
      { schema: { body: updateBody } },
      async (request) => {
        const { name, description, metadata, disabled } = request.body;
        const patch = { name: cleared(name), description: cleared(description), metadata: cleared(metadata), disabled };
        return providerKeyResource(await service.update(request.params.id, patch));
      },
    );

    app.post<{ Params: IdParams; Body: { value: string; name?: string } }>(
      `${PATH}/:id/rotate`,
      { schema: { body: rotateBody } },
      async (request) => providerKeyResource(await service.rotate(request.params.id, request.body)),
    );

    app.delete<{ Params: IdParams; Querystring: Query }>(`${PATH}/:id`, async (request, reply) => {
      await service.delete(request.params.id, readForce(request.query));
      return reply.status(204).send();
    });
  };
}
