import { constants } from 'node:os';
import { basename } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { formatUsd } from '../../core/budgets.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { parseKeyDuration } from '../../core/key-lifecycle.js';
import type { UsageEvent } from '../../core/gateway-api.js';
import type { Api, Factory } from '../factory.js';
import { handler, type FlagOptions, type GlobalOptions, type Program } from '../command.js';
import { InvalidArgumentError, Option, type Command, type OptionValues } from '../commander.js';
import { usageError } from '../errors.js';
import { childEnvironment, gatewayUrlOf } from '../gateway-env.js';
import type { IO } from '../io.js';
import { limitFields } from '../limits.js';
import { procStatFields } from '../proc-stat.js';
import { fetchAll, itemPath } from '../resource.js';

const DAY_MS = 24 * 3600 * 1000;
const MAX_TTL_MS = 365 * DAY_MS;
export const DEFAULT_TTL = '12h';

/** `--ttl`: a duration as access keys' expiry takes it (`90s`, `2h`, `1h30m`, `7d`), up to a year. */
export function parseTtl(text: string): number {
  let ms: number | undefined;
  try {
    ms = parseKeyDuration(text, '--ttl');
  } catch {
    ms = undefined;
  }
  if (ms === undefined || !(ms > 0) || ms > MAX_TTL_MS) {
    throw new InvalidArgumentError(`--ttl "${text}" must be a duration such as 90s, 30m, 2h or 7d (at most 365d)`);
  }
  return ms;
}

function runFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--config <id>', 'limit the short-lived key to what this access key configuration (aigac_…) allows')
    .option('--budget <usd>', 'the most the run may spend, in USD (a one-off budget on its key; unpriced models are refused)')
    .addOption(
      new Option('--ttl <duration>', 'how long the short-lived key may outlive an aigw that was killed (90s, 2h, 7d)')
        .argParser(parseTtl)
        .default(parseTtl(DEFAULT_TTL), DEFAULT_TTL),
    );
}

/** Its own flags, and -q, which leaves out the usage line. */
type RunOptions = FlagOptions<typeof runFlags<[], {}, {}>> & Pick<GlobalOptions, 'quiet'>;

/** An access key as the create response carries it: the only time its token is seen. */
interface CreatedKey {
  id: string;
  token: string;
}

/**
 * The short-lived key's create body. Its expiry is the backstop for an aigw that is killed before it can
 * delete the key.
 */
function runKeyBody(command: string, options: RunOptions): Record<string, unknown> {
  return {
    // The program's name only: its arguments may hold things that do not belong in a key list.
    name: `aigw run: ${basename(command)} (pid ${process.pid})`.slice(0, 255),
    description: 'short-lived key of `aigw run`, deleted when the command ends',
    accessKeyConfigurationId: options.config,
    expiresAt: new Date(Date.now() + options.ttl).toISOString(),
    // A one-off allowance for the whole run, checked here as the daemon checks it.
    ...(options.budget === undefined ? {} : limitFields({ budget: options.budget, budgetPeriod: 'none' })),
  };
}

/** Keyboard signals: the terminal sends these to its whole foreground process group, the child included. */
const KEYBOARD_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT']);
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGHUP'];

/**
 * Whether this process is in its terminal's foreground process group, reading it from Linux's
 * /proc/self/stat (pgrp and tpgid); elsewhere, whether standard input is a terminal. A keyboard signal
 * then came from the terminal, which sent it to the child as well: forwarding it would deliver it twice
 * (and a second Ctrl-C quits some agents).
 */
function inTerminalForeground(isatty: (fd: number) => boolean): boolean {
  if (!isatty(0)) return false;
  const fields = procStatFields('self');
  return fields === undefined || fields[2] === fields[5];
}

const exitStatusOf = (code: number | null, signal: NodeJS.Signals | null) =>
  code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1);

function spawnError(err: NodeJS.ErrnoException, command: string): AigwError {
  if (err.code === 'ENOENT') return new AigwError(ERRORS.commandNotFound, `${command}: command not found; check its name and PATH`);
  return new AigwError(ERRORS.commandNotRunnable, `${command} cannot be run (${err.code ?? err.message}); check that it is an executable file`);
}

