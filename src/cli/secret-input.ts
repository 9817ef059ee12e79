import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { AigwError, ERRORS } from '../core/errors.js';
import { checkSecretValue } from '../core/provider-keys.js';
import { usageError } from './errors.js';
import type { IO } from './io.js';

export interface SecretValueOptions {
  value?: string;
  valueStdin?: boolean;
  valueFile?: string;
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** `echo KEY |` and files saved by editors end in a newline that is not part of the key. */
function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** Reads the file a flag names, or standard input for `-`. */
export async function readInputFile(io: IO, path: string, flag: string): Promise<string> {
  if (path === '-') return readAll(io.stdin);
  try {
    // Sync: node:fs is loaded anyway, and node:fs/promises would add ~1 ms to every command's start-up.
    return readFileSync(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new AigwError(ERRORS.unreadableInput, `cannot read ${flag} ${path} (${reason})`, { path });
  }
}

/**
 * Gets a provider key value without it passing through argv where that can be helped: a hidden prompt
 * on a terminal, stdin or a file in scripts. The value is checked here, before it reaches the daemon.
 */
export async function readSecretValue(io: IO, options: SecretValueOptions, promptMessage: string): Promise<string> {
  const given = [options.value !== undefined, options.valueStdin, options.valueFile !== undefined].filter(Boolean);
  if (given.length > 1) throw usageError('use only one of --value, --value-stdin and --value-file');

  let value: string;
  if (options.value !== undefined) {
    io.warn('--value puts the key where other processes can see it (ps, shell history); prefer --value-stdin or --value-file');
    value = options.value;
  } else if (options.valueStdin) {
    value = withoutFinalNewline(await readAll(io.stdin));
  } else if (options.valueFile !== undefined) {
    value = withoutFinalNewline(await readInputFile(io, options.valueFile, '--value-file'));
  } else if (io.interactive) {
    value = await io.promptSecret(promptMessage);
  } else {
    throw new AigwError(
      ERRORS.valueRequired,
      `no key value given and ${io.noPromptReason}: pipe it with --value-stdin or pass --value-file PATH`,
    );
  }
  checkSecretValue(value);
  return value;
}
