import type { FastifyPluginAsync } from 'fastify';
import type { AccessScope, RouterWrite } from '../../core/configs.js';
import type { ConfigurationRecord, ConfigurationService } from '../../app/configurations.js';
import type { LimitUsage } from '../../app/ports.js';
import type { ProviderKeyRecord } from '../../app/provider-keys.js';
import { listUris } from './pagination.js';
import { readPageParams } from './query.js';
import {
  budgetSchema,
  cleared,
  clearableText,
  limitFields,
  LOCAL_OWNER,
  rateLimitsSchema,
  text,
  textList,
  type Clearable,
  type IdParams,
  type Query,
} from './shapes.js';

export const CONFIGURATIONS_PATH = '/access-key-configurations';
const PATH = CONFIGURATIONS_PATH;

/** ngrok's shape: on read, each key of a step is shown as `{id, name, keyRedacted}`. */
export function configurationResource(r: ConfigurationRecord, keys: Map<string, ProviderKeyRecord>, usage: LimitUsage) {
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

const dimension = { type: 'object', additionalProperties: false, properties: { allow: textList } } as const;
const accessProperties = { providers: dimension, models: dimension } as const;
const stepKey = { type: 'object', additionalProperties: false, properties: { id: text, name: text, value: text, weight: { type: 'number' } } } as const;
const step = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: {
    type: { type: 'string', enum: ['user', 'ngrok'] },
    keys: { type: 'array', items: stepKey },
    // Any string: normalizeRouter refuses an unknown strategy with its own code.
    keySelectionStrategy: text,
  },
} as const;
const rule = {
  type: 'object',
  additionalProperties: false,
  required: ['steps'],
  properties: { provider: text, model: text, steps: { type: 'array', items: step } },
} as const;
const routerProperties = { rules: { type: 'array', items: rule } } as const;

/** A configuration's own token cap; it wins over the account-wide one in the gateway settings. */
const tokenCap = { type: ['integer', 'null'], minimum: 1 } as const;

const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: text,
    description: text,
    metadata: text,
    access: { type: 'object', additionalProperties: false, properties: accessProperties },
    router: { type: 'object', additionalProperties: false, properties: routerProperties },
    maxInputTokens: tokenCap,
    maxOutputTokens: tokenCap,
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
    access: { type: ['object', 'null'], additionalProperties: false, properties: accessProperties },
    router: { type: ['object', 'null'], additionalProperties: false, properties: routerProperties },
    maxInputTokens: tokenCap,
    maxOutputTokens: tokenCap,
    budget: budgetSchema,
    rateLimits: rateLimitsSchema,
  },
} as const;

interface CreateBody {
  name: string;
  description?: string;
  metadata?: string;
  access?: AccessScope;
  router?: RouterWrite;
  maxInputTokens?: number | null;
  maxOutputTokens?: number | null;
  budget?: unknown;
  rateLimits?: unknown;
}

interface UpdateBody {
  name?: Clearable;
  description?: Clearable;
  metadata?: Clearable;
  access?: AccessScope | null;
  router?: RouterWrite | null;
  maxInputTokens?: number | null;
  maxOutputTokens?: number | null;
  budget?: unknown;
  rateLimits?: unknown;
}

export function configurationRoutes(service: ConfigurationService, usage: LimitUsage): FastifyPluginAsync {
  const show = async (record: ConfigurationRecord) => configurationResource(record, await service.keysOf([record]), usage);
  return async (app) => {
    app.get<{ Querystring: Query }>(PATH, async (request) => {
      const page = readPageParams(request.query);
      const { items, hasMore } = await service.list(page);
      const keys = await service.keysOf(items);
      return {
        aiGatewayAccessKeyConfigurations: items.map((r) => configurationResource(r, keys, usage)),
        ...listUris(PATH, {}, page, items.at(-1)?.id, hasMore),
      };
    });

    app.post<{ Body: CreateBody }>(PATH, { schema: { body: createBody } }, async (request, reply) => {
      const record = await service.create(request.body);
      reply.status(201);
      return show(record);
    });

    app.get<{ Params: IdParams }>(`${PATH}/:id`, async (request) => show(await service.get(request.params.id)));

    app.patch<{ Params: IdParams; Body: UpdateBody }>(`${PATH}/:id`, { schema: { body: updateBody } }, async (request) => {
      const { name, description, metadata, ...rest } = request.body;
      const patch = { name: cleared(name), description: cleared(description), metadata: cleared(metadata), ...rest };
      return show(await service.update(request.params.id, patch));
    });

    app.delete<{ Params: IdParams }>(`${PATH}/:id`, async (request, reply) => {
      await service.delete(request.params.id);
      return reply.status(204).send();
    });
  };
}
