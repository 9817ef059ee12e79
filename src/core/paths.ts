import { mkdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStateFile, writeStateFile } from './state-files.js';

/** Where one aigw home keeps its state. Shared by the CLI (to find the daemon) and the daemon. */
export interface AigwPaths {
  readonly dataDir: string;
  readonly configDir: string;
  readonly stateDir: string;
  readonly runtimeDir: string;
  readonly dbFile: string;
  readonly secretsDir: string;
  readonly masterKeyFile: string;
  readonly logFile: string;
  readonly lockFile: string;
  readonly pidFile: string;
  /** Where the control socket lives: the runtime dir, or a short private dir when that path is too long. */
  readonly socketDir: string;
  readonly socketFile: string;
}

// sun_path is 108 bytes on Linux and 104 on macOS, including the terminating NUL.
export const MAX_SOCKET_PATH_BYTES = 103;
const SOCKET_NAME = 'control.sock';

export class SocketPathTooLongError extends Error {
  constructor(readonly path: string) {
    super(
      `the control socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; ` +
        'set AIGW_HOME, XDG_RUNTIME_DIR or TMPDIR to a shorter directory',
    );
  }
}

function dirs(env: NodeJS.ProcessEnv) {
  const home = env.AIGW_HOME;
  if (home) {
    return {
      dataDir: join(home, 'data'),
      configDir: join(home, 'config'),
      stateDir: join(home, 'state'),
      runtimeDir: join(home, 'run'),
    };
  }
  const userHome = env.HOME || homedir();
  const stateDir = join(env.XDG_STATE_HOME || join(userHome, '.local', 'state'), 'aigw');
  return {
    dataDir: join(env.XDG_DATA_HOME || join(userHome, '.local', 'share'), 'aigw'),
    configDir: join(env.XDG_CONFIG_HOME || join(userHome, '.config'), 'aigw'),
    stateDir,
    runtimeDir: env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'aigw') : join(stateDir, 'run'),
  };
}

/** A random value per home, in its private state dir: it makes the short socket dir's name unguessable. */
const SOCKET_SALT_FILE = 'socket-dir-salt';

function socketSalt(stateDir: string, randomHex: () => string): string {
  const file = join(stateDir, SOCKET_SALT_FILE);
  try {
    return readStateFile(file).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    writeStateFile(file, `${randomHex()}\n`, { exclusive: true });
  } catch (err) {
    // Another command made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readStateFile(file).trim();
}

/**
 * A short, per-home directory for the socket when the natural path would not fit in sun_path. Its name
 * hashes the runtime dir with the home's secret salt, so another local user cannot create it first and
 * keep aigw from starting (one they made anyway is refused: it is not ours).
 */
function shortSocketDir(d: { runtimeDir: string; stateDir: string }, env: NodeJS.ProcessEnv): string {
  // Loaded only here: node:crypto is the costliest import on the TAB-completion path, and rarely needed.
  const { createHash, randomBytes } = process.getBuiltinModule('node:crypto');
  const salt = socketSalt(d.stateDir, () => randomBytes(32).toString('hex'));
  const digest = createHash('sha256').update(`${salt}\n${d.runtimeDir}`).digest('hex').slice(0, 24);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(env.TMPDIR || tmpdir(), `aigw-${uid}-${digest}`);
}

export function resolvePaths(env: NodeJS.ProcessEnv = process.env): AigwPaths {
  const d = dirs(env);
  let socketDir = d.runtimeDir;
  if (Buffer.byteLength(join(socketDir, SOCKET_NAME)) > MAX_SOCKET_PATH_BYTES) {
    socketDir = shortSocketDir(d, env);
  }
  return {
    ...d,
    dbFile: join(d.dataDir, 'aigw.db'),
    secretsDir: join(d.dataDir, 'secrets'),
    masterKeyFile: join(d.configDir, 'master.key'),
    logFile: join(d.stateDir, 'daemon.log'),
    lockFile: join(d.runtimeDir, 'daemon.lock'),
    pidFile: join(d.runtimeDir, 'daemon.pid'),
    socketDir,
    socketFile: join(socketDir, SOCKET_NAME),
  };
}

/** Throws when even the fallback socket path does not fit, rather than letting it be truncated. */
export function checkSocketPath(paths: AigwPaths): void {
  if (Buffer.byteLength(paths.socketFile) > MAX_SOCKET_PATH_BYTES) {
    throw new SocketPathTooLongError(paths.socketFile);
  }
}
