import Fastify, { type FastifyBaseLogger, type FastifyInstance, type onRequestHookHandler } from 'fastify';
import type { DaemonChecks, DaemonStatus, StoreCheck } from '../../core/daemon-status.js';
import { AigwError, ERRORS, errorBody } from '../../core/errors.js';
import { DAEMON_VERSION_HEADER, VERSION } from '../../core/version.js';
import type { AccessKeyService } from '../../app/access-keys.js';
import type { ControlTokenService } from '../../app/control-tokens.js';
import type { ConfigurationService } from '../../app/configurations.js';
import type { GatewayConfigService } from '../../app/gateway-config.js';
import type { KeyTester, LimitUsage, SecretRewrap } from '../../app/ports.js';
import type { ProviderKeyService } from '../../app/provider-keys.js';
import type { ProviderService } from '../../app/providers.js';
import type { UsageService } from '../../app/usage.js';
import type { Logger } from '../log.js';
import type { PriceService } from '../../app/prices.js';
import { accessKeyRoutes } from './access-keys.js';
import { configurationRoutes } from './configurations.js';
import { controlTokenRoutes } from './control-tokens.js';
import { sendError } from './errors.js';
import { gatewayConfigRoutes } from './gateway-config.js';
import { healthRoutes } from './health.js';
import { priceRoutes } from './prices.js';
import { providerKeyTestRoutes } from './provider-key-test.js';
import { providerKeyRoutes } from './provider-keys.js';
import { providerRoutes } from './providers.js';
import { secretRoutes } from './secrets.js';
import { usageRoutes } from './usage.js';

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
  /** The store's health for `aigw doctor`, checked away from the daemon's event loop. */
  checkStore: () => Promise<StoreCheck>;
  /** Readiness and the secret store's answer, for `aigw doctor` against a daemon on another machine. */
  liveChecks: () => Promise<DaemonChecks>;
  usage: UsageService;
  keyTester: KeyTester;
  /** The gateway's budget and rate counters, shown on access keys and configurations. */
  limitUsage: LimitUsage;
  controlTokens: ControlTokenService;
  /** Only with the database secret store. */
  secretRewrap?: SecretRewrap | undefined;
}

/** The management API over TCP: who may in, and TLS when it has a certificate. */
export interface TcpControl {
  authenticate: onRequestHookHandler;
  https?: { cert: Buffer; key: Buffer } | undefined;
}

/**
 * The management API: JSON in camelCase, as ngrok.ai's control plane; one plugin per resource.
 * Over TCP (`remote`), its `authenticate` runs first on every request (the bearer token check).
 */
export function buildControlServer(deps: ControlDeps, remote?: TcpControl): FastifyInstance {
  const app = Fastify({
    ...(remote?.https ? { https: remote.https } : {}),
    loggerInstance: deps.log.child({ plane: 'control' }) as FastifyBaseLogger,
    bodyLimit: CONTROL_BODY_LIMIT,
    // Unknown fields are an error, never silently dropped; types are never coerced. The route schemas are
    // TypeBox's, fixed at build time (ajv's strict mode still refuses an unknown keyword): checking them
    // against JSON Schema's meta-schema would compile that meta-schema on every start, for nothing.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, validateSchema: false } },
    // A URL the router cannot read (bad percent-encoding, an over-long id) gets a coded error too.
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
  });
  if (remote) app.addHook('onRequest', remote.authenticate);
  app.addHook('onSend', async (_request, reply) => {
    reply.header(DAEMON_VERSION_HEADER, VERSION);
  });
  app.setErrorHandler(sendError);
  app.setNotFoundHandler((request, reply) => {
    const err = new AigwError(ERRORS.routeNotFound, `no API route ${request.method} ${request.url.split('?')[0]}`);
    reply.status(404).send(errorBody(err));
  });
  app.register(healthRoutes(deps.status, deps.checkStore, deps.liveChecks));
  app.register(providerKeyRoutes(deps.providerKeys));
  app.register(accessKeyRoutes(deps.accessKeys, deps.limitUsage));
  app.register(configurationRoutes(deps.configurations, deps.limitUsage));
  app.register(providerRoutes(deps.providers, deps.gatewayConfig));
  app.register(gatewayConfigRoutes(deps.gatewayConfig, deps.accountId));
  app.register(providerKeyTestRoutes(deps.keyTester));
  app.register(usageRoutes(deps.usage));
  app.register(priceRoutes(deps.prices));
  app.register(controlTokenRoutes(deps.controlTokens, remote !== undefined));
  app.register(secretRoutes(deps.secretRewrap, () => deps.status().secretStore.kind));
  return app;
}
