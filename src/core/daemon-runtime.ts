import { fileURLToPath } from 'node:url';
import type { StoreCheck } from './daemon-status.js';

/**
 * How the daemon process runs: its entry, Node's flags and its environment. The daemon's own settings, kept
 * here as plain data so that the CLI, which starts the daemon by path, never imports daemon code.
 */
/** The daemon as the build bundles it (scripts/bundle.mjs): one file to read and compile at start-up. */
const DAEMON_ENTRY = fileURLToPath(new URL('../daemon-bundle/main.cjs', import.meta.url));
/** The daemon side's check of a home's store, run as a program of its own. */
const STORE_CHECK_ENTRY = fileURLToPath(new URL('../daemon/store-check.js', import.meta.url));

/**
 * V8's young generation may grow to 16 MB per semi-space by default, and an idle daemon keeps whatever
 * start-up garbage sits there. 8 MB is the balance the bench found: at 2 MB, requests in flight outlive
 * scavenges and get promoted, so GC took ~10% of the gateway's CPU (and more with 10,000 keys, where
 * major GCs walk a bigger heap); at 8 MB it is ~5%, as at 16, and the idle RSS stays under its target.
 * Maglev (V8's middle compiler tier, on since Node 22) cost Node 24's idle daemon ~5 MB, spent on start-up
 * code that runs once; the hot path, left to TurboFan, is no slower without it.
 * Bytecode unused for two major GCs (V8's default is six) is dropped, and compiled again if ever needed:
 * start-up code (module bodies, migrations, route setup) then goes with the GCs an idle daemon does, ~2.5 MB
 * on Node 24; the hot path runs on every request and is never old.
 */
const DAEMON_NODE_FLAGS = ['--max-semi-space-size=8', '--no-maglev', '--bytecode-old-age=2'];

/** The daemon's command-line flags. */
export interface DaemonOptions {
  gatewayListen?: string | undefined;
  controlListen?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  metricsListen?: string | undefined;
  /** Handed to the daemon as AIGW_DATABASE_URL, never in its argv (the URL may carry a password). */
  databaseUrl?: string | undefined;
}

/** The arguments for `process.execPath` that run the daemon. */
export function daemonArgs(options: DaemonOptions = {}): string[] {
  const args = [...DAEMON_NODE_FLAGS, DAEMON_ENTRY];
  if (options.gatewayListen) args.push('--gateway-listen', options.gatewayListen);
  if (options.controlListen) args.push('--control-listen', options.controlListen);
  if (options.tlsCert) args.push('--tls-cert', options.tlsCert);
  if (options.tlsKey) args.push('--tls-key', options.tlsKey);
  if (options.metricsListen) args.push('--metrics-listen', options.metricsListen);
  return args;
}

/**
 * glibc gives each thread that allocates an arena of its own (up to 8 per core), and freed memory stays in
 * them: V8's compiler and GC threads and the usage writer left 10–12 MB there after the bench's load. Two
 * arenas (the main thread's, and one the others share) keep that memory reused, at the same throughput.
 * Other C libraries ignore the variable; a value the user set is kept.
 */
export function daemonEnv(env: NodeJS.ProcessEnv, options: DaemonOptions = {}): NodeJS.ProcessEnv {
  return {
    ...env,
    MALLOC_ARENA_MAX: env.MALLOC_ARENA_MAX ?? '2',
    ...(options.databaseUrl ? { AIGW_DATABASE_URL: options.databaseUrl } : {}),
  };
}

/**
 * Runs the daemon side's store check in a process of its own: it reads the whole database file, which would
 * hold up a running daemon's requests, and the CLI never opens the database itself.
 */
export async function checkStoreInChild(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StoreCheck> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile(process.execPath, [STORE_CHECK_ENTRY], { env, timeout: timeoutMs, encoding: 'utf8' }, (err, stdout) => {
      try {
        if (err) throw err;
        resolve(JSON.parse(stdout) as StoreCheck);
      } catch (failure) {
        resolve({ status: 'fail', detail: `the store check did not finish: ${(failure as Error).message.split('\n')[0]}` });
      }
    });
  });
}
