import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';

/**
 * Whether an external program (a shell, tmux, groff) is installed. scripts/setup.sh installs them all; a
 * developer's machine may lack one, and then the test says so and skips — but never in CI, where a
 * missing tool fails the test.
 */
export function haveTool(t: TestContext, name: string): boolean {
  return present(t, spawnSync('sh', ['-c', `command -v ${name}`]).status === 0, name);
}

/** The same for a file a package installs, such as bash-completion's loader. */
export function haveFile(t: TestContext, path: string, pkg: string): boolean {
  return present(t, existsSync(path), `${pkg} (${path})`);
}

function present(t: TestContext, found: boolean, what: string): boolean {
  if (found) return true;
  if (process.env.CI && process.env.CI !== 'false') throw new Error(`${what} is not installed; scripts/setup.sh installs it`);
  t.skip(`${what} is not installed (scripts/setup.sh installs it)`);
  return false;
}

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program to the end with a hard timeout; resolves with its output and how long it took. */
export function runProgram(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, ms: performance.now() - started });
    });
  });
}