async function run({ io, api, env }: Factory, options: RunOptions, argv: string[]): Promise<void> {
  const [command, ...args] = argv as [string, ...string[]];
  let child: ChildProcess | undefined;
  let pending: NodeJS.Signals | undefined;
  // Loaded here, not at the top: node:tty (and node:net with it) would be part of every command's start.
  const { isatty } = await import('node:tty');
  // From here on a signal never kills aigw before it has deleted the key: before the child runs it is
  // remembered, while it runs it is passed on, after it has ended it is ignored.
  const onSignal = (signal: NodeJS.Signals) => {
    if (!child) pending ??= signal;
    else if (child.exitCode === null && child.signalCode === null) {
      if (!(KEYBOARD_SIGNALS.has(signal) && inTerminalForeground(isatty))) child.kill(signal);
    }
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, onSignal);

  const body = runKeyBody(command, options);
  const client = api();
  const gatewayUrl = await gatewayUrlOf(client);
  const key = await client.request<CreatedKey>('POST', '/access-keys', body);
  let status: number;
  let failure: AigwError | undefined;
  if (pending) {
    status = exitStatusOf(null, pending);
  } else {
    const { spawn } = await import('node:child_process');
    const started = spawn(command, args, { stdio: 'inherit', env: childEnvironment(env, gatewayUrl, key.token, basename(command)) });
    child = started;
    status = await new Promise<number>((resolve) => {
      started.on('error', (err: NodeJS.ErrnoException) => {
        // After a successful start, an error is a signal that could not be sent: the exit still comes.
        if (started.pid !== undefined) return;
        failure = spawnError(err, command);
        resolve(err.code === 'ENOENT' ? 127 : 126);
      });
      started.on('exit', (code, signal) => resolve(exitStatusOf(code, signal)));
    });
  }
  const deleted = await deleteKey(io, client, key.id);
  if (failure) io.error(failure);
  if (!options.quiet && !failure) io.note(await summary(client, key.id, deleted));
  process.exitCode = status;
}

async function deleteKey(io: IO, api: Api, id: string): Promise<boolean> {
  try {
    await api.request<void>('DELETE', itemPath('/access-keys', id));
    return true;
  } catch (err) {
    io.warn(`could not delete the short-lived access key ${id} (${(err as Error).message}); delete it with \`aigw access-keys delete ${id} --yes\``);
    return false;
  }
}

const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/** One line: what the run used. A number the providers did not report is shown as unknown, never as zero. */
export function usageLine(events: readonly UsageEvent[]): string {
  const parts = [count(events.length, 'request')];
  if (events.length) {
    const errors = events.filter((e) => e.isError).length;
    if (errors) parts.push(count(errors, 'error'));
    const known = events.filter((e) => e.tokensKnown);
    const unknownTokens = events.length - known.length;
    if (known.length === 0) parts.push('tokens unknown');
    else {
      const input = known.reduce((n, e) => n + e.inputTokens, 0);
      const output = known.reduce((n, e) => n + e.outputTokens, 0);
      parts.push(`${input.toLocaleString('en-US')} input + ${output.toLocaleString('en-US')} output tokens${unknownTokens ? ` (unknown for ${count(unknownTokens, 'request')})` : ''}`);
    }
    const priced = events.filter((e) => e.costKnown);
    const unpriced = events.length - priced.length;
    if (priced.length === 0) parts.push('cost unknown');
    else {
      const cost = priced.reduce((n, e) => n + Number(e.totalCost), 0);
      parts.push(`${formatUsd(cost)}${unpriced ? ` + unknown (${count(unpriced, 'unpriced request')})` : ''}`);
    }
  }
  return parts.join(', ');
}

async function summary(api: Api, id: string, deleted: boolean): Promise<string> {
  const what = deleted ? `key ${id} deleted` : `key ${id} NOT deleted`;
  try {
    const events = await fetchAll<UsageEvent>(api, { path: '/usage', listProperty: 'aiGatewayUsage' }, { accessKeyId: id });
    return `aigw run: ${usageLine(events)}; ${what}`;
  } catch (err) {
    return `aigw run: usage unknown (${(err as Error).message}); ${what}`;
  }
}

/** Flags before `run` or its command that take a value (so the value is not a command). */
const VALUE_FLAGS = new Set(['--config', '--ttl', '--budget', '-o', '--output']);

/**
 * `aigw run` needs `--` before its command: without it, the command's own flags would be read as aigw's
 * (`aigw run node --version` would print aigw's version). Checked on the raw arguments, before commander.
 */
export function checkRunSeparator(args: readonly string[]): void {
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-') && args[i] !== '--') i += VALUE_FLAGS.has(args[i]!) ? 2 : 1;
  if (args[i] !== 'run') return;
  for (i++; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return;
    if (VALUE_FLAGS.has(arg)) i++;
    else if (!arg.startsWith('-')) {
      throw usageError(`put \`--\` before the command, so its flags are not taken for aigw's: aigw run [options] -- ${args.slice(i).join(' ')}`);
    }
  }
}

export function registerRun(program: Program): void {
  runFlags(
    program
      .command('run')
      .description('run a command with the gateway wired in: a short-lived access key, deleted when it ends')
      .usage('[options] -- <command...>')
      .argument('<command...>', 'the command and its arguments, after --'),
  )
    .addHelpText(
      'after',
      '\nThe child gets OPENAI_BASE_URL, OPENAI_API_KEY, ANTHROPIC_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN\n' +
        '(see `aigw env`); provider key variables such as OPENAI_API_KEY from your environment are replaced.\n' +
        'It exits with the command\'s status (128+n for signal n). -q leaves out the usage line.\n\n' +
        'Examples:\n  aigw run -- claude\n  aigw run --budget 2 -- claude\n  aigw run --config aigac_… -- codex\n  aigw run -q -- python app.py',
    )
    .action(handler(run));
}
