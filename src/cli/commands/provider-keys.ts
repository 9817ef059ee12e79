import type { Configuration } from '../../core/api/configurations.js';
import type { ProviderKey } from '../../core/api/provider-keys.js';
import type { ProviderList } from '../../core/api/providers.js';
import { idArgument, RESOURCES } from '../../core/api/registry.js';
import type { KeyTestResult } from '../../core/gateway-api.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkLabels } from '../../core/provider-keys.js';
import { BUILTIN_PROVIDERS, PROVIDER_KEY_VARIABLES } from '../../core/providers.js';
import type { Api, Factory } from '../factory.js';
import { handler, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import { lazySubcommands } from '../lazy-commands.js';
import { usageError } from '../errors.js';
import type { IO, View } from '../io.js';
import {
  confirmDelete,
  deleteCommand,
  disableCommands,
  fetchAll,
  getCommand,
  itemPath,
  labelFlags,
  listCommand,
  listVerb,
  pageFlags,
  tableColumns,
  type DeleteOptions,
  type LabelOptions,
  type PageOptions,
} from '../resource.js';
import { readSecretValue, valueFlags } from '../secret-input.js';

const RESOURCE = RESOURCES['provider-keys'];
const PATH = RESOURCE.path;

const view: View<ProviderKey> = {
  id: (k) => k.id,
  columns: tableColumns<ProviderKey, typeof RESOURCE>(RESOURCE, {
    id: (k) => k.id,
    providerId: (k) => k.providerId,
    name: (k) => k.name,
    keyRedacted: (k) => k.keyRedacted,
    accessKeyId: (k) => k.accessKeyId ?? '',
    createdAt: (k, io) => io.time(k.createdAt),
    lastUsed: (k, io) => io.time(k.lastUsed),
    disabled: (k) => (k.disabled ? 'disabled' : ''),
  }),
  details: [
    { header: 'ID', field: 'id', value: (k) => k.id },
    { header: 'Provider', field: 'providerId', value: (k) => k.providerId },
    { header: 'Name', field: 'name', value: (k) => k.name },
    { header: 'Key', field: 'keyRedacted', value: (k) => k.keyRedacted },
    { header: 'Description', field: 'description', value: (k) => k.description ?? '' },
    { header: 'Metadata', field: 'metadata', value: (k) => k.metadata ?? '' },
    { header: 'Access key', field: 'accessKeyId', value: (k) => k.accessKeyId ?? '' },
    {
      header: 'State',
      field: 'disabled',
      value: (k, io) => (io.format === 'table' ? (k.disabled ? 'disabled (the gateway skips it)' : 'active') : String(k.disabled ?? false)),
    },
    { header: 'Created', field: 'createdAt', value: (k, io) => io.time(k.createdAt) },
    { header: 'Updated', field: 'updatedAt', value: (k, io) => io.time(k.updatedAt) },
    { header: 'Last used', field: 'lastUsed', value: (k, io) => io.time(k.lastUsed) },
  ],
};

async function chooseProvider(io: IO, api: Api, providerId: string | undefined): Promise<string> {
  if (providerId) return providerId;
  if (!io.interactive) throw usageError('which provider is this key for? pass --provider-id (see `aigw providers list`)');
  const { aiGatewayProviders } = await api.request<ProviderList>('GET', RESOURCES['custom-providers'].path);
  const choices = [
    ...BUILTIN_PROVIDERS.map((p) => ({ name: `${p.name} (${p.id})`, value: p.id })),
    ...aiGatewayProviders.map((p) => ({ name: `${p.name} (${p.providerId}, custom)`, value: p.providerId })),
  ];
  return io.promptChoice('Provider', choices);
}

function createFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return valueFlags(
    labelFlags(
      command
        .option('--provider-id <id>', 'the provider this key is for, such as openai, anthropic or a custom one')
        .option('--ai-gateway-api-key-id <id>', 'attach the key to this access key (aigk_…) only'),
      'key',
    ),
  );
}

