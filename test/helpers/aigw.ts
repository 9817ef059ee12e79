import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const AIGW_BIN = join(REPO, 'bin', 'aigw');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/**
 * A throwaway aigw home: every test file gets its own AIGW_HOME, its own daemon (started on demand by the
 * real CLI, on an ephemeral gateway port) and removes both when done.
 */
export class TestHome {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv = {}, prefix = 'aigw-test-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(base)) if (name.startsWith('AIGW_') && name !== 'AIGW_TEST_KEYCHAIN') delete base[name];
    this.env = {
      ...base,
      AIGW_HOME: this.dir,
      AIGW_GATEWAY_LISTEN: '127.0.0.1:0',
      AIGW_SECRET_STORE: 'file',
      CI: 'true',
      NO_COLOR: '1',
      ...env,
    };
  }

  /** Runs the real `bin/aigw` with no terminal attached, as a script would. */
  run(args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn(process.execPath, [AIGW_BIN, ...args], {
        env: { ...this.env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`aigw ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, options.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
      child.stdin.end(options.input ?? '');
    });
  }

  /** Runs aigw, expects exit 0, and parses its JSON output. */
  async json<T = any>(args: readonly string[], options: RunOptions = {}): Promise<T> {
    const result = await this.run([...args, '-o', 'json'], options);
    if (result.code !== 0) throw new Error(`aigw ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Every file under the home, with its bytes: for checking that no secret reached the disk. */
  files(): { path: string; bytes: Buffer }[] {
    const out: { path: string; bytes: Buffer }[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        const st = statSync(path);
        if (st.isDirectory()) walk(path);
        else if (st.isFile()) out.push({ path, bytes: readFileSync(path) });
      }
    };
    walk(this.dir);
    return out;
  }

  async cleanup(): Promise<void> {
    await this.run(['daemon', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A realistic-looking fake provider key; unique per call so tests never see each other's. */
export function fakeKey(prefix = 'sk-proj-'): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let body = '';
  for (let i = 0; i < 48; i++) body += alphabet[Math.floor(Math.random() * alphabet.length)];
  return prefix + body;
}
