import type { AccessKey as AccessKeyShape } from '../../core/api/access-keys.js';
import type { Configuration } from '../../core/api/configurations.js';
import type { ProviderKey } from '../../core/api/provider-keys.js';
import { idArgument, RESOURCES } from '../../core/api/registry.js';
import { expiryIn, futureExpiry, gracePeriodMs } from '../../core/key-lifecycle.js';
import { checkLabels } from '../../core/provider-keys.js';
import { handler, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { lazySubcommands } from '../lazy-commands.js';
import { usageError } from '../errors.js';
import { budgetColumn, configurationLimitDetails, limitDetails, limitFields, limitFlags, limitFlagsGiven, limitRemovalFlags, type Limited } from '../limits.js';
import type { Column, View } from '../io.js';
import {
  confirmDelete,
  deleteCommand,
  disableCommands,
  fetchAll,
  itemPath,
  labelFlags,
  listCommand,
  listVerb,
  pageFlags,
  tableColumns,
  type DeleteOptions,
} from '../resource.js';

/** An access key as the management API returns it; `get` adds what it shows of the linked configuration. */
interface AccessKey extends AccessKeyShape {
  /** Not in the API's shape: `get` reads the linked configuration's limits to show them beside the key's. */
  configurationLimits?: Limited;
}

const RESOURCE = RESOURCES['access-keys'];
const PATH = RESOURCE.path;

function configurationOf(k: AccessKey): string {
  const c = k.accessKeyConfiguration;
  if (!c) return '';
  return c.name ? `${c.id} (${c.name})` : c.id;
}

/** `disabled` or `expired`, else empty (a table shows `active`). */
function stateOf(k: AccessKey): string {
  if (k.disabled) return 'disabled';
  if (k.expiresAt && Date.parse(k.expiresAt) <= Date.now()) return 'expired';
  return '';
}

/** Until when the token the last rotation replaced works, while it still does. */
function previousTokenUntil(k: AccessKey): string | null {
  return k.previousTokenExpiresAt && Date.parse(k.previousTokenExpiresAt) > Date.now() ? k.previousTokenExpiresAt : null;
}

const details: Column<AccessKey>[] = [
  { header: 'ID', field: 'id', value: (k) => k.id },
  { header: 'Name', field: 'name', value: (k) => k.name },
  { header: 'Key', field: 'keyRedacted', value: (k) => k.keyRedacted },
  { header: 'Configuration', field: 'accessKeyConfiguration', value: (k, io) => configurationOf(k) || (io.format === 'table' ? 'none (allow all)' : '') },
  { header: 'Description', field: 'description', value: (k) => k.description ?? '' },
  { header: 'Metadata', field: 'metadata', value: (k) => k.metadata ?? '' },
  { header: 'State', field: 'disabled', value: (k, io) => (io.format === 'table' ? stateOf(k) || 'active' : String(k.disabled ?? false)) },
  { header: 'Expires', field: 'expiresAt', value: (k, io) => (k.expiresAt ? io.time(k.expiresAt) : io.format === 'table' ? 'never' : '') },
  { header: 'Previous token until', field: 'previousTokenExpiresAt', value: (k, io) => io.time(previousTokenUntil(k)) },
  { header: 'Created', field: 'createdAt', value: (k, io) => io.time(k.createdAt) },
  { header: 'Updated', field: 'updatedAt', value: (k, io) => io.time(k.updatedAt) },
  { header: 'Last used', field: 'lastUsed', value: (k, io) => io.time(k.lastUsed) },
  ...limitDetails<AccessKey>(),
];

const view: View<AccessKey> = {
  id: (k) => k.id,
  columns: tableColumns<AccessKey, typeof RESOURCE>(RESOURCE, {
    id: (k) => k.id,
    name: (k) => k.name,
    keyRedacted: (k) => k.keyRedacted,
    accessKeyConfiguration: (k) => k.accessKeyConfiguration?.id ?? '',
    createdAt: (k, io) => io.time(k.createdAt),
    lastUsed: (k, io) => io.time(k.lastUsed),
    disabled: (k) => stateOf(k),
    expiresAt: (k, io) => (k.expiresAt ? io.time(k.expiresAt) : ''),
    spend: budgetColumn<AccessKey>().value,
  }),
  details,
};

/** Create shows the token, once; with -q it prints only the token, since the id can be read again later. */
const createdView: View<AccessKey> = {
  ...view,
  id: (k) => k.token ?? k.id,
  details: [details[0]!, { header: 'Token', field: 'token', value: (k) => k.token ?? '' }, ...details.slice(1)],
};

function expiryFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--expires-in <duration>', 'the token stops working after this long, such as 90s, 2h, 7d or 1w')
    .option('--expires-at <time>', 'the token stops working at this RFC 3339 time, such as 2026-12-31T23:59:59Z');
}

