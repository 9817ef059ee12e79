import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GatewayConfigUpdate, type GatewayConfig as GatewayConfigShape } from '../../core/api/gateway-config.js';
import type { GatewayConfig } from '../../core/gateway-config.js';
import type { GatewayConfigService } from '../../app/gateway-config.js';

const PATH = '/gateway-config';

/** ngrok's AIGatewayConfig; `accountId` is this install's id, and aigw adds `providerBaseUrls`. */
export function gatewayConfigResource(accountId: string, config: GatewayConfig): GatewayConfigShape {
  return { accountId, uri: PATH, ...config };
}

export function gatewayConfigRoutes(service: GatewayConfigService, accountId: string): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(PATH, async () => gatewayConfigResource(accountId, await service.get()));
    app.patch(PATH, { schema: { body: GatewayConfigUpdate } }, async (request) =>
      gatewayConfigResource(accountId, await service.update(request.body)),
    );
  };
}
