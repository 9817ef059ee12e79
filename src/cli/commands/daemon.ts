import { createReadStream, existsSync, readFileSync, statSync, watch } from 'node:fs';
import type { DaemonStatus } from '../../core/daemon-status.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkControlTls, parseListenAddress } from '../../core/listen.js';
import type { AigwPaths } from '../../core/paths.js';
import { VERSION } from '../../core/version.js';
import { handler, integerFlag, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { usageError } from '../errors.js';
import { lazySubcommands } from '../lazy-commands.js';
import { isDaemonUp, runDaemonForeground, startDaemon, stopDaemon } from '../daemon-process.js';
import { getJson } from '../socket.js';
import { registerDaemonTokens } from './daemon-tokens.js';
import type { IO, View } from '../io.js';

function uptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}

const statusView: View<DaemonStatus> = {
  id: (s) => String(s.pid),
  columns: [],
  details: [
    { header: 'PID', field: 'pid', value: (s) => String(s.pid) },
    { header: 'Version', field: 'version', value: (s) => (s.version === VERSION ? s.version : `${s.version} (CLI is ${VERSION})`) },
    { header: 'Uptime', field: 'uptimeSeconds', value: (s, io) => (io.format === 'table' ? uptime(s.uptimeSeconds) : String(s.uptimeSeconds)) },
    { header: 'Control socket', field: 'controlSocket', value: (s) => s.controlSocket },
    { header: 'Gateway', field: 'gatewayUrl', value: (s) => s.gatewayUrl ?? `not listening: ${s.gatewayError}` },
    { header: 'Store', field: 'store', value: (s) => (s.store.kind === 'postgres' ? `PostgreSQL: ${s.store.location}` : `SQLite: ${s.store.location}`) },
    { header: 'Secret store', field: 'secretStore', value: (s) => `${s.secretStore.kind}${s.secretStore.available ? '' : ' (UNAVAILABLE)'}` },
    { header: 'Why', field: 'secretStoreReason', value: (s) => s.secretStore.reason },
    { header: 'Data', field: 'dataDir', value: (s) => s.paths.dataDir },
    { header: 'Log', field: 'logFile', value: (s) => s.paths.logFile },
  ],
};

const LISTEN_FLAGS = [
  { option: 'gatewayListen', flag: '--gateway-listen', variable: 'AIGW_GATEWAY_LISTEN' },
  { option: 'controlListen', flag: '--control-listen', variable: 'AIGW_CONTROL_LISTEN' },
  { option: 'metricsListen', flag: '--metrics-listen', variable: 'AIGW_METRICS_LISTEN' },
] as const;

/** A bad address is a usage error here, before a daemon is started that would refuse it. */
function checkListenFlags(options: DaemonFlagOptions, env: NodeJS.ProcessEnv): void {
  const database = options.databaseUrl ? ['--database-url', options.databaseUrl] : ['AIGW_DATABASE_URL', env.AIGW_DATABASE_URL];
  if (database[1] && !/^postgres(ql)?:\/\//.test(database[1])) {
    throw usageError(`${database[0]} must be a PostgreSQL URL, such as postgres://aigw@db.internal/aigw`);
  }
  for (const { option, flag, variable } of LISTEN_FLAGS) {
    const [spec, source] = options[option] ? [options[option], flag] : [env[variable], variable];
    if (spec && !parseListenAddress(spec)) {
      throw usageError(`${source} "${spec}" must be HOST:PORT, such as 127.0.0.1:9271 (port 0 picks a free one)`);
    }
  }
  // As the daemon checks them, so that `daemon start` says it in one coded line before starting anything.
  checkControlTls(
    parseListenAddress(options.controlListen || env.AIGW_CONTROL_LISTEN || '')?.host,
    options.tlsCert || env.AIGW_CONTROL_TLS_CERT,
    options.tlsKey || env.AIGW_CONTROL_TLS_KEY,
  );
}

async function start({ io, paths, env }: Factory, options: DaemonFlagOptions): Promise<void> {
  checkListenFlags(options, env);
  if (await isDaemonUp(paths)) {
    io.note('The daemon is already running.');
    const given = [...LISTEN_FLAGS, { option: 'databaseUrl', flag: '--database-url' } as const]
      .filter(({ option }) => options[option])
      .map(({ flag }) => flag);
    if (given.length) {
      io.warn(`${given.join(' and ')} not applied to the running daemon; restart it to apply: \`aigw daemon stop && aigw daemon start ${given.map((f) => `${f} …`).join(' ')}\``);
    }
  } else {
    const { pid, warnings } = await io.spin('Starting the daemon', () => startDaemon(paths, options, env));
    io.success(`Started the daemon (pid ${pid})`);
    for (const warning of warnings) io.warn(warning);
  }
  const current = await status(io, paths);
  if (!current.gatewayUrl) {
    throw new AigwError(
      ERRORS.gatewayNotListening,
      `the gateway is not listening (${current.gatewayError}); key management works. ` +
        'Choose another address with --gateway-listen HOST:PORT or AIGW_GATEWAY_LISTEN, after `aigw daemon stop`',
    );
  }
}

