import type { GatewayConfig } from '../../core/api/gateway-config.js';
import type { BuiltinProvider, CustomProvider, ProviderList } from '../../core/api/providers.js';
import { idArgument, RESOURCES } from '../../core/api/registry.js';
import type { SupportedApiSurface } from '../../core/custom-providers.js';
import { checkLabels, PROVIDER_LABEL_RULES } from '../../core/provider-keys.js';
import { collect, handler, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { lazySubcommands } from '../lazy-commands.js';
import { usageError } from '../errors.js';
import type { View } from '../io.js';
import {
  confirmDelete,
  deleteCommand,
  fetchPages,
  getCommand,
  itemPath,
  labelFlags,
  listCommand,
  pageFlags,
  pageUri,
  tableColumns,
  type DeleteOptions,
  type PageOptions,
} from '../resource.js';

const RESOURCE = RESOURCES['custom-providers'];
const PATH = RESOURCE.path;

function formats(p: { supportedApiSurfaces?: SupportedApiSurface[] }): string {
  return [...new Set((p.supportedApiSurfaces ?? []).map((s) => (s.surface ? `${s.format}/${s.surface}` : s.format)))].join(',');
}

/** The list shows both kinds; -q prints provider ids, which is what `--provider-id` takes. */
const listView: View<CustomProvider | BuiltinProvider> = {
  id: (p) => p.providerId,
  columns: tableColumns<CustomProvider | BuiltinProvider, typeof RESOURCES.providers>(RESOURCES.providers, {
    providerId: (p) => p.providerId,
    builtin: (p) => ('builtin' in p ? 'built-in' : 'custom'),
    name: (p) => p.name,
    baseUrl: (p) => p.baseUrl,
    supportedApiSurfaces: (p) => formats(p),
    id: (p) => ('id' in p ? p.id : ''),
  }),
  details: [],
};

const view: View<CustomProvider> = {
  id: (p) => p.id,
  columns: [],
  details: [
    { header: 'ID', field: 'id', value: (p) => p.id },
    { header: 'Provider ID', field: 'providerId', value: (p) => p.providerId },
    { header: 'Name', field: 'name', value: (p) => p.name },
    { header: 'Base URL', field: 'baseUrl', value: (p) => p.baseUrl },
    { header: 'Formats', field: 'supportedApiSurfaces', value: (p) => formats(p) },
    { header: 'Models', field: 'models', value: (p) => (p.models ?? []).map((m) => m.modelId).join(',') },
    { header: 'Description', field: 'description', value: (p) => p.description ?? '' },
    { header: 'Metadata', field: 'metadata', value: (p) => p.metadata ?? '' },
    { header: 'Created', field: 'createdAt', value: (p, io) => io.time(p.createdAt) },
    { header: 'Updated', field: 'updatedAt', value: (p, io) => io.time(p.updatedAt) },
  ],
};

async function list({ io, api }: Factory, options: PageOptions): Promise<void> {
  const client = api();
  const pages = await fetchPages<CustomProvider, ProviderList>(client, pageUri(PATH, options), RESOURCE.listProperty, options.all);
  const custom = pages.items;
  // Built-ins head the first page only, so paging through custom providers does not repeat them.
  const builtins = options.beforeId ? [] : pages.last.builtinProviders;
  await io.printList(pages.document, [...builtins, ...custom], listView);
  if (io.format === 'table' && pages.last.nextPageUri) io.note(io.dim(`More: --before-id ${custom.at(-1)!.id}, or --all`));
}

function definitionFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return labelFlags(command, 'provider')
    .option('--base-url <url>', 'where its API lives: https://…, or http://… on a loopback or private address')
    .option('--format <format>', 'an API format it speaks: openai or anthropic (repeat for both; default openai)', collect, [])
    .option('--model <id>', 'a model it serves (repeat for more)', collect, []);
}

function createFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return definitionFlags(command.option('--provider-id <id>', 'the id models are addressed by, as in ollama:llama3'));
}

function updateFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return definitionFlags(command).option('--clear-models', 'remove every model');
}

type DefinitionOptions = FlagOptions<typeof definitionFlags<[], {}, {}>>;
type UpdateOptions = FlagOptions<typeof updateFlags<[], {}, {}>>;

function surfaces(options: DefinitionOptions): SupportedApiSurface[] | undefined {
  return options.format.length ? options.format.map((format) => ({ format })) : undefined;
}

function models(options: DefinitionOptions & Partial<Pick<UpdateOptions, 'clearModels'>>): { modelId: string }[] | undefined {
  if (options.clearModels) {
    if (options.model.length) throw usageError('--clear-models removes every model; do not combine it with --model');
    return [];
  }
  return options.model.length ? options.model.map((modelId) => ({ modelId })) : undefined;
}

async function create({ io, api }: Factory, options: FlagOptions<typeof createFlags<[], {}, {}>>): Promise<void> {
  if (!options.providerId) throw usageError('pass --provider-id, the id models are addressed by (such as ollama)');
  if (!options.baseUrl) throw usageError('pass --base-url, such as http://127.0.0.1:11434/v1');
  checkLabels(options, PROVIDER_LABEL_RULES);
  const client = api();
  const provider = await client.request<CustomProvider>('POST', PATH, {
    providerId: options.providerId,
    name: options.name ?? options.providerId,
    baseUrl: options.baseUrl,
    description: options.description,
    metadata: options.metadata,
    supportedApiSurfaces: surfaces(options),
    models: models(options),
  });
  io.success(`Created provider ${provider.providerId} (${provider.id})`);
  await io.printItem(provider, view);
}

