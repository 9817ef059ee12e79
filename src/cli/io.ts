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

/** The streams an IO writes to and reads from: the process's own in production, fakes in the in-process tests. */
export interface Streams {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean };
}

/** Getters, so that process.stdin is made only when a command reads it. */
export const PROCESS_STREAMS: Streams = {
  get stdin() {
    return process.stdin;
  },
  get stdout() {
    return process.stdout;
  },
  get stderr() {
    return process.stderr;
  },
};

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
  /** Left out of a table when it is empty in every row (kept in plain output, whose columns scripts count). */
  optional?: boolean;
  /** Free text: in a table too wide for the terminal, cut with an ellipsis rather than wrapped. */
  truncate?: boolean;
}

// Made on first use: creating an Intl formatter loads ICU data, a few ms that every command would pay at start.
let relative: Intl.RelativeTimeFormat | undefined;
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

  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable & { isTTY?: boolean };

  constructor(
    options: OutputOptions,
    readonly env: NodeJS.ProcessEnv = process.env,
    private readonly streams: Streams = PROCESS_STREAMS,
  ) {
    this.stdout = streams.stdout;
    this.stderr = streams.stderr;
    const ci = Boolean(env.CI) && env.CI !== 'false';
    this.stdoutIsTTY = Boolean(this.stdout.isTTY);
    // stdin last: making its stream costs 1-2 ms, which scripts and pipelines need not pay.
    this.interactive = !ci && Boolean(this.stderr.isTTY) && Boolean(this.stdin.isTTY);
    this.color = options.color !== false && !env.NO_COLOR && !ci && Boolean(this.stderr.isTTY || this.stdout.isTTY);
    this.format = IO.resolveFormat(options, this.stdoutIsTTY);
  }

  /** Why there is no prompt, for errors that name the flag to use instead. */
  get noPromptReason(): string {
    const ci = Boolean(this.env.CI) && this.env.CI !== 'false';
    return ci && this.stderr.isTTY && this.stdin.isTTY ? 'CI is set, which turns prompts off' : 'no terminal to ask on';
  }

  /** Read through the streams' getter: Node makes process.stdin when it is first read. */
  get stdin(): Readable & { isTTY?: boolean } {
    return this.streams.stdin;
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
      if (Math.abs(seconds) >= size || unit === 'second') {
        relative ??= new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
        return relative.format(Math.round(seconds / size), unit);
      }
    }
    return iso;
  }

  async printList<T>(document: unknown, items: readonly T[], view: View<T>): Promise<void> {
    if (this.format === 'json') return this.out(JSON.stringify(document, null, 2));
    if (this.format === 'quiet') return items.forEach((item) => this.out(view.id(item)));
    if (this.format === 'plain') {
      return items.forEach((item) => this.out(view.columns.map((c) => escapePlain(c.value(item, this))).join('\t')));
    }
    if (items.length === 0) return this.note('No results.');
    const cells = items.map((item) => view.columns.map((c) => c.value(item, this)));
    const shown = view.columns.flatMap((c, i) => (!c.optional || cells.some((row) => !isEmptyCell(row[i]!)) ? [i] : []));
    const [head, ...rows] = truncateToFit(
      [shown.map((i) => view.columns[i]!.header), ...cells.map((row) => shown.map((i) => row[i]!))],
      shown.map((i) => Boolean(view.columns[i]!.truncate)),
      this.stdout.columns,
    );
    this.out(await this.table(head!, rows));
  }

  async printItem<T>(item: T, view: View<T>): Promise<void> {
    if (this.format === 'json') return this.out(JSON.stringify(item, null, 2));
    if (this.format === 'quiet') return this.out(view.id(item));
    if (this.format === 'plain') {
      return view.details.forEach((c) => this.out(`${c.field}\t${escapePlain(c.value(item, this))}`));
    }
    this.out(await this.table([], view.details.map((c) => [this.bold(c.header), c.value(item, this)])));
  }

  /** A table no wider than the terminal: columns wrap between words first, and break words only when they must. */
  private async table(head: string[], rows: string[][]): Promise<string> {
    const { default: Table } = await import('cli-table3');
    // cli-table3 colours its header and borders even when piped: only ask for colour when it is on.
    const style = this.color ? { head: ['bold'], border: ['grey'] } : { head: [], border: [] };
    const widths = fitColumns([head, ...rows], this.stdout.columns);
    const wrap = (row: string[]) => (widths ? row.map((cell, i) => wrapCell(cell, widths[i]! - PADDING)) : row);
    // No rule between rows: dense enough to scan, as gh and kubectl print.
    const chars = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
    const table = new Table({ head: wrap(head), style, chars, ...(widths ? { colWidths: widths } : {}) });
    table.push(...rows.map(wrap));
    return table.toString();
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

  /** A count under a spinner ("Importing 3/40") on an interactive terminal, for long runs; nothing otherwise. */
  async progress(text: string, total: number): Promise<{ tick(): void; stop(): void }> {
    if (!this.interactive || total < PROGRESS_MIN) return { tick: () => undefined, stop: () => undefined };
    const { default: ora } = await import('ora');
    let done = 0;
    const spinner = ora({ text: `${text} 0/${total}`, stream: this.stderr, color: 'cyan', isEnabled: true, discardStdin: false }).start();
    return {
      tick: () => void (spinner.text = `${text} ${++done}/${total}`),
      stop: () => void spinner.stop(),
    };
  }

  private async prompts() {
    const { createPromptModule } = await import('inquirer');
    return createPromptModule({ input: this.stdin, output: this.stderr });
  }

  /** inquirer colours through node:util's styleText, which Node 20 applies even with NO_COLOR: opt out here. */
  private get theme() {
    return this.color ? {} : { theme: PLAIN_PROMPT_THEME };
  }

  /** A hidden prompt: nothing typed is echoed, not even a mask, and it cannot be toggled visible. */
  async promptSecret(message: string): Promise<string> {
    const prompt = await this.prompts();
    const question = { type: 'password', name: 'value', message, toggleMask: false, ...this.theme } as const;
    return interruptible(async () => (await prompt<{ value: string }>([question])).value);
  }

  async promptChoice(message: string, choices: { name: string; value: string }[]): Promise<string> {
    const prompt = await this.prompts();
    return interruptible(
      async () => (await prompt<{ value: string }>([{ type: 'select', name: 'value', message, choices, ...this.theme }])).value,
    );
  }

  async confirm(message: string): Promise<boolean> {
    const prompt = await this.prompts();
    return interruptible(
      async () => (await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message, default: false, ...this.theme }])).ok,
    );
  }
}

