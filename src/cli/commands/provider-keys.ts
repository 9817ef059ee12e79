import type { Command } from 'commander';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkLabels } from '../../core/provider-keys.js';
import { BUILTIN_PROVIDERS } from '../../core/providers.js';
import { connect } from '../client.js';
import { handler, integerFlag } from '../command.js';
import { usageError } from '../errors.js';
import type { IO, View } from '../io.js';
import { readSecretValue, type SecretValueOptions } from '../secret-input.js';

/** A provider key as the management API returns it. */
interface ProviderKey {
  id: string;
  uri: string;
  createdAt: string;
  updatedAt: string;
  providerId: string;
  name: string;
  keyRedacted: string;
  description?: string;
  metadata?: string;
  lastUsed: string | null;
}

interface ProviderKeyList {
  aiGatewayProviderKeys: ProviderKey[];
  uri: string;
  nextPageUri: string | null;
}

const PATH = '/provider-keys';

const view: View<ProviderKey> = {
  id: (k) => k.id,
  columns: [
    { header: 'ID', field: 'id', value: (k) => k.id },
    { header: 'PROVIDER', field: 'providerId', value: (k) => k.providerId },
    { header: 'NAME', field: 'name', value: (k) => k.name },
    { header: 'KEY', field: 'keyRedacted', value: (k) => k.keyRedacted },
    { header: 'CREATED', field: 'createdAt', value: (k, io) => io.time(k.createdAt) },
    { header: 'LAST USED', field: 'lastUsed', value: (k, io) => io.time(k.lastUsed) },
  ],
  details: [
    { header: 'ID', field: 'id', value: (k) => k.id },
    { header: 'Provider', field: 'providerId', value: (k) => k.providerId },
    { header: 'Name', field: 'name', value: (k) => k.name },
    { header: 'Key', field: 'keyRedacted', value: (k) => k.keyRedacted },
    { header: 'Description', field: 'description', value: (k) => k.description ?? '' },
    { header: 'Metadata', field: 'metadata', value: (k) => k.metadata ?? '' },
    { header: 'Created', field: 'createdAt', value: (k, io) => io.time(k.createdAt) },
    { header: 'Updated', field: 'updatedAt', value: (k, io) => io.time(k.updatedAt) },
    { header: 'Last used', field: 'lastUsed', value: (k, io) => io.time(k.lastUsed) },
  ],
};

interface LabelOptions {
  name?: string;
  description?: string;
  metadata?: string;
}

async function chooseProvider(io: IO, providerId: string | undefined): Promise<string> {
  if (providerId) return providerId;
  if (!io.interactive) throw usageError('which provider is this key for? pass --provider-id (see `aigw providers list`)');
  const choices = BUILTIN_PROVIDERS.map((p) => ({ name: `${p.name} (${p.id})`, value: p.id }));
  return io.promptChoice('Provider', choices);
}

async function create(io: IO, options: LabelOptions & SecretValueOptions & { providerId?: string }): Promise<void> {
  checkLabels(options);
  const providerId = await chooseProvider(io, options.providerId);
  const value = await readSecretValue(io, options, `${providerId} API key (input hidden)`);
  const api = await connect(io);
  const key = await io.spin('Storing the key', () =>
    api.request<ProviderKey>('POST', PATH, {
      providerId,
      value,
      name: options.name,
      description: options.description,
      metadata: options.metadata,
    }),
  );
  io.success(`Created provider key ${key.id} for ${key.providerId}`);
  await io.printItem(key, view);
}

async function list(
  io: IO,
  options: { providerId?: string; limit?: number; beforeId?: string; all?: boolean },
): Promise<void> {
  const api = await connect(io);
  const query = new URLSearchParams();
  if (options.providerId) query.set('provider', options.providerId);
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  if (options.beforeId) query.set('beforeId', options.beforeId);
  let page = await api.request<ProviderKeyList>('GET', `${PATH}?${query}`);
  const items = [...page.aiGatewayProviderKeys];
  while (options.all && page.nextPageUri) {
    page = await api.request<ProviderKeyList>('GET', page.nextPageUri);
    items.push(...page.aiGatewayProviderKeys);
  }
  const document = options.all ? { aiGatewayProviderKeys: items, uri: page.uri, nextPageUri: null } : page;
  await io.printList(document, items, view);
  if (io.format === 'table' && page.nextPageUri) {
    io.note(io.dim(`More keys: --before-id ${items.at(-1)!.id}, or --all`));
  }
}

