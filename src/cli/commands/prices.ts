import { splitModelSpec, type OwnPrice, type PriceList, type PriceLookup } from '../../core/prices.js';
import { handler, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { usageError } from '../errors.js';
import type { View } from '../io.js';
import { lazySubcommands } from '../lazy-commands.js';
import { confirmDelete, deleteCommand, type DeleteOptions } from '../resource.js';

const PATH = '/prices';

/** A price per million tokens as shown: `0.15`, or `input` for a cache price paid at the input price. */
const rate = (value: number | null, fallback = '') => (value === null ? fallback : String(value));

const ownView: View<OwnPrice> = {
  id: (p) => `${p.providerId}:${p.modelId}`,
  columns: [
    { header: 'MODEL', field: 'modelId', value: (p) => `${p.providerId}:${p.modelId}` },
    { header: 'INPUT $/M', field: 'input', value: (p) => rate(p.input) },
    { header: 'OUTPUT $/M', field: 'output', value: (p) => rate(p.output) },
    { header: 'CACHE READ $/M', field: 'cacheRead', value: (p) => rate(p.cacheRead, 'input') },
    { header: 'CACHE WRITE $/M', field: 'cacheWrite', value: (p) => rate(p.cacheWrite, 'input') },
    { header: 'UPDATED', field: 'updatedAt', value: (p, io) => io.time(p.updatedAt) },
  ],
  details: [],
};

const lookupView: View<PriceLookup> = {
  id: (p) => `${p.providerId}:${p.modelId}`,
  columns: [],
  details: [
    { header: 'Model', field: 'modelId', value: (p) => `${p.providerId}:${p.modelId}` },
    { header: 'Source', field: 'source', value: (p) => (p.source === 'own' ? 'your own price' : p.source === 'builtin' ? 'the bundled price table' : 'unknown: no price') },
    { header: 'Input $/M', field: 'input', value: (p) => rate(p.input, 'unknown') },
    { header: 'Output $/M', field: 'output', value: (p) => rate(p.output, 'unknown') },
    { header: 'Cache read $/M', field: 'cacheRead', value: (p) => rate(p.cacheRead, p.source === 'unknown' ? 'unknown' : 'input') },
    { header: 'Cache write $/M', field: 'cacheWrite', value: (p) => rate(p.cacheWrite, p.source === 'unknown' ? 'unknown' : 'input') },
  ],
};

function modelSpec(spec: string): { providerId: string; modelId: string } {
  const parsed = splitModelSpec(spec);
  if (!parsed) throw usageError(`"${spec}" must be PROVIDER:MODEL, such as openai:gpt-4o-mini or ollama:* for every model`);
  return parsed;
}

/** A price flag: USD per million tokens. */
function priceFlag(flag: string) {
  return (raw: string): number => {
    if (!/^\d+(\.\d+)?$/.test(raw.trim())) throw usageError(`${flag} must be a number of USD per million tokens, such as 0.15`);
    return Number(raw);
  };
}

function setFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--input-price <usd>', 'USD per million input tokens', priceFlag('--input-price'))
    .option('--output-price <usd>', 'USD per million output tokens', priceFlag('--output-price'))
    .option('--cache-read-price <usd>', 'USD per million cache-read tokens (default: the input price)', priceFlag('--cache-read-price'))
    .option('--cache-write-price <usd>', 'USD per million cache-write tokens (default: the input price)', priceFlag('--cache-write-price'));
}

async function set({ io, api }: Factory, options: FlagOptions<typeof setFlags<[], {}, {}>>, spec: string): Promise<void> {
  const { providerId, modelId } = modelSpec(spec);
  if (options.inputPrice === undefined || options.outputPrice === undefined) {
    throw usageError('a price needs both --input-price and --output-price (USD per million tokens)');
  }
  const body = {
    providerId,
    modelId,
    input: options.inputPrice,
    output: options.outputPrice,
    cacheRead: options.cacheReadPrice ?? null,
    cacheWrite: options.cacheWritePrice ?? null,
  };
  const price = await api().request<OwnPrice>('POST', PATH, body);
  io.success(`Set the price of ${providerId}:${modelId}`);
  await io.printItem(price, { ...ownView, columns: [], details: ownView.columns });
}

async function list({ io, api }: Factory): Promise<void> {
  const result = await api().request<PriceList>('GET', PATH);
  await io.printList(result, result.prices, ownView);
  if (io.format === 'table') io.note(io.dim(`Other models: ${result.builtinSource}; see \`aigw prices get PROVIDER:MODEL\``));
}

async function get({ io, api }: Factory, _options: unknown, spec: string): Promise<void> {
  const { providerId, modelId } = modelSpec(spec);
  const query = new URLSearchParams({ providerId, modelId });
  await io.printItem(await api().request<PriceLookup>('GET', `${PATH}/lookup?${query}`), lookupView);
}

async function remove({ io, api }: Factory, options: DeleteOptions, spec: string): Promise<void> {
  const { providerId, modelId } = modelSpec(spec);
  await confirmDelete(io, options, spec, async () => `Delete your price for ${spec}? Its cost then comes from the bundled table, or is unknown.`);
  await api().request<void>('DELETE', `${PATH}?${new URLSearchParams({ providerId, modelId })}`);
  io.success(`Deleted your price for ${spec}`);
}

const EXAMPLES = `
Examples:
  aigw prices set 'ollama:*' --input-price 0 --output-price 0
  aigw prices set my-vllm:llama-3.3-70b --input-price 0.6 --output-price 0.6
  aigw prices set openai:gpt-4o --input-price 2 --output-price 8 --cache-read-price 1   # a negotiated rate`;

export function registerPrices(program: Program): void {
  const prices = program
    .command('prices')
    .description('what tokens cost: the bundled price table, and your own prices for custom providers and overrides');
  lazySubcommands(prices, () => {
    setFlags(
      prices
        .command('set')
        .description('set your own price for a model (PROVIDER:MODEL, or PROVIDER:* for all of its models)')
        .argument('<model>', 'PROVIDER:MODEL'),
    )
      .addHelpText('after', EXAMPLES)
      .action(handler(set));
    prices.command('list').alias('ls').description('list your own prices').action(handler(list));
    prices
      .command('get')
      .description('show the price the gateway uses for a model, and where it comes from')
      .argument('<model>', 'PROVIDER:MODEL')
      .action(handler(get));
    deleteCommand(prices, 'delete your own price for a model', 'PROVIDER:MODEL').action(handler(remove));
  });
}
