import { closeSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { daemonArgs, daemonEnv, type DaemonOptions } from '../core/daemon-runtime.js';
import { DAEMON_EXIT, type DaemonStatus } from '../core/daemon-status.js';
import { AigwError, ERRORS } from '../core/errors.js';
import type { AigwPaths } from '../core/paths.js';
import { openStateLog, SymlinkedStateFileError } from '../core/state-files.js';
import { procStatFields } from './proc-stat.js';
import { getJson } from './socket.js';

const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 15_000;
const STOP_AFTER_DRAIN_MS = 5_000;
const POLL_MS = 40;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function isDaemonUp(paths: AigwPaths, timeoutMs = 1000): Promise<boolean> {
  try {
    await getJson(paths.socketFile, '/health', timeoutMs);
    return true;
  } catch {
    return false;
  }
}

/** The last error the daemon logged, to explain a start that failed. */
function lastLoggedError(logFile: string, since: number): string | undefined {
  try {
    if (statSync(logFile).size <= since) return undefined;
    const lines = readFileSync(logFile, 'utf8').slice(since).trim().split('\n').reverse();
    for (const line of lines) {
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string; err?: string };
        if ((entry.level ?? 0) >= 50) return entry.err ? `${entry.msg}: ${entry.err}` : entry.msg;
      } catch {
        return line;
      }
    }
  } catch {
    // No log yet: nothing to add.
  }
  return undefined;
}

function logSize(logFile: string): number {
  try {
    return statSync(logFile).size;
  } catch {
    return 0;
  }
}

export interface StartedDaemon {
  pid: number;
  /** What the daemon warned about as it started, such as a master key file it just created. */
  warnings: string[];
}

/** The detached daemon's stdout and stderr; a log that is a symbolic link is refused, not written through. */
function openDaemonLog(logFile: string): number {
  try {
    return openStateLog(logFile);
  } catch (err) {
    if (err instanceof SymlinkedStateFileError) throw new AigwError(ERRORS.daemonStartFailed, `the daemon was not started: ${err.message}`);
    throw err;
  }
}

/** Starts the daemon detached, logging to the state dir, and waits until it answers. */
export async function startDaemon(paths: AigwPaths, options: DaemonOptions, env: NodeJS.ProcessEnv): Promise<StartedDaemon> {
  mkdirSync(paths.stateDir, { recursive: true, mode: 0o700 });
  const logOffset = logSize(paths.logFile);
  const logFd = openDaemonLog(paths.logFile);
  // Loaded here, not at the top: node:child_process (and node:net with it) is ~2.5 ms of every command.
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, daemonArgs(options), {
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: daemonEnv(env, options),
  });
  closeSync(logFd);
  let exitCode: number | null = null;
  child.on('exit', (code) => (exitCode = code ?? 1));
  child.unref();

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const status = await getJson<DaemonStatus>(paths.socketFile, '/status', 500).catch(() => undefined);
    if (status) return { pid: status.pid, warnings: status.secretStore.warnings };
    // Another CLI started one first: keep waiting for it to answer.
    if (exitCode !== null && exitCode !== DAEMON_EXIT.alreadyRunning) break;
    await sleep(POLL_MS);
  }
  const why = lastLoggedError(paths.logFile, logOffset);
  throw new AigwError(
    ERRORS.daemonStartFailed,
    `the daemon did not start${why ? `: ${why}` : ''}; see ${paths.logFile}`,
  );
}

/** Runs the daemon in the foreground, as systemd or a container wants; resolves with its exit status. */
export async function runDaemonForeground(options: DaemonOptions, env: NodeJS.ProcessEnv): Promise<number> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, daemonArgs(options), { stdio: 'inherit', env: daemonEnv(env, options) });
  // SIGINT or SIGTERM to this pid (systemd, container runtimes) is passed on. The terminal's Ctrl-C reaches
  // the daemon directly as well; it shuts down once however many it gets.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 15 : 1))));
}

/**
 * Whether the process still runs. A daemon that has exited stays a zombie until its reaper collects it, and a
 * container's init can take seconds to: signal 0 still reaches a zombie, so on Linux its state in
 * /proc/<pid>/stat (Z) says it has stopped.
 */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return procStatFields(pid)?.[0] !== 'Z';
}

/** Asks the daemon to shut down gracefully and waits until it has. Returns the pid it stopped, or undefined. */
export async function stopDaemon(paths: AigwPaths): Promise<number | undefined> {
  let pid: number | undefined;
  let waitMs = STOP_TIMEOUT_MS;
  try {
    const status = await getJson<DaemonStatus>(paths.socketFile, '/status', 2000);
    pid = status.pid;
    // A daemon with a long drain time gets it, and a few seconds to write its usage and exit.
    waitMs = Math.max(STOP_TIMEOUT_MS, (status.drainTimeoutMs ?? 0) + STOP_AFTER_DRAIN_MS);
  } catch {
    return undefined;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + waitMs;
  while (processRunning(pid)) {
    if (Date.now() > deadline) {
      throw new AigwError(ERRORS.daemonUnreachable, `the daemon (pid ${pid}) did not stop within ${Math.round(waitMs / 1000)} s`);
    }
    await sleep(POLL_MS);
  }
  return pid;
}
