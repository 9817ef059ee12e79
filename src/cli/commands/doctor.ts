import { lstatSync, type Stats } from 'node:fs';
import { checkStoreInChild } from '../../core/daemon-runtime.js';
import type { DaemonStatus, StoreCheck } from '../../core/daemon-status.js';
import { AigwError, ERRORS, errorDefByCode } from '../../core/errors.js';
import { resolvePaths, type AigwPaths } from '../../core/paths.js';
import { VERSION } from '../../core/version.js';
import { handler, type Program } from '../command.js';
import type { Factory } from '../factory.js';
import { getJson } from '../socket.js';
import { wrapLines, type IO } from '../io.js';

/** `aigw doctor`: checks the installation and says, for each problem, how to fix it. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** For a problem that kept doctor from checking a remote daemon at all: the code it exits with. */
  errorCode?: string;
}

const MIN_NODE = [20, 17] as const;
const STATUS_TIMEOUT_MS = 2000;
const CONNECT_TIMEOUT_MS = 1000;
const STORE_CHECK_TIMEOUT_MS = 15_000;
const RESTART = '`aigw daemon stop && aigw daemon start`';
const KEYTAR_FIX =
  'install libsecret-1-dev (Debian/Ubuntu) or libsecret-devel (Fedora), then run `npm rebuild keytar` in the aigw install';

export const check = (id: string, title: string, status: CheckStatus, detail: string, fix?: string): Check => ({
  id,
  title,
  status,
  detail,
  ...(fix ? { fix } : {}),
});

function nodeCheck(): Check {
  const version = process.versions.node;
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  const detail = `Node.js ${version} (aigw needs ${MIN_NODE.join('.')} or later)`;
  return ok ? check('node', 'Node.js', 'ok', detail) : check('node', 'Node.js', 'fail', detail, 'install Node.js 20.17 or later (22 LTS is a good choice)');
}

async function daemonStatus(paths: AigwPaths): Promise<DaemonStatus | undefined> {
  try {
    return await getJson<DaemonStatus>(paths.socketFile, '/status', STATUS_TIMEOUT_MS);
  } catch {
    return undefined;
  }
}

function daemonCheck(paths: AigwPaths, status: DaemonStatus | undefined): Check {
  if (!status) {
    return check(
      'daemon',
      'Daemon',
      'warn',
      `not running (no answer on ${paths.socketFile})`,
      'run `aigw daemon start`; any command that needs it also starts it',
    );
  }
  if (status.version !== VERSION) {
    return check('daemon', 'Daemon', 'fail', `pid ${status.pid} runs aigw ${status.version}, but this CLI is ${VERSION}`, `restart it: ${RESTART}`);
  }
  return check('daemon', 'Daemon', 'ok', `running, pid ${status.pid}, aigw ${status.version}`);
}

function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Directories 0700 and files 0600, owned by this user: nobody else may read keys, the store or the socket. */
function permissionsCheck(paths: AigwPaths): Check {
  const dirs = [...new Set([paths.dataDir, paths.configDir, paths.stateDir, paths.runtimeDir, paths.socketDir, paths.secretsDir])];
  const files = [paths.dbFile, paths.masterKeyFile, paths.socketFile, paths.logFile];
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const problems: string[] = [];
  const fixes: string[] = [];
  let checked = 0;
  for (const [path, wanted] of [...dirs.map((d) => [d, 0o700] as const), ...files.map((f) => [f, 0o600] as const)]) {
    const st = lstatIfAny(path);
    if (!st) continue;
    checked++;
    if (st.isSymbolicLink()) {
      // chmod would change the link's target, not the link: the fix is to remove it.
      problems.push(`${path} is a symbolic link, which aigw refuses to use`);
      fixes.push(`rm ${path}`);
      continue;
    }
    const mode = st.mode & 0o777;
    if (uid !== undefined && st.uid !== uid) {
      problems.push(`${path} belongs to uid ${st.uid}`);
      fixes.push(`chown ${uid} ${path}`);
    }
    if (mode & 0o077) {
      problems.push(`${path} is mode ${mode.toString(8).padStart(4, '0')}, not ${wanted.toString(8).padStart(4, '0')}`);
      fixes.push(`chmod ${wanted.toString(8)} ${path}`);
    }
  }
  if (problems.length) return check('permissions', 'Permissions', 'fail', problems.join('; '), fixes.join(' && '));
  if (!checked) return check('permissions', 'Permissions', 'skip', 'nothing created yet (the daemon creates its directories 0700)');
  return check('permissions', 'Permissions', 'ok', `${checked} paths are private to you (directories 0700, files 0600)`);
}

