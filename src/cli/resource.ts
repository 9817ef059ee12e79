import { idArgument, type ResourceEntry } from '../core/api/registry.js';
import { AigwError, ERRORS } from '../core/errors.js';
import type { Api, Factory } from './factory.js';
import { handler, integerFlag, type FlagOptions, type Group } from './command.js';
import type { Command, OptionValues } from './commander.js';
import type { Column, IO, View } from './io.js';

/**
 * What every resource command shares: the generic verbs of a registry entry (core/api/registry.ts: list,
 * get, delete, disable/enable), list paging, label flags and the confirmation before a delete.
 */
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

/** The uri of the page the paging flags ask for, with the list's filters. */
export function pageUri(path: string, options: PageOptions, filters: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.beforeId) query.set('beforeId', options.beforeId);
  return `${path}?${query}`;
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
  const { items, last, document } = await fetchPages<T, ListDocument & Record<string, unknown>>(api, pageUri(path, options, filters), property, options.all);
  await io.printList(document, items, view);
  // On stderr, so a script's data stays clean; JSON carries nextPageUri instead.
  if (io.format !== 'json' && last.nextPageUri) {
    io.note(io.dim(`More: --before-id ${view.id(items.at(-1)!)}, or --all`));
  }
}

/** Every item of a resource's list, following its pages. */
export async function fetchAll<T>(api: Api, resource: Pick<ResourceEntry, 'path' | 'listProperty'>, filters: Record<string, string> = {}): Promise<T[]> {
  const uri = `${resource.path}?${new URLSearchParams({ ...filters, limit: '100' })}`;
  return (await fetchPages<T, ListDocument & Record<string, unknown>>(api, uri, resource.listProperty, true)).items;
}

/** A list table's columns in the registry's order, each shown by the CLI's function for its field. */
export function tableColumns<T, E extends ResourceEntry<T>>(
  resource: E,
  values: { [F in E['columns'][number]['field']]: Column<T>['value'] },
): Column<T>[] {
  return resource.columns.map((column) => ({ ...column, value: values[column.field as keyof typeof values] }));
}

/** `list` (alias `ls`): the caller adds its filter flags if any, then pageFlags; its action is listVerb's, or a resource's own. */
export function listCommand(group: Group, description: string) {
  return group.command('list').alias('ls').description(description);
}

/** Prints a page of the resource's list; `filters` turns the verb's options into the list's query. */
export function listVerb<T, O extends PageOptions = PageOptions>(
  resource: ResourceEntry,
  view: View<T>,
  filters: (options: O) => Record<string, string | undefined> = () => ({}),
) {
  return ({ io, api }: Factory, options: O) => printPages(io, api(), resource.path, resource.listProperty, view, options, filters(options));
}

/** `get <id>`: shows one item in its view. */
export function getCommand<T>(group: Group, resource: ResourceEntry, view: View<T>, description = `show one ${resource.noun}`) {
  return group
    .command('get')
    .description(description)
    .argument('<id>', idArgument(resource))
    .action(handler(async ({ io, api }, _options, id) => io.printItem(await api().request<T>('GET', itemPath(resource.path, id)), view)));
}

/**
 * `disable <id>` and `enable <id>`: the item and everything on it stay; only whether the gateway uses it
 * changes (a PATCH of `disabled`).
 */
export function disableCommands<T extends { id: string }>(
  group: Group,
  resource: ResourceEntry,
  view: View<T>,
  descriptions: { disable: string; enable: string },
): void {
  for (const disabled of [true, false]) {
    group
      .command(disabled ? 'disable' : 'enable')
      .description(disabled ? descriptions.disable : descriptions.enable)
      .argument('<id>', idArgument(resource))
      .action(
        handler(async ({ io, api }, _options, id) => {
          const item = await api().request<T>('PATCH', itemPath(resource.path, id), { disabled });
          io.success(`${disabled ? 'Disabled' : 'Enabled'} ${resource.noun} ${item.id}`);
          await io.printItem(item, view);
        }),
      );
  }
}

export function pageFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--limit <n>', 'at most this many (1-100)', integerFlag('--limit'))
    .option('--before-id <id>', 'start after this id (the next page)')
    .option('--all', 'follow every page');
}

export type PageOptions = FlagOptions<typeof pageFlags<[], {}, {}>>;

export function labelFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, what: string) {
  return command
    .option('--name <name>', `a label for the ${what} (at most 255 characters)`)
    .option('--description <text>', `what the ${what} is for (at most 255 characters)`)
    .option('--metadata <text>', 'machine-readable data of your own (at most 4096 characters)');
}

export type LabelOptions = FlagOptions<typeof labelFlags<[], {}, {}>>;

/**
 * A group's `delete` (alias `rm`) subcommand, with the --yes that confirmDelete reads; `what` is the
 * resource whose id it takes, or the argument's own description.
 */
export function deleteCommand(group: Group, description: string, what: ResourceEntry | string) {
  return group
    .command('delete')
    .alias('rm')
    .description(description)
    .argument('<id>', typeof what === 'string' ? what : idArgument(what))
    .option('-y, --yes', 'do not ask for confirmation');
}

/** What confirmDelete reads of a deleteCommand's options. */
export type DeleteOptions = Pick<FlagOptions<typeof deleteCommand>, 'yes'>;

/**
 * Destructive verbs ask on a terminal and need --yes otherwise. `describe` fetches what the question
 * shows, so a wrong id fails before anything is asked.
 */
export async function confirmDelete(
  io: IO,
  options: DeleteOptions,
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