async function create({ io, api }: Factory, options: FlagOptions<typeof createFlags<[], {}, {}>>): Promise<void> {
  checkLabels(options);
  const client = api();
  const providerId = await chooseProvider(io, client, options.providerId);
  const value = await readSecretValue(io, options, `${providerId} API key`);
  const key = await io.spin('Storing the key', () =>
    client.request<ProviderKey>('POST', PATH, {
      providerId,
      value,
      name: options.name,
      description: options.description,
      metadata: options.metadata,
      accessKeyId: options.aiGatewayApiKeyId,
    }),
  );
  io.success(`Created provider key ${key.id} for ${key.providerId}`);
  await io.printItem(key, view);
}

function listFilters<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--provider-id <id>', 'only keys for this provider')
    .option('--ai-gateway-api-key-id <id>', 'only keys attached to this access key (aigk_…)');
}

const list = listVerb(RESOURCE, view, (options: PageOptions & FlagOptions<typeof listFilters<[], {}, {}>>) => ({
  provider: options.providerId,
  accessKeyId: options.aiGatewayApiKeyId,
}));

async function update({ io, api }: Factory, options: LabelOptions, id: string): Promise<void> {
  const patch = { name: options.name, description: options.description, metadata: options.metadata };
  if (Object.values(patch).every((v) => v === undefined)) {
    throw usageError('nothing to update: pass --name, --description or --metadata');
  }
  checkLabels(patch);
  const client = api();
  const key = await client.request<ProviderKey>('PATCH', itemPath(PATH, id), patch);
  io.success(`Updated provider key ${key.id}`);
  await io.printItem(key, view);
}

async function rotate({ io, api }: Factory, options: FlagOptions<typeof rotateFlags<[], {}, {}>>, id: string): Promise<void> {
  checkLabels(options);
  const client = api();
  // Fail on a wrong id before asking for a secret.
  const current = await client.request<ProviderKey>('GET', itemPath(PATH, id));
  const value = await readSecretValue(io, options, `New ${current.providerId} API key for ${id}`);
  const key = await io.spin('Rotating the key', () =>
    client.request<ProviderKey>('POST', `${PATH}/${encodeURIComponent(id)}/rotate`, { value, name: options.name }),
  );
  io.success(`Rotated provider key ${key.id}: ${current.keyRedacted} → ${key.keyRedacted}`);
  await io.printItem(key, view);
}

async function remove({ io, api }: Factory, options: DeleteOptions & { force?: true }, id: string): Promise<void> {
  const client = api();
  await confirmDelete(io, options, id, async () => {
    const key = await client.request<ProviderKey>('GET', itemPath(PATH, id));
    const label = [key.providerId, key.name, key.keyRedacted].filter(Boolean).join(', ');
    const rules = options.force ? ' It is also taken out of every router rule that names it.' : '';
    return `Delete provider key ${id} (${label})? Its value is removed for good.${rules}`;
  });
  const rulesOf = options.force ? await configurationsNaming(client, id) : [];
  await client.request<void>('DELETE', itemPath(PATH, id) + (options.force ? '?force=true' : ''));
  io.success(`Deleted provider key ${id}`);
  if (rulesOf.length) io.note(`Also took it out of the router rules of ${rulesOf.join(', ')}`);
}

/** The configurations whose router rules name a provider key: what a forced delete takes it out of. */
async function configurationsNaming(api: Api, keyId: string): Promise<string[]> {
  const configurations = await fetchAll<Configuration>(api, RESOURCES.configs);
  const names = (c: Configuration) => (c.router?.rules ?? []).some((rule) => rule.steps.some((step) => step.keys.some((k) => k.id === keyId)));
  return configurations.filter(names).map((c) => c.id);
}

const testView: View<KeyTestResult> = {
  id: (t) => t.id,
  columns: [],
  details: [
    { header: 'ID', field: 'id', value: (t) => t.id },
    { header: 'Provider', field: 'providerId', value: (t) => t.providerId },
    { header: 'Key', field: 'keyRedacted', value: (t) => t.keyRedacted },
    { header: 'Valid', field: 'ok', value: (t, io) => (t.ok ? io.green('yes') : io.red('no')) },
    { header: 'Status', field: 'statusCode', value: (t) => (t.statusCode === null ? '-' : String(t.statusCode)) },
    { header: 'Latency', field: 'latencyMs', value: (t, io) => (io.format === 'table' ? `${t.latencyMs} ms` : String(t.latencyMs)) },
    { header: 'Result', field: 'message', value: (t) => t.message },
  ],
};