async function keytarCheck(env: NodeJS.ProcessEnv): Promise<Check> {
  try {
    await import('keytar');
    return check('keytar', 'Keychain module', 'ok', 'keytar is built and loads');
  } catch (err) {
    const why = (err as Error).message.split('\n')[0];
    if (env.AIGW_SECRET_STORE === 'file') {
      return check('keytar', 'Keychain module', 'ok', `keytar does not load (${why}); not needed with AIGW_SECRET_STORE=file`);
    }
    return check('keytar', 'Keychain module', 'warn', `keytar does not load, so the OS keychain cannot be used (${why})`, KEYTAR_FIX);
  }
}

function secretStoreCheck(status: DaemonStatus | undefined, keytar: Check, env: NodeJS.ProcessEnv): Check {
  const title = 'Secret store';
  if (!status) {
    return check('secretStore', title, 'skip', `chosen when the daemon starts (AIGW_SECRET_STORE=${env.AIGW_SECRET_STORE || 'auto'})`);
  }
  const { kind, reason, available } = status.secretStore;
  const names: Record<string, string> = { file: 'encrypted file', database: 'encrypted in the database' };
  const detail = `${names[kind] ?? 'OS keychain'}: ${reason}`;
  if (!available) {
    return check('secretStore', title, 'fail', detail, `unlock or start the OS keychain (Secret Service, e.g. gnome-keyring), then ${RESTART}`);
  }
  // Not chosen on purpose: the hint stays after a restart, when the reason has become "keys were stored there".
  if (kind === 'file' && !reason.includes('AIGW_SECRET_STORE=file')) {
    const setup = keytar.status === 'ok' ? 'start and unlock a Secret Service (e.g. gnome-keyring) in this session' : KEYTAR_FIX;
    const fix =
      `${setup}; then ${RESTART}. A home keeps the store its keys are in: ` +
      'one with provider keys in the file store moves to the keychain once they are deleted';
    return check('secretStore', title, 'warn', `${detail} (the OS keychain is safer)`, fix);
  }
  return check('secretStore', title, 'ok', detail);
}

/** The daemon checks its store away from its event loop; with no daemon up, doctor runs that check itself. */
async function storeCheck(paths: AigwPaths, status: DaemonStatus | undefined, env: NodeJS.ProcessEnv): Promise<Check> {
  const result: StoreCheck = status
    ? await getJson<StoreCheck>(paths.socketFile, '/status/store', STORE_CHECK_TIMEOUT_MS).catch((err: Error) => ({
        status: 'fail',
        detail: `the daemon did not answer the store check: ${err.message}`,
      }))
    : await checkStoreInChild(env, STORE_CHECK_TIMEOUT_MS);
  return check('store', 'Store integrity', result.status, result.detail, result.fix);
}

async function canConnect(url: string): Promise<string | undefined> {
  const { hostname, port } = new URL(url);
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port), timeout: CONNECT_TIMEOUT_MS });
    const done = (error?: string) => {
      socket.destroy();
      resolve(error);
    };
    socket.on('connect', () => done());
    socket.on('timeout', () => done('timed out'));
    socket.on('error', (err) => done(err.message));
  });
}

