import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { AccessKeyService } from '../../src/app/access-keys.js';
import { ControlTokenService } from '../../src/app/control-tokens.js';
import { systemClock } from '../../src/app/ports.js';
import { ConfigurationService } from '../../src/app/configurations.js';
import { GatewayConfigService } from '../../src/app/gateway-config.js';
import { PriceService } from '../../src/app/prices.js';
import { ProviderKeyService } from '../../src/app/provider-keys.js';
import { ProviderService } from '../../src/app/providers.js';
import { UsageService } from '../../src/app/usage.js';
import { fromErrorBody } from '../../src/cli/errors.js';
import type { Api, Method } from '../../src/cli/factory.js';
import { resolvePaths } from '../../src/core/paths.js';
import { VERSION } from '../../src/core/version.js';
import { buildControlServer } from '../../src/daemon/control/server.js';
import { Gateway } from '../../src/daemon/gateway/index.js';
import { createLogger } from '../../src/daemon/log.js';
import { openSecretStore } from '../../src/daemon/secret-store.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { RunResult } from './aigw.js';
import { runCliInProcess, type CliInProcessRun } from './cli-in-process.js';

/**
 * The in-process CLI tests' API: the daemon's real control plane (its services, a real SQLite store and
 * the encrypted-file secret store in a throwaway directory), composed as the daemon composes it but
 * without a socket or a listening gateway. The CLI reaches it through fastify's inject, so each command is
 * parsed, sent, validated and answered exactly as over the socket, in a fraction of the time a spawned CLI
 * and daemon take. What needs the real processes (daemon lifecycle, keychain, SDK calls, shells, crash
 * safety) stays in test/integration.
 */
export class InProcessDaemon {
  /** Every request the CLI sent, to check that a refused command sent no write. */
  readonly requests: { method: Method; path: string }[] = [];

  private constructor(
    readonly dir: string,
    private readonly control: FastifyInstance,
    private readonly closers: (() => Promise<void>)[],
  ) {}

  static async start(): Promise<InProcessDaemon> {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-inproc-'));
    const env = { AIGW_HOME: dir, AIGW_SECRET_STORE: 'file' };
    const paths = resolvePaths(env);
    for (const d of [paths.dataDir, paths.configDir, paths.stateDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
    const log = createLogger('silent');
    const store = new SqliteStore(paths.dbFile);
    const secrets = await openSecretStore(paths, store, env);
    const gatewayConfig = new GatewayConfigService(store, log, true);
    const dataPlane = new Gateway(store, secrets.store, () => gatewayConfig.settings(), log);
    await dataPlane.load();
    const providers = new ProviderService(store, log);
    const providerKeys = new ProviderKeyService(store, secrets.store, providers, log);
    const control = buildControlServer({
      log,
      providerKeys,
      accessKeys: new AccessKeyService(store, providerKeys, log),
      configurations: new ConfigurationService(store, providers, log),
      limitUsage: dataPlane,
      providers,
      gatewayConfig,
      prices: new PriceService(store, log),
      controlTokens: new ControlTokenService(store, systemClock),
      accountId: store.installId,
      status: () => {
        throw new Error('not in the in-process tests');
      },
      checkStore: async () => {
        throw new Error('not in the in-process tests');
      },
      liveChecks: async () => {
        throw new Error('not in the in-process tests');
      },
      usage: new UsageService(store, dataPlane.usage, dataPlane),
      keyTester: dataPlane,
    });
    await control.ready();
    return new InProcessDaemon(dir, control, [() => control.close(), () => dataPlane.close(), () => store.close()]);
  }

  /** The Api a command gets from its factory: requests answered by the control plane, errors as the real client makes them. */
  readonly api = (): Api => ({
    request: async <T>(method: Method, path: string, body?: unknown): Promise<T> => {
      this.requests.push({ method, path });
      const response = await this.control.inject({
        method,
        url: `/${path.replace(/^\//, '')}`,
        headers: { 'user-agent': `aigw-cli/${VERSION}` },
        ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      });
      const parsed = response.body ? JSON.parse(response.body) : undefined;
      if (response.statusCode >= 400) throw fromErrorBody(parsed ?? {}, response.statusCode);
      return parsed as T;
    },
  });

  /** The writes sent since `mark` (an index into requests). */
  writesSince(mark: number): string[] {
    return this.requests.slice(mark).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  run(args: readonly string[], options: InProcessRun = {}): Promise<RunResult> {
    return runInProcess(this, args, options);
  }

  /** As TestHome.runTty: stdout a terminal (so a table), stderr merged into it. */
  async runTty(args: readonly string[]): Promise<RunResult> {
    const result = await runInProcess(this, args, { tty: true });
    return { code: result.code, stdout: result.stdout + result.stderr, stderr: '' };
  }

  json(args: readonly string[], options: InProcessRun = {}) {
    return jsonInProcess(this, args, options);
  }

  /** Runs aigw and expects it to fail with this exit status and error code. */
  async fails(args: readonly string[], exit: number, code: string, options: InProcessRun = {}): Promise<RunResult> {
    const result = await this.run(args, options);
    if (result.code !== exit || !result.stderr.includes(code)) {
      throw new Error(`aigw ${args.join(' ')}: expected exit ${exit} with ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    }
    return result;
  }

  /** Everything the control plane holds, as the CLI lists it: compared before and after a refused command. */
  async snapshot(): Promise<Record<string, unknown>> {
    return {
      providerKeys: await this.json(['provider-keys', 'list', '--all']),
      accessKeys: await this.json(['access-keys', 'list', '--all']),
      configs: await this.json(['configs', 'list', '--all']),
      providers: await this.json(['providers', 'list', '--all']),
      gateway: await this.json(['gateway', 'config', 'get']),
    };
  }

  async close(): Promise<void> {
    for (const close of this.closers) await close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export type InProcessRun = Omit<CliInProcessRun, 'env' | 'api'> & { env?: NodeJS.ProcessEnv };

/** Runs `aigw args…` in this process over fake streams and the in-process daemon; returns as TestHome.run does. */
export function runInProcess(daemon: InProcessDaemon, args: readonly string[], options: InProcessRun = {}): Promise<RunResult> {
  return runCliInProcess(args, { ...options, env: { AIGW_HOME: daemon.dir, CI: 'true', NO_COLOR: '1', ...options.env }, api: daemon.api });
}

/** runInProcess for commands that print JSON: the parsed document, or an error naming the stderr. */
export async function jsonInProcess(daemon: InProcessDaemon, args: readonly string[], options: InProcessRun = {}) {
  const result = await runInProcess(daemon, [...args, '-o', 'json'], options);
  if (result.code !== 0) throw new Error(`aigw ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}
