import { closeSync, openSync, readSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { AigwError, ERRORS } from '../core/errors.js';
import { LIMITS } from '../core/limits.js';
import { checkSecretValue } from '../core/provider-keys.js';
import { usageError } from './errors.js';
import type { FlagOptions } from './command.js';
import type { Command, OptionValues } from './commander.js';
import type { IO } from './io.js';

/** Where readSecretValue takes a provider key value from, when not from a prompt. */
export function valueFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--value-stdin', 'read the key value from standard input')
    .option('--value-file <path>', 'read the key value from a file (- for standard input)')
    .option('--value <value>', 'the key value itself (visible to other processes; prefer --value-stdin)');
}

export type SecretValueOptions = FlagOptions<typeof valueFlags<[], {}, {}>>;

/** How much a flag may read, and what to say past it: `/dev/zero` or an endless pipe must not fill memory. */
export interface InputBound {
  bytes: number;
  tooLarge: () => AigwError;
}

/** A key value is at most LIMITS.secretValueBytes; two more bytes let a final CRLF through to be trimmed. */
const VALUE_BOUND: InputBound = {
  bytes: LIMITS.secretValueBytes + 2,
  tooLarge: () =>
    new AigwError(ERRORS.valueTooLong, `the key value is longer than ${LIMITS.secretValueBytes} bytes; a provider key is at most a few KB`),
};

async function readAll(stream: Readable, bound: InputBound): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = Buffer.from(chunk);
    size += buf.length;
    // Leaving the loop destroys the stream: nothing more is read.
    if (size > bound.bytes) throw bound.tooLarge();
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads at most one byte past the bound, so a device or FIFO that never ends is refused, not drained. */
function readFileBounded(path: string, bound: InputBound): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(bound.bytes + 1);
    let size = 0;
    for (let n = -1; n !== 0 && size < buf.length; size += n) n = readSync(fd, buf, size, buf.length - size, null);
    if (size > bound.bytes) throw bound.tooLarge();
    return buf.toString('utf8', 0, size);
  } finally {
    closeSync(fd);
  }
}

/** `echo KEY |` and files saved by editors end in a newline that is not part of the key. */
function withoutFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** Reads the file a flag names, or standard input for `-`. */
export async function readInputFile(io: IO, path: string, flag: string, bound: InputBound): Promise<string> {
  if (path === '-') return readAll(io.stdin, bound);
  try {
    // Sync: node:fs is loaded anyway, and node:fs/promises would add ~1 ms to every command's start-up.
    return readFileBounded(path, bound);
  } catch (err) {
    if (err instanceof AigwError) throw err;
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
    value = withoutFinalNewline(await readAll(io.stdin, VALUE_BOUND));
  } else if (options.valueFile !== undefined) {
    value = withoutFinalNewline(await readInputFile(io, options.valueFile, '--value-file', VALUE_BOUND));
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