async function gatewayCheck(status: DaemonStatus | undefined): Promise<Check> {
  const title = 'Gateway';
  if (!status) return check('gateway', title, 'skip', 'not checked: the daemon is not running');
  const fix = `free the port, or choose another with AIGW_GATEWAY_LISTEN or --gateway-listen; then ${RESTART}`;
  if (!status.gatewayUrl) return check('gateway', title, 'fail', `not listening: ${status.gatewayError ?? 'unknown reason'}`, fix);
  const error = await canConnect(status.gatewayUrl);
  if (error) return check('gateway', title, 'fail', `${status.gatewayUrl} does not accept connections (${error})`, fix);
  return check('gateway', title, 'ok', `listening on ${status.gatewayUrl}`);
}

export async function runChecks(env: NodeJS.ProcessEnv = process.env): Promise<Check[]> {
  const paths = resolvePaths(env);
  const status = await daemonStatus(paths);
  const keytar = await keytarCheck(env);
  return [
    nodeCheck(),
    daemonCheck(paths, status),
    permissionsCheck(paths),
    secretStoreCheck(status, keytar, env),
    keytar,
    await storeCheck(paths, status, env),
    await gatewayCheck(status),
  ];
}

const MARK: Record<CheckStatus, (io: IO) => string> = {
  ok: (io) => io.green('✓'),
  warn: (io) => io.yellow('!'),
  fail: (io) => io.red('✗'),
  skip: (io) => io.dim('-'),
};

/** Wrapped to a terminal of known width; long words (paths, commands) stay whole. */
function wrapText(text: string, width: number): string[] {
  return Number.isFinite(width) && width >= 20 ? wrapLines(text, width, false) : [text];
}

async function doctor({ io, env, paths }: Factory): Promise<void> {
  const remote = env.AIGW_CONTROL_URL;
  const checks = remote
    ? await (await import('./doctor-remote.js')).runRemoteChecks(remote, paths, env, [nodeCheck()])
    : await runChecks(env);
  const failed = checks.filter((c) => c.status === 'fail');
  if (io.format === 'json') {
    const target = remote ? { controlUrl: new URL(remote).origin } : {};
    io.out(JSON.stringify({ ok: failed.length === 0, cliVersion: VERSION, ...target, checks }, null, 2));
  } else if (io.format === 'quiet') {
    for (const c of failed) io.out(c.id);
  } else {
    const width = Math.max(...checks.map((c) => c.title.length));
    const indent = ' '.repeat(width + 4);
    const wrap = (text: string) => wrapText(text, (io.stdout.columns ?? Infinity) - indent.length).join(`\n${indent}`);
    for (const c of checks) {
      io.out(`${MARK[c.status](io)} ${io.bold(c.title.padEnd(width))}  ${wrap(c.detail)}`);
      if (c.fix) io.out(`${indent}${io.dim('fix:')} ${wrap(c.fix)}`);
    }
  }
  // Unreachable, untrusted or refused: nothing of the daemon could be checked, and the exit status says so.
  const blocking = failed.find((c) => c.errorCode);
  if (blocking) throw new AigwError(errorDefByCode(blocking.errorCode!)!, `${blocking.title}: ${blocking.detail}; ${blocking.fix ?? ''}`.replace(/; $/, ''));
  if (failed.length) {
    throw new AigwError(
      ERRORS.doctorFoundProblems,
      `${failed.length} problem${failed.length === 1 ? '' : 's'} found: ${failed.map((c) => c.title).join(', ')}`,
    );
  }
}

export function registerDoctor(program: Program): void {
  program
    .command('doctor')
    .description('check Node.js, the daemon, permissions, the secret store, the store and the gateway, and say how to fix problems')
    .addHelpText(
      'after',
      '\nWith AIGW_CONTROL_URL: the daemon there, over its management API (the connection, its TLS certificate, the token, and what\n' +
        'it reports on its version, readiness, secret store, Store and gateway).\n' +
        'Exits 1 when something is broken, 4 when a remote daemon cannot be reached, is not trusted or refuses the token;\n' +
        '`-o json` gives the checks to scripts.',
    )
    .action(handler(doctor));
}