/** Update's --no-expiry, after expiryFlags: commander's negation sets `expiry` to false. */
function expiryRemovalFlag<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option('--no-expiry', 'remove its expiry: the token works until the key is disabled or deleted');
}

/** What expiryFrom reads: create's expiry flags, or update's with --no-expiry. */
type ExpiryOptions = Partial<FlagOptions<typeof expiryRemovalFlag<[], FlagOptions<typeof expiryFlags<[], {}, {}>>, {}>>>;

function configurationFlag<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option(
    '--access-key-configuration-id <id>',
    'limit the key to what this configuration (aigac_…) allows; without one it may reach everything',
  );
}

/** The flags create and update share. */
function keyFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return limitFlags(expiryFlags(configurationFlag(labelFlags(command, 'access key'))), 'access key');
}

function updateFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return expiryRemovalFlag(limitRemovalFlags(keyFlags(command))).option(
    '--allow-all',
    'unlink its configuration: the key may reach every provider and model',
  );
}

/** The expiresAt the flags ask for: a time, null to clear it (--no-expiry), or undefined when they name none. */
function expiryFrom(options: ExpiryOptions): string | null | undefined {
  const given = [options.expiresIn !== undefined, options.expiresAt !== undefined, options.expiry === false].filter(Boolean).length;
  if (given > 1) throw usageError('use one of --expires-in, --expires-at and --no-expiry');
  if (options.expiry === false) return null;
  if (options.expiresIn !== undefined) return expiryIn(options.expiresIn, Date.now());
  if (options.expiresAt !== undefined) return futureExpiry(options.expiresAt, Date.now(), '--expires-at');
  return undefined;
}

async function create({ io, api }: Factory, options: FlagOptions<typeof keyFlags<[], {}, {}>>): Promise<void> {
  checkLabels(options);
  const expiresAt = expiryFrom(options);
  const limits = limitFields(options);
  const client = api();
  const key = await client.request<AccessKey>('POST', PATH, {
    name: options.name,
    description: options.description,
    metadata: options.metadata,
    accessKeyConfigurationId: options.accessKeyConfigurationId,
    expiresAt: expiresAt ?? undefined,
    ...limits,
  });
  io.success(`Created access key ${key.id}`);
  await io.printItem(key, createdView);
  if (io.format !== 'quiet' && io.format !== 'json') {
    io.note(io.yellow('Save the token now: it cannot be shown again (aigw keeps only its hash).'));
  }
}

const list = listVerb(RESOURCE, view);

/** `get` for people: the key's own limits and, when it has any, those of the configuration it shares. */
const getView: View<AccessKey> = { ...view, details: [...details, ...configurationLimitDetails<AccessKey>()] };

async function get({ io, api }: Factory, _options: unknown, id: string): Promise<void> {
  const client = api();
  const key = await client.request<AccessKey>('GET', itemPath(PATH, id));
  const configuration = key.accessKeyConfiguration;
  if (io.format === 'json' || io.format === 'quiet' || !configuration) return io.printItem(key, view);
  const limits = await client.request<Configuration>('GET', itemPath(RESOURCES.configs.path, configuration.id));
  if (!limits.budget && !limits.rateLimits) return io.printItem(key, view);
  await io.printItem({ ...key, configurationLimits: limits }, getView);
}

async function update({ io, api }: Factory, options: FlagOptions<typeof updateFlags<[], {}, {}>>, id: string): Promise<void> {
  if (options.allowAll && options.accessKeyConfigurationId) {
    throw usageError('use either --access-key-configuration-id or --allow-all, not both');
  }
  const patch: Record<string, unknown> = {
    name: options.name,
    description: options.description,
    metadata: options.metadata,
    accessKeyConfigurationId: options.allowAll ? null : options.accessKeyConfigurationId,
    expiresAt: expiryFrom(options),
  };
  if (Object.values(patch).every((v) => v === undefined) && !limitFlagsGiven(options)) {
    throw usageError(
      'nothing to update: pass --name, --description, --metadata, --access-key-configuration-id, --allow-all, --expires-in, --expires-at, --no-expiry, a --budget… or rate limit flag',
    );
  }
  checkLabels(options);
  const client = api();
  // The limit flags change only what they name: the rest of the key's budget and limits stays.
  if (limitFlagsGiven(options)) Object.assign(patch, limitFields(options, await client.request<AccessKey>('GET', itemPath(PATH, id))));
  const key = await client.request<AccessKey>('PATCH', itemPath(PATH, id), patch);
  io.success(`Updated access key ${key.id}`);
  await io.printItem(key, view);
}

