import { chmodSync, rmSync } from 'node:fs';
import { writeStateFile } from '../core/state-files.js';
import { parseArgs } from 'node:util';
import { checkStoreInChild } from '../core/daemon-runtime.js';
import { DAEMON_EXIT, type DaemonStatus } from '../core/daemon-status.js';
import { parseByteSize, parseDuration } from '../core/gateway-config.js';
import { isLoopbackHost, parseListenAddress, type ListenAddress } from '../core/listen.js';
import { checkSocketPath, resolvePaths } from '../core/paths.js';
import { VERSION } from '../core/version.js';
import { hasStuckKeychainCalls } from '../secrets/keychain.js';
import type { SealedSecretRows } from '../secrets/database.js';
import { SqliteStore } from '../store/sqlite/index.js';
import type { Store } from '../store/types.js';
import { AccessKeyService } from '../app/access-keys.js';
import { ConfigurationService } from '../app/configurations.js';
import { GatewayConfigService } from '../app/gateway-config.js';
import { ProviderKeyService } from '../app/provider-keys.js';
import { ProviderService } from '../app/providers.js';
import { reconcileSecrets } from '../app/reconcile.js';
import { UsageService } from '../app/usage.js';
import { DaemonConfigError } from './config-error.js';
import { buildControlServer, type ControlDeps } from './control/server.js';
import { bearerTokenHook, controlTls, loadControlToken } from './control/tcp.js';
import { ControlTokenService } from '../app/control-tokens.js';
import { AigwError } from '../core/errors.js';
import { ensurePrivateDir, ensurePrivateFile, ensurePrivateTree } from './fs.js';
import { Gateway } from './gateway/index.js';
import { BrowserGuard, parseList } from './gateway/browser-guard.js';
import { buildGatewayServer, GATEWAY_BODIES_IN_FLIGHT, GATEWAY_BODY_LIMIT } from './gateway/server.js';
import { acquireDaemonLock, AlreadyRunningError } from './lock.js';
import { PriceService } from '../app/prices.js';
import { createLogger, type Logger } from './log.js';
import { liveChecks } from './live-checks.js';
import { keepMemoryReducerWorking } from './memory-reducer.js';
import { openSecretStore } from './secret-store.js';
import { fileClock, TEST_CLOCK_ENV } from './test-clock.js';
import { systemClock } from '../app/ports.js';


const DEFAULT_GATEWAY_LISTEN = '127.0.0.1:9271';
/** How long a stop waits for in-flight gateway requests (AIGW_DRAIN_TIMEOUT changes it); within `aigw daemon stop`'s wait. */
const DEFAULT_DRAIN_MS = 10_000;
const STORE_CHECK_TIMEOUT_MS = 10_000;
/** How long each of /status/checks' checks (the database, the secret store) may take. */
const LIVE_CHECK_TIMEOUT_MS = 3000;

function parseListen(spec: string, what = 'gateway'): ListenAddress {
  const address = parseListenAddress(spec);
  if (!address) throw new DaemonConfigError(`the ${what} address "${spec}" must look like 127.0.0.1:9271`);
  return address;
}

/**
 * Exits now. A keychain call stuck in a worker thread would hold the process (and this home's lock) until
 * D-Bus gives up, because libuv joins its threads at exit: then the process ends itself with SIGKILL.
 */
function exitNow(log: Logger, code: number): never {
  log.flush();
  if (hasStuckKeychainCalls()) process.kill(process.pid, 'SIGKILL');
  process.exit(code);
}

function urlOf(host: string, port: number, scheme = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** A size setting such as `10MiB`, when one is given. */
function sizeSetting(spec: string | undefined, what: string): number | undefined {
  if (!spec) return undefined;
  const size = parseByteSize(spec);
  if (size === undefined) throw new DaemonConfigError(`${what} "${spec}" must be a size such as 10MiB`);
  return size;
}

/** A PostgreSQL URL as it may be shown: the database and its server, never the user or password. */
function databaseLocation(url: string): string {
  try {
    const parsed = new URL(url);
    const server = parsed.searchParams.get('host') ?? (parsed.host || 'localhost');
    return `database ${decodeURIComponent(parsed.pathname.slice(1)) || '(default)'} on ${server}`;
  } catch {
    return 'a PostgreSQL database';
  }
}

/**
 * The shared Store, loaded only when asked for (pg is not needed otherwise). The URL is never logged: it may
 * carry a password.
 */
async function openPostgresStore(url: string, log: Logger) {
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new DaemonConfigError('AIGW_DATABASE_URL must be a PostgreSQL URL, such as postgres://aigw@db.internal/aigw');
  }
  const { PostgresStore } = await import('../store/postgres/index.js');
  const store = await PostgresStore.open(url, {
    onConnectionError: (err) => log.warn({ err: err.message }, 'a PostgreSQL connection failed; reconnecting'),
  });
  log.info('the Store is the shared PostgreSQL database');
  return store;
}