async function update({ io, api }: Factory, options: UpdateOptions, id: string): Promise<void> {
  checkLabels(options, PROVIDER_LABEL_RULES);
  const patch = {
    name: options.name,
    baseUrl: options.baseUrl,
    description: options.description,
    metadata: options.metadata,
    supportedApiSurfaces: surfaces(options),
    models: models(options),
  };
  if (Object.values(patch).every((v) => v === undefined)) {
    throw usageError('nothing to update: pass --name, --base-url, --format, --model, --clear-models, --description or --metadata');
  }
  const client = api();
  const provider = await client.request<CustomProvider>('PATCH', itemPath(PATH, id), patch);
  io.success(`Updated provider ${provider.providerId}`);
  await io.printItem(provider, view);
}

async function remove({ io, api }: Factory, options: DeleteOptions, id: string): Promise<void> {
  const client = api();
  await confirmDelete(io, options, id, async () => {
    const provider = await client.request<CustomProvider>('GET', itemPath(PATH, id));
    return `Delete provider ${provider.providerId} (${provider.baseUrl})?`;
  });
  await client.request<void>('DELETE', itemPath(PATH, id));
  io.success(`Deleted provider ${id}`);
}

/** One provider's passthrough as `aigw providers passthrough` prints it. */
interface PassthroughState {
  providerId: string;
  enabled: boolean;
  allowNonLoopback: boolean;
  /** Whether the gateway applies it now (a loopback-only setting stays off on another listen address). */
  active: boolean;
}

const passthroughView: View<PassthroughState> = {
  id: (p) => p.providerId,
  columns: [],
  details: [
    { header: 'Provider', field: 'providerId', value: (p) => p.providerId },
    { header: 'Passthrough', field: 'enabled', value: (p) => (p.enabled ? 'enabled' : 'disabled') },
    { header: 'Off loopback too', field: 'allowNonLoopback', value: (p) => String(p.allowNonLoopback) },
    { header: 'In force', field: 'active', value: (p) => String(p.active) },
  ],
};

async function setPassthrough({ io, api }: Factory, providerId: string, change: { allowNonLoopback: boolean } | null): Promise<void> {
  const config = await api().request<GatewayConfig>('PATCH', '/gateway-config', { passthroughProviders: { [providerId]: change } });
  const setting = config.passthroughProviders[providerId];
  const state: PassthroughState = {
    providerId,
    enabled: setting !== undefined,
    allowNonLoopback: setting?.allowNonLoopback ?? false,
    active: setting?.active ?? false,
  };
  if (!setting) io.success(`Passthrough disabled for ${providerId}`);
  else {
    io.success(`Passthrough enabled for ${providerId}: requests without an aigw access key are forwarded with the caller's own key while aigw holds no ${providerId} key`);
    if (setting.allowNonLoopback) io.warn('passthrough also acts when the gateway listens on a non-loopback address: anyone who reaches it can use it with a key of their own');
  }
  await io.printItem(state, passthroughView);
}

export function registerProviders(program: Program): void {
  const providers = program.command('providers').description('the built-in provider catalog and your custom providers');
  lazySubcommands(providers, () => {
    pageFlags(listCommand(providers, 'list built-in and custom providers')).action(handler(list));

    createFlags(providers.command('create').description('add a custom provider: Ollama, vLLM, any OpenAI- or Anthropic-compatible server'))
      .addHelpText('after', '\nExample:\n  aigw providers create --provider-id ollama --base-url http://127.0.0.1:11434/v1 --model llama3')
      .action(handler(create));

    getCommand(providers, RESOURCE, view, 'show one custom provider');

    updateFlags(providers.command('update').description('change a custom provider; --model replaces the model list'))
      .argument('<id>', idArgument(RESOURCE))
      .action(handler(update));

    deleteCommand(providers, 'delete a custom provider that no provider key or configuration uses', RESOURCE)
      .action(handler(remove));

    const passthrough = providers
      .command('passthrough')
      .description("forward callers' own keys to a provider aigw holds no key for (off by default; loopback only)");
    passthrough
      .command('enable')
      .description("forward requests that carry the caller's own key, not an aigw access key, to this provider")
      .argument('<provider>', 'provider id, such as openai')
      .option('--allow-non-loopback', 'also while the gateway listens on an address other machines can reach')
      .addHelpText('after', '\nExample:\n  aigw providers passthrough enable openai')
      .action(handler((factory, options, providerId) =>
        setPassthrough(factory, providerId, { allowNonLoopback: options.allowNonLoopback === true }),
      ));
    passthrough
      .command('disable')
      .description('stop forwarding callers\' own keys to this provider')
      .argument('<provider>', 'provider id, such as openai')
      .action(handler((factory, _options, providerId) => setPassthrough(factory, providerId, null)));
  });
}