async function get(io: IO, _options: unknown, id: string): Promise<void> {
  const api = await connect(io);
  await io.printItem(await api.request<ProviderKey>('GET', `${PATH}/${encodeURIComponent(id)}`), view);
}

async function update(io: IO, options: LabelOptions, id: string): Promise<void> {
  const patch = { name: options.name, description: options.description, metadata: options.metadata };
  if (Object.values(patch).every((v) => v === undefined)) {
    throw usageError('nothing to update: pass --name, --description or --metadata');
  }
  checkLabels(patch);
  const api = await connect(io);
  const key = await api.request<ProviderKey>('PATCH', `${PATH}/${encodeURIComponent(id)}`, patch);
  io.success(`Updated provider key ${key.id}`);
  await io.printItem(key, view);
}

async function rotate(io: IO, options: SecretValueOptions & { name?: string }, id: string): Promise<void> {
  checkLabels(options);
  const api = await connect(io);
  // Fail on a wrong id before asking for a secret.
  const current = await api.request<ProviderKey>('GET', `${PATH}/${encodeURIComponent(id)}`);
  const value = await readSecretValue(io, options, `New ${current.providerId} API key for ${id} (input hidden)`);
  const key = await io.spin('Rotating the key', () =>
    api.request<ProviderKey>('POST', `${PATH}/${encodeURIComponent(id)}/rotate`, { value, name: options.name }),
  );
  io.success(`Rotated provider key ${key.id}: ${current.keyRedacted} → ${key.keyRedacted}`);
  await io.printItem(key, view);
}

async function remove(io: IO, options: { yes?: boolean }, id: string): Promise<void> {
  const api = await connect(io);
  if (!options.yes) {
    if (!io.interactive) {
      throw new AigwError(ERRORS.confirmationRequired, `deleting ${id} needs confirmation: pass --yes`);
    }
    const key = await api.request<ProviderKey>('GET', `${PATH}/${encodeURIComponent(id)}`);
    const label = [key.providerId, key.name, key.keyRedacted].filter(Boolean).join(', ');
    if (!(await io.confirm(`Delete provider key ${id} (${label})? Its value is removed for good.`))) {
      throw new AigwError(ERRORS.cancelled, `${id} was not deleted`);
    }
  }
  await api.request<void>('DELETE', `${PATH}/${encodeURIComponent(id)}`);
  io.success(`Deleted provider key ${id}`);
}

function labelFlags(command: Command): Command {
  return command
    .option('--name <name>', 'a label for the key (at most 255 characters)')
    .option('--description <text>', 'what the key is for (at most 255 characters)')
    .option('--metadata <text>', 'machine-readable data of your own (at most 4096 characters)');
}

function valueFlags(command: Command): Command {
  return command
    .option('--value-stdin', 'read the key value from standard input')
    .option('--value-file <path>', 'read the key value from a file (- for standard input)')
    .option('--value <value>', 'the key value itself (visible to other processes; prefer --value-stdin)');
}

export function registerProviderKeys(program: Command): void {
  const keys = program
    .command('provider-keys')
    .alias('ai-gateway-provider-keys')
    .description('store, list, rotate and delete upstream AI provider keys');

  valueFlags(
    labelFlags(
      keys
        .command('create')
        .description('store a provider key; prompts for the value on a terminal')
        .option('--provider-id <id>', 'the provider this key is for, such as openai or anthropic'),
    ),
  )
    .addHelpText('after', '\nExample:\n  printf %s "$OPENAI_API_KEY" | aigw provider-keys create --provider-id openai --value-stdin')
    .action(handler(create));

  keys
    .command('list')
    .alias('ls')
    .description('list provider keys, newest first')
    .option('--provider-id <id>', 'only keys for this provider')
    .option('--limit <n>', 'at most this many keys (1-100)', integerFlag('--limit'))
    .option('--before-id <id>', 'start after this key id (the next page)')
    .option('--all', 'follow every page')
    .action(handler(list));

  keys.command('get').description('show one provider key').argument('<id>', 'provider key id (aigpk_…)').action(handler(get));

  labelFlags(keys.command('update').description("change a key's name, description or metadata"))
    .argument('<id>', 'provider key id (aigpk_…)')
    .action(handler(update));

  valueFlags(keys.command('rotate').description('replace the value of a key, keeping its id'))
    .argument('<id>', 'provider key id (aigpk_…)')
    .option('--name <name>', 'also rename the key')
    .action(handler(rotate));

  keys
    .command('delete')
    .alias('rm')
    .description('delete a provider key and its stored value')
    .argument('<id>', 'provider key id (aigpk_…)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(handler(remove));
}