/**
 * One cheap authenticated call upstream, so scripts can branch on the outcome: exit 1 when the provider
 * refused the key, and the unreachable-provider code (exit 4) when the provider could not be asked at all
 * (DNS, connection, timeout, or an answer that says nothing about the key).
 */
async function test({ io, api }: Factory, _options: unknown, id: string): Promise<void> {
  const client = api();
  const result = await io.spin('Asking the provider', () =>
    client.request<KeyTestResult>("POST", `${itemPath(PATH, id)}/test`),
  );
  await io.printItem(result, testView);
  if (result.ok) return;
  if (result.statusCode === 401 || result.statusCode === 403) {
    io.warn(`the provider refused ${id}: ${result.message}`);
    process.exitCode = 1;
    return;
  }
  throw new AigwError(ERRORS.providerUnreachable, `could not check ${id}: ${result.message}; try again later`, { id });
}

function rotateFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return valueFlags(command).option('--name <name>', 'also rename the key');
}

/** `provider-keys import`'s flags; import-keys.ts, loaded only when it runs, reads their types. */
export function importFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--from-env', `the provider key variables of this environment (${PROVIDER_KEY_VARIABLES.map((v) => v.name).join(', ')})`)
    .option('--from-dotenv <path...>', 'the provider key variables of these .env files (never edited)')
    .option('--from-file <path>', 'a JSON or YAML list of { providerId, value, name?, description?, metadata? }')
    .option('--dry-run', 'show what would be stored (redacted), store nothing')
    .option('--ai-gateway-api-key-id <id>', 'attach the imported keys to this access key (aigk_…) only');
}

export function registerProviderKeys(program: Program): void {
  const keys = program
    .command('provider-keys')
    .alias('ai-gateway-provider-keys')
    .description('store, list, rotate and delete upstream AI provider keys');
  lazySubcommands(keys, () => {
    createFlags(keys.command('create').description('store a provider key; prompts for the value on a terminal'))
      .addHelpText('after', '\nExample:\n  printf %s "$OPENAI_API_KEY" | aigw provider-keys create --provider-id openai --value-stdin')
      .action(handler(create));

    pageFlags(listFilters(listCommand(keys, 'list provider keys, newest first'))).action(handler(list));

    getCommand(keys, RESOURCE, view);

    labelFlags(keys.command('update').description("change a key's name, description or metadata"), 'key')
      .argument('<id>', idArgument(RESOURCE))
      .action(handler(update));

    rotateFlags(keys.command('rotate').description('replace the value of a key, keeping its id').argument('<id>', idArgument(RESOURCE))).action(
      handler(rotate),
    );

    disableCommands(keys, RESOURCE, view, {
      disable: 'stop the gateway using a key (it is skipped, as if absent) without deleting it or its router rules',
      enable: 'let the gateway use a disabled key again',
    });

    keys
      .command('test')
      .description('check that a stored key still works (one models-list call): exit 1 if the provider refuses it, 4 if it cannot be reached')
      .argument('<id>', idArgument(RESOURCE))
      .action(handler(test));

    importFlags(keys.command('import').description('store the provider keys found in the environment, .env files or a JSON/YAML list; never prints a value'))
      .addHelpText(
        'after',
        '\nA value already in aigw (under any provider) is skipped; empty, multi-line and unknown ones are refused, with the reason.\n' +
          'Afterwards it lists the lines and variables you can remove.\n\n' +
          'Examples:\n  aigw provider-keys import --from-env --dry-run\n  aigw provider-keys import --from-dotenv .env ../api/.env.local',
      )
      .action(handler(async (factory, options) => (await import('./import-keys.js')).importKeys(factory, options)));

    deleteCommand(keys, 'delete a provider key and its stored value', RESOURCE)
      .option('--force', 'delete it even when router rules name it, taking it out of those rules')
      .action(handler(remove));
  });
}
