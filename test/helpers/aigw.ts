import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePaths } from '../../src/core/paths.js';
import { runCliInProcess } from './cli-in-process.js';

export const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
export const AIGW_BIN = join(REPO, 'bin', 'aigw');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  /** A file (or device, such as /dev/zero) to use as standard input instead of `input`. */
  stdinFile?: string;
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
      const stdin = options.stdinFile === undefined ? 'pipe' : openSync(options.stdinFile, 'r');
      const child = spawn(process.execPath, [AIGW_BIN, ...args], {
        env: { ...this.env, ...options.env },
        stdio: [stdin, 'pipe', 'pipe'],
      });
      if (typeof stdin === 'number') closeSync(stdin);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`aigw ${args.join(' ')} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
      }, options.timeoutMs ?? 30_000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr });
      });
      child.stdin?.end(options.input ?? '');
    });
  }

  /**
   * Runs aigw with a pseudo-terminal as stdout (through util-linux `script`), so the default output is a
   * table; stdout and stderr arrive merged, with CRLF line ends turned back into LF.
   */
  async runTty(args: readonly string[]): Promise<RunResult> {
    const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, AIGW_BIN, ...args].map(quote).join(' ');
    return new Promise((resolvePromise, reject) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: this.env, stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.on('error', reject);
      child.on('close', (code) => resolvePromise({ code: code ?? 1, stdout: stdout.replace(/\r\n/g, '\n'), stderr: '' }));
      child.stdin.end();
    });
  }

  /**
   * Runs the CLI's code in this process, against this home's real daemon (started on demand, as by a
   * spawned aigw): for the set-up and the checks around what a test is about, where a spawned Node would
   * add only its start-up. What only a process of its own shows (bin/aigw, the bundle, exit statuses of
   * the process, signals, terminals) goes through run().
   */
  inProcess(args: readonly string[], options: Pick<RunOptions, 'input' | 'env'> = {}): Promise<RunResult> {
    return runCliInProcess(args, { input: options.input, env: { ...this.env, ...options.env } });
  }

  /** Runs aigw (in this process, unless it reads a file as stdin), expects exit 0, and parses its JSON output. */
  async json<T = any>(args: readonly string[], options: RunOptions = {}): Promise<T> {
    const jsonArgs = [...args, '-o', 'json'];
    const result = options.stdinFile === undefined ? await this.inProcess(jsonArgs, options) : await this.run(jsonArgs, options);
    if (result.code !== 0) throw new Error(`aigw ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  }

  /** Runs aigw and expects it to fail with this exit status and error code. */
  async fails(args: readonly string[], exit: number, code: string, options: RunOptions = {}): Promise<RunResult> {
    const result = await this.run(args, options);
    if (result.code !== exit || !result.stderr.includes(code)) {
      throw new Error(
        `aigw ${args.join(' ')}: expected exit ${exit} with ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
      );
    }
    return result;
  }

  /** Everything the control plane holds, as the CLI lists it: compared before and after a refused request. */
  async snapshot(): Promise<Record<string, unknown>> {
    // A usage query first writes the usage still buffered, and the lastUsed times it carries: otherwise the
    // gateway traffic of an earlier test could move a key's lastUsed between the two snapshots.
    await this.json(['usage', 'list', '--limit', '1']);
    return {
      providerKeys: await this.json(['provider-keys', 'list', '--all']),
      accessKeys: await this.json(['access-keys', 'list', '--all']),
      configs: await this.json(['configs', 'list', '--all']),
      providers: await this.json(['providers', 'list', '--all']),
      gateway: await this.json(['gateway', 'config', 'get']),
    };
  }

  /** The gateway's base URL, as `aigw daemon status -o json` reports it (starting the daemon if needed). */
  async gatewayUrl(): Promise<string> {
    await this.inProcess(['daemon', 'start']);
    const status = await this.json(['daemon', 'status']);
    if (!status.gatewayUrl) throw new Error(`the gateway is not listening: ${status.gatewayError}`);
    return status.gatewayUrl as string;
  }

  /**
   * The daemon log's lines that contain `text`, once there are `atLeast` of them or 5 s have passed: the
   * daemon writes its log asynchronously (pino's default), so a line may land a moment after the answer
   * of the request that logged it.
   */
  async logLines(text: string, atLeast = 1): Promise<string[]> {
    const file = resolvePaths(this.env).logFile;
    let lines: string[] = [];
    for (const deadline = Date.now() + 5000; lines.length < atLeast && Date.now() < deadline; await new Promise((r) => setTimeout(r, 20))) {
      lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.includes(text));
    }
    return lines;
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
    await this.inProcess(['daemon', 'stop']).catch(() => undefined);
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