/** Fewer items than this finish before a progress count would be read. */
const PROGRESS_MIN = 5;

const PLAIN_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r', '\v': '\\v', '\f': '\\f' };

/**
 * A value as one field of a tab-separated line: a tab, a line break (any a line reader may split on) or a
 * backslash in a name, description or metadata is written as a backslash escape (`\t`, `\n`, `\\`, `\u2028`…),
 * so every row stays one line and the value can be read back exactly.
 */
export function escapePlain(value: string): string {
  return value.replace(/[\\\t\n\r\v\f\u0085\u2028\u2029]/g, (c) => PLAIN_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const PADDING = 2;
const MIN_COLUMN = 8;
const visibleLength = (text: string) => Math.max(0, ...text.replace(/\x1b\[[0-9;]*m/g, '').split('\n').map((l) => [...l].length));

const longestWord = (text: string) =>
  Math.max(1, ...text.replace(/\x1b\[[0-9;]*m/g, '').split(/\s+/).map((w) => [...w].length));

/**
 * Column widths (padding included) that fit `terminalWidth`, or undefined when the table fits as it is or
 * the width is unknown. Columns first give way down to their longest word (they wrap between words); when
 * that is not enough, the widest column is broken mid-word, never below MIN_COLUMN.
 */
export function fitColumns(rows: readonly (readonly string[])[], terminalWidth: number | undefined): number[] | undefined {
  if (!terminalWidth) return undefined;
  const count = Math.max(0, ...rows.map((r) => r.length));
  if (count === 0) return undefined;
  const column = (i: number) => rows.map((r) => r[i] ?? '');
  const widths = Array.from({ length: count }, (_, i) => Math.max(1, ...column(i).map(visibleLength)) + PADDING);
  const floors = Array.from({ length: count }, (_, i) => Math.max(...column(i).map(longestWord)) + PADDING);
  const total = () => widths.reduce((a, b) => a + b, 0) + count + 1;
  if (total() <= terminalWidth) return undefined;
  const shrink = (floor: (i: number) => number): boolean => {
    while (total() > terminalWidth) {
      let widest = -1;
      for (let i = 0; i < count; i++) if (widths[i]! > floor(i) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
      if (widest < 0) return false;
      widths[widest]!--;
    }
    return true;
  };
  if (!shrink((i) => Math.min(floors[i]!, widths[i]!))) shrink(() => MIN_COLUMN);
  return widths;
}

const isEmptyCell = (text: string) => text === '' || text === '-';

/**
 * As gh fits its tables: when the rows are wider than the terminal, the widest free-text columns (`truncatable`)
 * give way, down to MIN_COLUMN, and their cells are cut with an ellipsis, so each row stays one line. Whatever
 * still does not fit is left to fitColumns, which wraps.
 */
export function truncateToFit(rows: string[][], truncatable: readonly boolean[], terminalWidth: number | undefined): string[][] {
  if (!terminalWidth || !truncatable.some(Boolean)) return rows;
  const count = truncatable.length;
  const natural = Array.from({ length: count }, (_, i) => Math.max(1, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b + PADDING, 0) + count + 1;
  while (total() > terminalWidth) {
    let widest = -1;
    for (let i = 0; i < count; i++) if (truncatable[i] && widths[i]! > MIN_COLUMN && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    if (widest < 0) break;
    widths[widest]!--;
  }
  const cut = (text: string, width: number) => ([...text].length > width ? [...text].slice(0, width - 1).join('') + '…' : text);
  return rows.map((row) => row.map((cell, i) => (widths[i]! < natural[i]! ? cut(cell, widths[i]!) : cell)));
}

/**
 * Greedy word wrap to `width` characters. A word longer than a line is broken only when `breakWords` (an
 * id in a table cell); otherwise it stays whole (a path or command meant to be copied).
 */
export function wrapLines(text: string, width: number, breakWords: boolean): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/)) {
    while (breakWords && [...word].length > width) {
      if (line) lines.push(line);
      line = '';
      lines.push([...word].slice(0, width).join(''));
      word = [...word].slice(width).join('');
    }
    if (line && [...line].length + 1 + [...word].length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Wraps a cell to `width` characters: between words where it can, inside a word (an id) where it must. */
export function wrapCell(text: string, width: number): string {
  return visibleLength(text) <= width ? text : wrapLines(text, width, true).join('\n');
}

const same = (text: string) => text;
const keysHelp = (keys: [string, string][]) => keys.map(([key, action]) => `${key} ${action}`).join(' • ');
/** inquirer's default theme with every colour taken out (for NO_COLOR, CI and --no-color). */
const PLAIN_PROMPT_THEME = {
  prefix: { idle: '?', done: '✔' },
  spinner: { interval: 80, frames: ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] },
  style: {
    answer: same,
    message: same,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    help: same,
    highlight: same,
    key: (text: string) => `<${text}>`,
    disabled: same,
    description: same,
    keysHelpTip: keysHelp,
  },
};

/** Ctrl-C at a prompt ends the command with exit 130 and no change. */
async function interruptible<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError') throw new AigwError(ERRORS.interrupted, 'interrupted; nothing was changed');
    throw err;
  }
}
