import type { Readable, Writable } from 'node:stream';
import { AigwError, ERRORS } from '../core/errors.js';
import { usageError } from './errors.js';

export type OutputFormat = 'table' | 'json' | 'plain' | 'quiet';
export const FORMATS = ['table', 'json', 'plain'] as const;

export interface OutputOptions {
  output?: string;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** How one resource kind is shown: list columns and the fields of the detail view. */
export interface View<T> {
  /** The id printed by `-q`. */
  id: (item: T) => string;
  columns: readonly Column<T>[];
  details: readonly Column<T>[];
}

export interface Column<T> {
  header: string;
  /** The API field name, used as the label in plain detail output. */
  field: string;
  value: (item: T, io: IO) => string;
}

const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/**
 * The one place that knows about terminals: TTY or not, colour or not, which output format, stdout for
 * data and stderr for everything else. Every command gets one, as `gh` passes its IOStreams.
 */
export class IO {
  readonly format: OutputFormat;
  readonly color: boolean;
  /** Prompts and spinners only when a person is at the terminal. */
  readonly interactive: boolean;
  readonly stdoutIsTTY: boolean;

  constructor(
    options: OutputOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    readonly stdin: Readable & { isTTY?: boolean } = process.stdin,
    readonly stdout: Writable & { isTTY?: boolean; columns?: number } = process.stdout,
    readonly stderr: Writable & { isTTY?: boolean } = process.stderr,
  ) {
    const ci = Boolean(env.CI) && env.CI !== 'false';
    this.stdoutIsTTY = Boolean(stdout.isTTY);
    this.interactive = Boolean(stdin.isTTY && stderr.isTTY) && !ci;
    this.color = options.color !== false && !env.NO_COLOR && !ci && Boolean(stderr.isTTY || stdout.isTTY);
    this.format = IO.resolveFormat(options, this.stdoutIsTTY);
  }

  private static resolveFormat(options: OutputOptions, tty: boolean): OutputFormat {
    if (options.json) return 'json';
    if (options.output !== undefined) {
      if (!(FORMATS as readonly string[]).includes(options.output)) {
        throw usageError(`--output must be one of ${FORMATS.join(', ')}, not "${options.output}"`);
      }
      return options.output as OutputFormat;
    }
    if (options.quiet) return 'quiet';
    return tty ? 'table' : 'plain';
  }

  private paint(code: number, text: string): string {
    return this.color ? `\x1b[${code}m${text}\x1b[0m` : text;
  }
  bold = (text: string) => this.paint(1, text);
  dim = (text: string) => this.paint(2, text);
  red = (text: string) => this.paint(31, text);
  green = (text: string) => this.paint(32, text);
  yellow = (text: string) => this.paint(33, text);

  out(line: string): void {
    this.stdout.write(line + '\n');
  }

  /** Status, progress and warnings: stderr, so stdout carries nothing but data. */
  note(line: string): void {
    this.stderr.write(line + '\n');
  }

  warn(message: string): void {
    this.note(`${this.yellow('warning:')} ${message}`);
  }

  success(message: string): void {
    if (this.format !== 'quiet') this.note(`${this.green('✓')} ${message}`);
  }

  error(err: AigwError): void {
    this.note(`${this.red('aigw: error:')} ${err.message} ${this.dim(`(${err.code})`)}`);
  }

  /** Relative on a terminal ("3 minutes ago"), RFC 3339 for scripts. */
  time(iso: string | null): string {
    if (!iso) return this.format === 'table' ? '-' : '';
    if (this.format !== 'table') return iso;
    const seconds = (Date.parse(iso) - Date.now()) / 1000;
    for (const [unit, size] of UNITS) {
      if (Math.abs(seconds) >= size || unit === 'second') return RELATIVE.format(Math.round(seconds / size), unit);
    }
    return iso;
  }

  async printList<T>(document: unknown, items: readonly T[], view: View<T>): Promise<void> {
    if (this.format === 'json') return this.out(JSON.stringify(document, null, 2));
    if (this.format === 'quiet') return items.forEach((item) => this.out(view.id(item)));
    if (this.format === 'plain') {
      return items.forEach((item) => this.out(view.columns.map((c) => c.value(item, this)).join('\t')));
    }
    if (items.length === 0) return this.note('No results.');
    const table = await this.table(view.columns.map((c) => c.header));
    for (const item of items) table.push(view.columns.map((c) => c.value(item, this)));
    this.out(table.toString());
  }

  async printItem<T>(item: T, view: View<T>): Promise<void> {
    if (this.format === 'json') return this.out(JSON.stringify(item, null, 2));
    if (this.format === 'quiet') return this.out(view.id(item));
    if (this.format === 'plain') {
      return view.details.forEach((c) => this.out(`${c.field}\t${c.value(item, this)}`));
    }
    const table = await this.table([]);
    for (const c of view.details) table.push({ [this.bold(c.header)]: c.value(item, this) });
    this.out(table.toString());
  }

  private async table(head: string[]) {
    const { default: Table } = await import('cli-table3');
    // cli-table3 colours its header and borders even when piped: only ask for colour when it is on.
    const style = this.color ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] };
    return new Table({ head: head.map((h) => this.bold(h)), style });
  }

  /** Runs `task` under a spinner on an interactive terminal, silently otherwise. */
  async spin<T>(text: string, task: () => Promise<T>): Promise<T> {
    if (!this.interactive) return task();
    const { default: ora } = await import('ora');
    const spinner = ora({ text, stream: this.stderr, color: 'cyan', isEnabled: true, discardStdin: false }).start();
    try {
      return await task();
    } finally {
      spinner.stop();
    }
  }

  private async prompts() {
    const { createPromptModule } = await import('inquirer');
    return createPromptModule({ input: this.stdin, output: this.stderr });
  }

  /** A hidden prompt: nothing typed is echoed, not even a mask. */
  async promptSecret(message: string): Promise<string> {
    const prompt = await this.prompts();
    return interruptible(async () => (await prompt<{ value: string }>([{ type: 'password', name: 'value', message }])).value);
  }

  async promptChoice(message: string, choices: { name: string; value: string }[]): Promise<string> {
    const prompt = await this.prompts();
    return interruptible(async () => (await prompt<{ value: string }>([{ type: 'select', name: 'value', message, choices }])).value);
  }

  async confirm(message: string): Promise<boolean> {
    const prompt = await this.prompts();
    return interruptible(async () => (await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message, default: false }])).ok);
  }
}

/** Ctrl-C at a prompt ends the command with exit 130 and no change. */
async function interruptible<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new AigwError(ERRORS.interrupted, 'interrupted; nothing was changed');
    throw err;
  }
}