async function main(): Promise<void> {
  process.umask(0o077);
  const { values } = parseArgs({
    options: {
      'gateway-listen': { type: 'string' },
      'control-listen': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'gateway-allowed-hosts': { type: 'string' },
      'gateway-allowed-origins': { type: 'string' },
      'gateway-body-limit': { type: 'string' },
      'metrics-listen': { type: 'string' },
    },
  });
  const log = createLogger();
  const paths = resolvePaths();
  const startedAt = new Date();
  keepMemoryReducerWorking();

  let releaseLock: () => void;
  try {
    checkSocketPath(paths);
    for (const dir of [paths.dataDir, paths.configDir, paths.stateDir, paths.runtimeDir, paths.socketDir]) {
      ensurePrivateDir(dir);
    }
    // What an earlier run or another tool left here must be as private as what the daemon creates.
    // (The master key file is checked where it is read, with its own wording.)
    for (const file of [paths.dbFile, paths.logFile, paths.pidFile, paths.lockFile]) ensurePrivateFile(file);
    ensurePrivateTree(paths.secretsDir);
    releaseLock = acquireDaemonLock(paths.lockFile);
  } catch (err) {
    const already = err instanceof AlreadyRunningError;
    log.error({ err: (err as Error).message }, already ? 'not starting' : 'cannot start');
    process.exit(already ? DAEMON_EXIT.alreadyRunning : DAEMON_EXIT.badConfig);
  }

  const databaseUrl = process.env.AIGW_DATABASE_URL;
  let store: Store;
  let sealedSecrets: SealedSecretRows | undefined;
  let notReady: (() => Promise<string | undefined>) | undefined;
  try {
    if (databaseUrl) {
      const postgres = await openPostgresStore(databaseUrl, log);
      store = postgres;
      sealedSecrets = postgres.sealedSecrets();
      notReady = () => postgres.notReady();
    } else {
      store = new SqliteStore(paths.dbFile);
    }
  } catch (err) {
    log.error({ err: (err as Error).message }, 'cannot start');
    exitNow(log, err instanceof DaemonConfigError ? DAEMON_EXIT.badConfig : DAEMON_EXIT.failed);
  }
  let secrets;
  let listen;
  let controlListen;
  let controlToken: string | undefined;
  let tls: { cert: Buffer; key: Buffer } | undefined;
  let bodyLimit = GATEWAY_BODY_LIMIT;
  let bodiesInFlight = GATEWAY_BODIES_IN_FLIGHT;
  let drainMs = DEFAULT_DRAIN_MS;
  let metricsListen: ListenAddress | undefined;
  try {
    secrets = await openSecretStore(paths, store, process.env, sealedSecrets);
    listen = parseListen(values['gateway-listen'] || process.env.AIGW_GATEWAY_LISTEN || DEFAULT_GATEWAY_LISTEN);
    const controlSpec = values['control-listen'] || process.env.AIGW_CONTROL_LISTEN;
    if (controlSpec) {
      controlListen = parseListen(controlSpec, 'management API');
      controlToken = loadControlToken(paths.configDir);
    }
    tls = controlTls(
      controlListen?.host,
      values['tls-cert'] || process.env.AIGW_CONTROL_TLS_CERT,
      values['tls-key'] || process.env.AIGW_CONTROL_TLS_KEY,
    );
    bodyLimit = sizeSetting(values['gateway-body-limit'] || process.env.AIGW_GATEWAY_BODY_LIMIT, 'the gateway body limit') ?? bodyLimit;
    bodiesInFlight = sizeSetting(process.env.AIGW_GATEWAY_BODIES_IN_FLIGHT, 'AIGW_GATEWAY_BODIES_IN_FLIGHT') ?? bodiesInFlight;
    const metricsSpec = values['metrics-listen'] || process.env.AIGW_METRICS_LISTEN;
    if (metricsSpec) metricsListen = parseListen(metricsSpec, 'metrics');
    const drainSpec = process.env.AIGW_DRAIN_TIMEOUT;
    if (drainSpec) {
      const parsed = parseDuration(drainSpec);
      if (parsed === undefined) throw new DaemonConfigError(`AIGW_DRAIN_TIMEOUT "${drainSpec}" must be a duration such as 30s`);
      drainMs = parsed;
    }
  } catch (err) {
    log.error({ err: (err as Error).message, ...(err instanceof AigwError ? { errorCode: err.code } : {}) }, 'cannot start');
    await store.close();
    exitNow(log, err instanceof DaemonConfigError || err instanceof AigwError ? DAEMON_EXIT.badConfig : DAEMON_EXIT.failed);
  }
  for (const warning of secrets.warnings) log.warn(warning);
  log.info({ secretStore: secrets.kind, reason: secrets.reason }, 'secret store chosen');
  if (secrets.available) {
    await reconcileSecrets(store, secrets.store, log).catch((err) =>
      log.warn({ err: (err as Error).message }, 'could not reconcile the secret store; will try at next start'),
    );
  }

  const testClockFile = process.env[TEST_CLOCK_ENV];
  if (testClockFile) log.warn({ file: testClockFile }, `${TEST_CLOCK_ENV} is set: the daemon's clock reads the time from this file (for tests only)`);
  const clock = testClockFile ? fileClock(testClockFile) : systemClock;
  const gatewayConfig = new GatewayConfigService(store, log, isLoopbackHost(listen.host));
  const idlePassthrough = Object.entries((await gatewayConfig.get()).passthroughProviders).filter(([, p]) => !p.active);
  if (idlePassthrough.length) {
    log.warn(
      { providers: idlePassthrough.map(([id]) => id), host: listen.host },
      'passthrough stays off: it was enabled for a loopback gateway, and this one listens on another address',
    );
  }
  // Off unless asked for: prom-client is then never loaded, and the hot path pays one null check.
  let metrics: import('./gateway/metrics.js').GatewayMetrics | undefined;
  if (metricsListen) {
    const { GatewayMetrics } = await import('./gateway/metrics.js');
    const { countGatewayErrors } = await import('./gateway/errors.js');
    metrics = new GatewayMetrics();
    countGatewayErrors((code) => metrics!.error(code));
  }
  const dataPlane = new Gateway(store, secrets.store, () => gatewayConfig.settings(), log, clock, metrics);
  await dataPlane.load();
  const guard = new BrowserGuard({
    // The address the gateway listens on is a name clients use too (an IP literal cannot be rebound).
    allowedHosts: [
      ...parseList(values['gateway-allowed-hosts'] ?? process.env.AIGW_GATEWAY_ALLOWED_HOSTS),
      ...(['0.0.0.0', '::'].includes(listen.host) ? [] : [new URL(urlOf(listen.host, 1)).hostname]),
    ],
    allowedOrigins: parseList(values['gateway-allowed-origins'] ?? process.env.AIGW_GATEWAY_ALLOWED_ORIGINS),
  });
  const gateway = buildGatewayServer(log, dataPlane.proxy, { bodyLimit, bodiesInFlight, guard, notReady });
  let gatewayUrl: string | null = null;
  let gatewayError: string | null = null;
  let controlUrl: string | undefined;
  try {
    const port = await gateway.listen(listen.host, listen.port);
    guard.setPort(port);
    gatewayUrl = urlOf(listen.host, port);
  } catch (err) {
    // Key management stays available even when the gateway's port is taken.
    gatewayError = `cannot listen on ${urlOf(listen.host, listen.port)}: ${(err as Error).message}`;
    log.error(gatewayError);
  }

  let metricsServer: import('node:http').Server | undefined;
  let metricsUrl: string | undefined;
  if (metrics && metricsListen) {
    try {
      const served = await metrics.serve(metricsListen.host, metricsListen.port);
      metricsServer = served.server;
      metricsUrl = `${urlOf(metricsListen.host, served.port)}/metrics`;
    } catch (err) {
      log.error({ err: (err as Error).message }, 'cannot listen for the metrics');
      exitNow(log, DAEMON_EXIT.badConfig);
    }
  }

  const status = (): DaemonStatus => ({
    pid: process.pid,
    version: VERSION,
    startedAt: startedAt.toISOString(),
    uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    controlSocket: paths.socketFile,
    gatewayUrl,
    gatewayError,
    ...(controlUrl ? { controlUrl } : {}),
    ...(metricsUrl ? { metricsUrl } : {}),
    drainTimeoutMs: drainMs,
    secretStore: { kind: secrets.kind, reason: secrets.reason, available: secrets.available, warnings: secrets.warnings },
    store: databaseUrl ? { kind: 'postgres', location: databaseLocation(databaseUrl) } : { kind: 'sqlite', location: paths.dbFile },
    paths: { dataDir: paths.dataDir, configDir: paths.configDir, stateDir: paths.stateDir, logFile: paths.logFile },
  });
  const providers = new ProviderService(store, log);
  const providerKeys = new ProviderKeyService(store, secrets.store, providers, log);
  const controlDeps: ControlDeps = {
    log,
    providerKeys,
    accessKeys: new AccessKeyService(store, providerKeys, log, clock),
    configurations: new ConfigurationService(store, providers, log, clock),
    limitUsage: dataPlane,
    providers,
    gatewayConfig,
    prices: new PriceService(store, log),
    accountId: store.installId,
    status,
    checkStore: () => checkStoreInChild(process.env, STORE_CHECK_TIMEOUT_MS),
    liveChecks: liveChecks({ notReady, secrets, timeoutMs: LIVE_CHECK_TIMEOUT_MS }),
    usage: new UsageService(store, dataPlane.usage, dataPlane),
    keyTester: dataPlane,
    controlTokens: new ControlTokenService(store, clock),
    secretRewrap: secrets.rewrap,
  };
  const control = buildControlServer(controlDeps);
  // Over TCP only when asked for, and then only with a bearer token: control-token's or a named one.
  const controlTcp =
    controlListen && controlToken
      ? buildControlServer(controlDeps, {
          authenticate: bearerTokenHook(controlToken, (presented) => controlDeps.controlTokens.verify(presented)),
          https: tls,
        })
      : undefined;

  // We hold the lock, so a socket file left here belongs to a daemon that died.
  rmSync(paths.socketFile, { force: true });
  await control.listen({ path: paths.socketFile });
  chmodSync(paths.socketFile, 0o600);
  if (controlTcp && controlListen) {
    try {
      await controlTcp.listen({ host: controlListen.host, port: controlListen.port });
      const address = controlTcp.server.address();
      controlUrl = urlOf(controlListen.host, typeof address === 'object' && address ? address.port : controlListen.port, tls ? 'https' : 'http');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'cannot listen for the management API over TCP');
      exitNow(log, DAEMON_EXIT.badConfig);
    }
  }
  writeStateFile(paths.pidFile, `${process.pid}\n`);
  log.info({ version: VERSION, socket: paths.socketFile, gatewayUrl, controlUrl, metricsUrl }, 'daemon ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, drainTimeoutMs: drainMs }, 'shutting down');
    // In-flight requests (streams too) finish; past the drain time they are cut, and the exit says so.
    const force = setTimeout(() => {
      log.warn('in-flight requests did not finish within the drain time; exiting');
      exitNow(log, DAEMON_EXIT.failed);
    }, drainMs);
    force.unref();
    const servers: { close(): Promise<unknown> }[] = [control, gateway, ...(controlTcp ? [controlTcp] : [])];
    await Promise.allSettled(servers.map((s) => s.close()));
    await dataPlane.close();
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    await store.close();
    rmSync(paths.socketFile, { force: true });
    rmSync(paths.pidFile, { force: true });
    releaseLock();
    log.info('stopped');
    exitNow(log, DAEMON_EXIT.ok);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(JSON.stringify({ level: 60, msg: 'daemon crashed', err: String(err?.stack ?? err) }));
  process.exit(DAEMON_EXIT.failed);
});