async function rotate({ io, api }: Factory, options: { grace?: string }, id: string): Promise<void> {
  if (options.grace !== undefined) gracePeriodMs(options.grace, '--grace');
  const client = api();
  const key = await client.request<AccessKey>('POST', `${itemPath(PATH, id)}/rotate`, { gracePeriod: options.grace });
  io.success(`Rotated access key ${key.id}`);
  await io.printItem(key, createdView);
  if (io.format !== 'quiet' && io.format !== 'json') {
    const until = previousTokenUntil(key);
    io.note(until ? `The old token keeps working until ${until}.` : 'The old token no longer works.');
    const state = stateOf(key);
    if (state) io.warn(`${key.id} is ${state}: the gateway refuses its tokens until it is ${state === 'disabled' ? 'enabled' : 'given a later expiry'}`);
    io.note(io.yellow('Save the new token now: it cannot be shown again (aigw keeps only its hash).'));
  }
}

async function remove({ io, api }: Factory, options: DeleteOptions & { force?: true }, id: string): Promise<void> {
  const client = api();
  await confirmDelete(io, options, id, async () => {
    const key = await client.request<AccessKey>('GET', itemPath(PATH, id));
    const label = [key.name, key.keyRedacted].filter(Boolean).join(', ');
    const attached = options.force ? ' Provider keys attached to it are deleted with it.' : '';
    return `Delete access key ${id} (${label})? Apps using it stop working.${attached}`;
  });
  const attached = options.force
    ? await fetchAll<ProviderKey>(client, RESOURCES['provider-keys'], { accessKeyId: id })
    : [];
  await client.request<void>('DELETE', itemPath(PATH, id) + (options.force ? '?force=true' : ''));
  io.success(`Deleted access key ${id}`);
  if (attached.length) io.note(`Also deleted its provider keys ${attached.map((k) => k.id).join(', ')}`);
}

export function registerAccessKeys(program: Program): void {
  const keys = program
    .command('access-keys')
    // ngrok's CLI calls them ai-gateway-api-keys: `ngrok api ai-gateway-api-keys …` runs as `aigw ai-gateway-api-keys …`.
    .aliases(['api-keys', 'ai-gateway-api-keys'])
    .description('create and manage the access keys apps send to the gateway');
  lazySubcommands(keys, () => {
    keyFlags(keys.command('create').description('create an access key; its token is shown once'))
      .addHelpText(
        'after',
        '\nWith -q it prints only the token (not the id).\n\nExamples:\n  TOKEN=$(aigw access-keys create --name my-app -q)\n' +
          '  aigw access-keys create --name ci-job --expires-in 2h\n' +
          '  aigw access-keys create --name agent --budget 25 --budget-period month --budget-soft 20 --rpm 60 --tpm 100000 --max-concurrent 4',
      )
      .action(handler(create));

    pageFlags(listCommand(keys, 'list access keys, newest first')).action(handler(list));

    keys.command('get').description('show one access key').argument('<id>', idArgument(RESOURCE)).action(handler(get));

    updateFlags(keys.command('update').description("change an access key's labels, configuration, expiry, budget or rate limits"))
      .argument('<id>', idArgument(RESOURCE))
      .action(handler(update));

    keys
      .command('rotate')
      .description('give an access key a new token, keeping its id and everything on it; the new token is shown once')
      .argument('<id>', idArgument(RESOURCE))
      .option('--grace <duration>', 'the old token keeps working this long (such as 10m, 1h, 7d; at most 30d); default: it stops at once')
      .addHelpText('after', '\nWith -q it prints only the new token.\n\nExample:\n  TOKEN=$(aigw access-keys rotate aigk_… --grace 1h -q)')
      .action(handler(rotate));

    disableCommands(keys, RESOURCE, view, {
      disable: "refuse the key's token at the gateway until it is enabled again; nothing is deleted",
      enable: "accept a disabled key's token again",
    });

    deleteCommand(keys, 'delete an access key; apps using its token are refused from then on', RESOURCE)
      .option('--force', 'also delete the provider keys attached to it (otherwise their presence refuses the delete)')
      .action(handler(remove));
  });
}