/** In the foreground the daemon itself refuses a bad address, with exit 78 (EX_CONFIG), as systemd expects. */
async function run({ env }: Factory, options: DaemonFlagOptions): Promise<void> {
  process.exitCode = await runDaemonForeground(options, env);
}

async function stop({ io, paths }: Factory): Promise<void> {
  const pid = await stopDaemon(paths);
  if (pid === undefined) io.note('The daemon is not running.');
  else io.success(`Stopped the daemon (pid ${pid})`);
}

/** Prints the daemon's status (start-time warnings are printed once, by whoever started it). */
async function status(io: IO, paths: AigwPaths): Promise<DaemonStatus> {
  let current: DaemonStatus;
  try {
    current = await getJson<DaemonStatus>(paths.socketFile, '/status', 3000);
  } catch {
    if (io.format === 'json') io.out(JSON.stringify({ running: false, controlSocket: paths.socketFile }, null, 2));
    throw new AigwError(ERRORS.daemonNotRunning, 'the daemon is not running; start it with `aigw daemon start`');
  }
  if (io.format === 'json') io.out(JSON.stringify({ running: true, ...current }, null, 2));
  else await io.printItem(current, statusView);
  return current;
}

function formatLogLine(io: IO, line: string): string {
  if (io.format !== 'table') return line;
  try {
    const { time, level, msg, pid: _pid, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const name = Number(level) >= 50 ? io.red('ERROR') : Number(level) >= 40 ? io.yellow('WARN ') : io.dim('INFO ');
    const extra = Object.keys(rest).length ? ' ' + io.dim(JSON.stringify(rest)) : '';
    return `${io.dim(String(time))} ${name} ${String(msg)}${extra}`;
  } catch {
    return line;
  }
}

async function logs({ io, paths }: Factory, options: { lines: number; follow?: true }): Promise<void> {
  const { logFile } = paths;
  if (!existsSync(logFile)) throw new AigwError(ERRORS.notFound, `no daemon log yet at ${logFile}`);
  const lines = readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
  for (const line of lines.slice(-options.lines)) io.out(formatLogLine(io, line));
  if (!options.follow) return;
  let offset = statSync(logFile).size;
  let pending = '';
  await new Promise<void>(() => {
    watch(logFile, () => {
      const size = statSync(logFile).size;
      if (size <= offset) return;
      createReadStream(logFile, { start: offset, end: size - 1, encoding: 'utf8' }).on('data', (chunk) => {
        const text = pending + String(chunk);
        const parts = text.split('\n');
        pending = parts.pop() ?? '';
        for (const line of parts) if (line) io.out(formatLogLine(io, line));
      });
      offset = size;
    });
  });
}

/** Where `daemon start` and `daemon run` serve and keep the Store: core's DaemonOptions (daemon-runtime.ts), as flags. */
function gatewayFlag<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--gateway-listen <host:port>', 'where the gateway listens (default 127.0.0.1:9271, or AIGW_GATEWAY_LISTEN)')
    .option(
      '--control-listen <host:port>',
      'also serve the management API over TCP, with bearer tokens (or AIGW_CONTROL_LISTEN); off loopback only with TLS',
    )
    .option('--tls-cert <file>', 'serve --control-listen over HTTPS with this PEM certificate (or AIGW_CONTROL_TLS_CERT)')
    .option('--tls-key <file>', "the certificate's PEM private key (or AIGW_CONTROL_TLS_KEY)")
    .option('--metrics-listen <host:port>', 'serve Prometheus metrics at /metrics on this address (or AIGW_METRICS_LISTEN); off by default')
    .option(
      '--database-url <url>',
      'keep the Store in this PostgreSQL database, which several daemons (replicas) may share (or AIGW_DATABASE_URL)',
    );
}

type DaemonFlagOptions = FlagOptions<typeof gatewayFlag<[], {}, {}>>;

export function registerDaemon(program: Program): void {
  const daemon = program.command('daemon').description('start, stop and inspect the local aigw daemon');
  lazySubcommands(daemon, () => {
    gatewayFlag(daemon.command('start').description('start the daemon in the background')).action(handler(start));
    gatewayFlag(daemon.command('run').description('run the daemon in the foreground (for systemd or containers)')).action(handler(run));
    daemon.command('stop').description('stop the daemon gracefully').action(handler(stop));
    daemon
      .command('status')
      .description('show pid, version, uptime, socket, gateway URL and secret store')
      .action(handler(async ({ io, paths }) => void (await status(io, paths))));
    daemon
      .command('install')
      .description('start the daemon at login: a systemd user unit on Linux, a launchd agent on macOS')
      .option('--print', 'print the unit (or plist) it would write, and do nothing else')
      .action(handler(async ({ io }, options) => (await import('./daemon-service.js')).install(io, options)));
    daemon
      .command('uninstall')
      .description('stop the daemon the service manager runs and remove its unit (or plist)')
      .action(handler(async ({ io }) => (await import('./daemon-service.js')).uninstall(io)));
    daemon
      .command('logs')
      .description("print the daemon's log")
      .option('-n, --lines <n>', 'how many lines from the end', integerFlag('--lines'), 50)
      .option('-f, --follow', 'keep printing new lines')
      .action(handler(logs));
    registerDaemonTokens(daemon);
  });
}
