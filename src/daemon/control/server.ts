import Fastify, { type FastifyBaseLogger, type FastifyInstance, type onRequestHookHandler } from 'fastify';
import type { DaemonStatus } from '../../core/daemon-status.js';
import { AigwError, ERRORS, errorBody } from '../../core/errors.js';
import { VERSION } from '../../core/version.js';
import type { AccessKeyService } from '../access-keys.js';
import type { ConfigurationService } from '../configurations.js';
import type { GatewayConfigService } from '../gateway-config.js';
import type { Store } from '../../store/types.js';
import type { Gateway } from '../gateway/index.js';
import type { Logger } from '../log.js';
import type { ProviderKeyService } from '../provider-keys.js';
import type { ProviderService } from '../providers.js';
import type { PriceService } from '../prices.js';
import { accessKeyRoutes } from './access-keys.js';
import { configurationRoutes } from './configurations.js';
import { sendError } from './errors.js';
import { gatewayConfigRoutes } from './gateway-config.js';
import { healthRoutes } from './health.js';
import { priceRoutes } from './prices.js';
import { providerKeyTestRoutes } from './provider-key-test.js';
import { providerKeyRoutes } from './provider-keys.js';
import { providerRoutes } from './providers.js';
import { usageRoutes } from './usage.js';

export const DAEMON_VERSION_HEADER = 'aigw-daemon-version';
const CONTROL_BODY_LIMIT = 64 * 1024;

export interface ControlDeps {
  log: Logger;
  providerKeys: ProviderKeyService;
  accessKeys: AccessKeyService;
  configurations: ConfigurationService;
  providers: ProviderService;
  gatewayConfig: GatewayConfigService;
  prices: PriceService;
  /** This install's id, shown as the gateway config's accountId. */
  accountId: string;
  status: () => DaemonStatus;
  store: Store;
  gateway: Gateway;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The management API: JSON in camelCase, as ngrok.ai's control plane; one plugin per resource.
 * `authenticate` runs first on every request (the TCP listener's bearer token check).
 */
export function buildControlServer(deps: ControlDeps, authenticate?: onRequestHookHandler): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.log.child({ plane: 'control' }) as FastifyBaseLogger,
    bodyLimit: CONTROL_BODY_LIMIT,
    // Unknown fields are an error, never silently dropped; types are never coerced.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false } },
    // A URL the router cannot read (bad percent-encoding, an over-long id) gets a coded error too.
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
  });
  if (authenticate) app.addHook('onRequest', authenticate);
  app.addHook('onSend', async (_request, reply) => {
    reply.header(DAEMON_VERSION_HEADER, VERSION);
  });
  // Every successful write rebuilds the gateway's routing snapshot before the caller hears back, so a key
  // created, rotated or deleted is in effect (or gone) by the time the CLI returns.
  app.addHook('onSend', async (request, reply) => {
    if (!READS.has(request.method) && reply.statusCode < 400) await deps.gateway.invalidate();
  });
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) => {
    const err = new AigwError(ERRORS.routeNotFound, `no API route ${request.method} ${request.url.split('?')[0]}`);
    reply.status(404).send(errorBody(err));
  });
  app.register(healthRoutes(deps.status));
  app.register(providerKeyRoutes(deps.providerKeys));
  app.register(accessKeyRoutes(deps.accessKeys));
  app.register(configurationRoutes(deps.configurations));
  app.register(providerRoutes(deps.providers, deps.gatewayConfig));
  app.register(gatewayConfigRoutes(deps.gatewayConfig, deps.accountId));
  app.register(providerKeyTestRoutes((id) => deps.gateway.testKey(id)));
  app.register(usageRoutes(deps.store, deps.gateway));
  app.register(priceRoutes(deps.prices));
  return app;
}
