import type { GatewayConfig } from '../../core/api/gateway-config.js';
import { collect, handler, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { lazySubcommands } from '../lazy-commands.js';
import { usageError } from '../errors.js';
import type { View } from '../io.js';


const PATH = '/gateway-config';

const view: View<GatewayConfig> = {
  id: (c) => c.accountId,
  columns: [],
  details: [
    { header: 'Total timeout', field: 'totalTimeout', value: (c) => c.totalTimeout },
    { header: 'Per-request timeout', field: 'perRequestTimeout', value: (c) => c.perRequestTimeout },
    { header: 'Max input tokens', field: 'maxInputTokens', value: (c) => (c.maxInputTokens === null ? '' : String(c.maxInputTokens)) },
    { header: 'Max output tokens', field: 'maxOutputTokens', value: (c) => (c.maxOutputTokens === null ? '' : String(c.maxOutputTokens)) },
    { header: 'Metadata', field: 'metadata', value: (c) => c.metadata ?? '' },
    {
      header: 'Provider base URLs',
      field: 'providerBaseUrls',
      value: (c, io) =>
        Object.entries(c.providerBaseUrls)
          .map(([id, url]) => `${id}=${url}`)
          .join(io.format === 'table' ? '\n' : ','),
    },
    {
      header: 'Passthrough',
      field: 'passthroughProviders',
      value: (c, io) =>
        Object.entries(c.passthroughProviders)
          .map(([id, p]) => `${id}${p.allowNonLoopback ? ' (any address)' : ''}${p.active ? '' : ' (off: the gateway is not on loopback)'}`)
          .join(io.format === 'table' ? '\n' : ','),
    },
  ],
};

async function get({ io, api }: Factory): Promise<void> {
  const client = api();
  await io.printItem(await client.request<GatewayConfig>('GET', PATH), view);
}

function setFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--total-timeout <duration>', 'the longest a request may take across all attempts, such as 10m')
    .option('--per-request-timeout <duration>', 'the longest one upstream attempt may take, such as 2m or 90s')
    .option('--max-input-tokens <n>', 'cap on input tokens per request, or none')
    .option('--max-output-tokens <n>', 'cap on output tokens per request, or none')
    .option('--metadata <text>', 'machine-readable data of your own')
    .option('--clear-metadata', 'remove the metadata')
    .option('--provider-base-url <provider=url>', "send a built-in provider's requests to this base URL (PROVIDER= removes it; repeatable)", collect, [])
    .option('--clear-provider-base-urls', 'send every built-in provider to its official base URL again');
}

/** A token cap: a whole number, or `none` for no cap. */
export function cap(flag: string, raw: string | undefined): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw usageError(`${flag} must be a whole number above 0, or none`);
  return Number(raw);
}

/** `openai=http://127.0.0.1:1234/v1` sets an override, `openai=` removes it. */
function baseUrls(specs: string[]): Record<string, string | null> | undefined {
  if (specs.length === 0) return undefined;
  const out: Record<string, string | null> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw usageError(`--provider-base-url takes PROVIDER=URL (or PROVIDER= to remove one), not "${spec}"`);
    out[spec.slice(0, eq)] = spec.slice(eq + 1) || null;
  }
  return out;
}

async function set({ io, api }: Factory, options: FlagOptions<typeof setFlags<[], {}, {}>>): Promise<void> {
  if (options.metadata !== undefined && options.clearMetadata) throw usageError('use either --metadata or --clear-metadata');
  if (options.providerBaseUrl.length && options.clearProviderBaseUrls) {
    throw usageError('use either --provider-base-url or --clear-provider-base-urls');
  }
  const patch = {
    totalTimeout: options.totalTimeout,
    perRequestTimeout: options.perRequestTimeout,
    maxInputTokens: cap('--max-input-tokens', options.maxInputTokens),
    maxOutputTokens: cap('--max-output-tokens', options.maxOutputTokens),
    metadata: options.clearMetadata ? null : options.metadata,
    providerBaseUrls: options.clearProviderBaseUrls ? null : baseUrls(options.providerBaseUrl),
  };
  if (Object.values(patch).every((v) => v === undefined)) {
    throw usageError('nothing to set: see `aigw gateway config set --help`');
  }
  const client = api();
  const config = await client.request<GatewayConfig>('PATCH', PATH, patch);
  io.success('Updated the gateway settings');
  await io.printItem(config, view);
}

export function registerGateway(program: Program): void {
  const gateway = program.command('gateway').description('the local AI gateway');
  lazySubcommands(gateway, () => {
    const config = gateway.command('config').description('gateway settings: timeouts, token caps, upstream base URLs');

    config.command('get').description('show the gateway settings').action(handler(get));

    setFlags(config.command('set').description('change gateway settings; what is not given stays as it is'))
      .addHelpText('after', '\nExample:\n  aigw gateway config set --per-request-timeout 90s --provider-base-url openai=http://127.0.0.1:1234/v1')
      .action(handler(set));
  });
}
