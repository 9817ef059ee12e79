import type { Command } from 'commander';
import { AigwError, ERRORS } from '../core/errors.js';
import type { Api } from './factory.js';
import { integerFlag } from './command.js';
import type { IO, View } from './io.js';

/** What every resource command shares: list paging, label flags and the confirmation before a delete. */
export interface PageOptions {
  limit?: number;
  beforeId?: string;
  all?: boolean;
}

export interface ListDocument {
  uri: string;
  nextPageUri: string | null;
}

export interface Pages<T, D> {
  items: T[];
  /** The last page fetched: its nextPageUri says whether there is more. */
  last: D;
  /** What `-o json` prints: the page, or with --all every item in one document with no next page. */
  document: D;
}

/** The list at `uri`: one page, or with `all` every page, following nextPageUri. */
export async function fetchPages<T, D extends ListDocument>(api: Api, uri: string, property: keyof D & string, all: boolean | undefined): Promise<Pages<T, D>> {
  let last = await api.request<D>('GET', uri);
  const items = [...(last[property] as T[])];
  while (all && last.nextPageUri) {
    last = await api.request<D>('GET', last.nextPageUri);
    items.push(...(last[property] as T[]));
  }
  return { items, last, document: all ? { ...last, [property]: items, nextPageUri: null } : last };
}

/**
 * Gets one page (or, with --all, every page) of a list and prints it. `property` is the list's item
 * property in ngrok's shape, such as `aiGatewayAccessKeys`.
 */
export async function printPages<T>(
  io: IO,
  api: Api,
  path: string,
  property: string,
  view: View<T>,
  options: PageOptions,
  filters: Record<string, string | undefined> = {},
): Promise<void> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.beforeId) query.set('beforeId', options.beforeId);
  const { items, last, document } = await fetchPages<T, ListDocument & Record<string, unknown>>(api, `${path}?${query}`, property, options.all);
  await io.printList(document, items, view);
  // On stderr, so a script's data stays clean; JSON carries nextPageUri instead.
  if (io.format !== 'json' && last.nextPageUri) {
    io.note(io.dim(`More: --before-id ${view.id(items.at(-1)!)}, or --all`));
  }
}

/** Every item of a list, following its pages. */
export async function fetchAll<T>(api: Api, path: string, property: string, filters: Record<string, string> = {}): Promise<T[]> {
  const items: T[] = [];
  let next: string | null = `${path}?${new URLSearchParams({ ...filters, limit: '100' })}`;
  while (next) {
    const page: ListDocument & Record<string, unknown> = await api.request('GET', next);
    items.push(...(page[property] as T[]));
    next = page.nextPageUri;
  }
  return items;
}

export function pageFlags(command: Command): Command {
  return command
    .option('--limit <n>', 'at most this many (1-100)', integerFlag('--limit'))
    .option('--before-id <id>', 'start after this id (the next page)')
    .option('--all', 'follow every page');
}

export interface LabelOptions {
  name?: string;
  description?: string;
  metadata?: string;
}

export function labelFlags(command: Command, what: string): Command {
  return command
    .option('--name <name>', `a label for the ${what} (at most 255 characters)`)
    .option('--description <text>', `what the ${what} is for (at most 255 characters)`)
    .option('--metadata <text>', 'machine-readable data of your own (at most 4096 characters)');
}

/** A group's `delete` (alias `rm`) subcommand, with the --yes that confirmDelete reads. */
export function deleteCommand(group: Command, description: string, idArgument: string): Command {
  return group
    .command('delete')
    .alias('rm')
    .description(description)
    .argument('<id>', idArgument)
    .option('-y, --yes', 'do not ask for confirmation');
}

/**
 * Destructive verbs ask on a terminal and need --yes otherwise. `describe` fetches what the question
 * shows, so a wrong id fails before anything is asked.
 */
export async function confirmDelete(
  io: IO,
  options: { yes?: boolean },
  id: string,
  question: () => Promise<string>,
): Promise<void> {
  if (options.yes) return;
  if (!io.interactive) {
    throw new AigwError(ERRORS.confirmationRequired, `deleting ${id} needs confirmation and ${io.noPromptReason}: pass --yes`);
  }
  if (!(await io.confirm(await question()))) throw new AigwError(ERRORS.cancelled, `${id} was not deleted`);
}

export function itemPath(path: string, id: string): string {
  return `${path}/${encodeURIComponent(id)}`;
}
