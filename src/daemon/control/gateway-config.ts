import type { FastifyPluginAsync } from 'fastify';
import type { GatewayConfig } from '../../core/gateway-config.js';
import type { GatewayConfigService, GatewayConfigUpdate } from '../../app/gateway-config.js';
import { clearableText, text } from './shapes.js';

const PATH = '/gateway-config';

/** ngrok's AIGatewayConfig; `accountId` is this install's id, and aigw adds `providerBaseUrls`. */
export function gatewayConfigResource(accountId: string, config: GatewayConfig) {
  return { accountId, uri: PATH, ...config };
}

const clearableCount = { type: ['integer', 'null'], minimum: 1 } as const;

const updateBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    totalTimeout: text,
    perRequestTimeout: text,
    maxInputTokens: clearableCount,
    maxOutputTokens: clearableCount,
    metadata: clearableText,
    providerBaseUrls: { type: ['object', 'null'], additionalProperties: clearableText },
    passthroughProviders: {
      type: 'object',
      additionalProperties: {
        type: ['object', 'null'],
        additionalProperties: false,
        properties: { allowNonLoopback: { type: 'boolean' } },
      },
    },
  },
} as const;

export function gatewayConfigRoutes(service: GatewayConfigService, accountId: string): FastifyPluginAsync {
  return async (app) => {
    app.get(PATH, async () => gatewayConfigResource(accountId, await service.get()));
    app.patch<{ Body: GatewayConfigUpdate }>(PATH, { schema: { body: updateBody } }, async (request) =>
      gatewayConfigResource(accountId, await service.update(request.body)),
    );
  };
}
