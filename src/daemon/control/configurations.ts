import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ConfigurationCreate,
  ConfigurationUpdate,
  type Configuration,
  type ConfigurationList,
  type ConfigurationListQuery,
} from '../../core/api/configurations.js';
import { IdParams, LOCAL_OWNER } from '../../core/api/schema.js';
import type { ConfigurationRecord, ConfigurationService } from '../../app/configurations.js';
import type { LimitUsage } from '../../app/ports.js';
import type { ProviderKeyRecord } from '../../app/provider-keys.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import { cleared, limitFields, queryOf } from './shapes.js';

export const CONFIGURATIONS_PATH = '/access-key-configurations';
const PATH = CONFIGURATIONS_PATH;

/** ngrok's shape: on read, each key of a step is shown as `{id, name, keyRedacted}`. */
export function configurationResource(r: ConfigurationRecord, keys: Map<string, ProviderKeyRecord>, usage: LimitUsage): Configuration {
  return {
    id: r.id,
    uri: `${PATH}/${r.id}`,
    name: r.name,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    createdBy: LOCAL_OWNER,
    lastUpdatedBy: LOCAL_OWNER,
    description: r.description,
    metadata: r.metadata,
    ...(r.access ? { access: r.access } : {}),
    maxInputTokens: r.maxInputTokens,
    maxOutputTokens: r.maxOutputTokens,
    ...limitFields(r.id, r, usage),
    ...(r.router
      ? {
          router: {
            rules: r.router.rules.map((rule) => ({
              ...rule,
              steps: rule.steps.map((step) => ({
                ...step,
                keys: step.keys.map(({ id, weight }) => ({
                  id,
                  name: keys.get(id)?.name ?? '',
                  keyRedacted: keys.get(id)?.keyRedacted ?? '',
                  ...(weight === undefined ? {} : { weight }),
                })),
              })),
            })),
          },
        }
      : {}),
  };
}

export function configurationRoutes(service: ConfigurationService, usage: LimitUsage): FastifyPluginAsyncTypebox {
  const show = async (record: ConfigurationRecord) => configurationResource(record, await service.keysOf([record]), usage);
  return async (app) => {
    app.get(PATH, async (request): Promise<ConfigurationList> => {
      const page = readPageParams(queryOf<ConfigurationListQuery>(request));
      const { items, hasMore } = await service.list(page);
      const keys = await service.keysOf(items);
      return {
        aiGatewayAccessKeyConfigurations: items.map((r) => configurationResource(r, keys, usage)),
        ...listUris(PATH, {}, page, items.at(-1)?.id, hasMore),
      };
    });

    app.post(PATH, { schema: { body: ConfigurationCreate } }, async (request, reply) => {
      const record = await service.create(request.body);
      reply.status(201);
      return show(record);
    });

    app.get(`${PATH}/:id`, { schema: { params: IdParams } }, async (request) => show(await service.get(request.params.id)));

    app.patch(`${PATH}/:id`, { schema: { params: IdParams, body: ConfigurationUpdate } }, async (request) => {
      const { name, description, metadata, ...rest } = request.body;
      const patch = { name: cleared(name), description: cleared(description), metadata: cleared(metadata), ...rest };
      return show(await service.update(request.params.id, patch));
    });

    app.delete(`${PATH}/:id`, { schema: { params: IdParams } }, async (request, reply) => {
      await service.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
