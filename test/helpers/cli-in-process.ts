import { PassThrough, Readable } from 'node:stream';
import type { Context } from '../../src/cli/factory.js';
import type { RunResult } from './aigw.js';

export interface CliInProcessRun {
  input?: string;
  /** stdout is a terminal (so the default output is a table), of `columns` when given. */
  tty?: boolean;
  columns?: number;
  /** The whole environment the command sees. */
  env: NodeJS.ProcessEnv;
  /** The API the command talks to; by default the real client over the home's control socket. */
  api?: Context['api'];
}

/**
 * Runs `aigw args…` in this process, over fake streams: the CLI's own code (bin/aigw only loads it), in a
 * few milliseconds instead of the ~0.1 s of CPU a spawned Node takes. Returns as TestHome.run does.
 */
export async function runCliInProcess(args: readonly string[], options: CliInProcessRun): Promise<RunResult> {
  const { runCli } = await import('../../src/cli/main.js');
  let stdout = '';
  let stderr = '';
  const out = Object.assign(new PassThrough(), options.tty ? { isTTY: true, columns: options.columns } : {});
  const err = new PassThrough();
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const context: Context = {
    streams: { stdin: Readable.from([options.input ?? '']), stdout: out, stderr: err },
    env: { ...options.env },
    ...(options.api ? { api: options.api } : {}),
  };
  // Commands that end with a status of their own set process.exitCode, as in a real run: read it, then put it back.
  const previous = process.exitCode;
  process.exitCode = undefined;
  let code = await runCli(['node', 'aigw', ...args], context);
  code ||= Number(process.exitCode ?? 0);
  process.exitCode = previous;
  return { code, stdout, stderr };
}
