import { readFileSync } from 'node:fs';
import { PRICE_SETTING_PREFIX, type OwnPrice } from './prices.js';

/** A price per million tokens (per thousand requests for `requests_kcount`), flat or by input-token tier. */
export type UnitPrice = number | { base: number; tiers: readonly { start: number; price: number }[] };

/**
 * The prices of one model, named as in @pydantic/genai-prices. A token kind without a price of its own is
 * paid at the input (or output) price, as the table's own calculator does.
 */
export interface ModelPrices {
  input_mtok?: UnitPrice;
  output_mtok?: UnitPrice;
  cache_read_mtok?: UnitPrice;
  cache_write_mtok?: UnitPrice;
  output_reasoning_mtok?: UnitPrice;
  requests_kcount?: UnitPrice;
}

type Match =
  | { or: Match[] }
  | { and: Match[] }
  | { equals: string }
  | { starts_with: string }
  | { ends_with: string }
  | { contains: string }
  | { regex: string };

/** When a price applies: from a UTC date, or in a daily UTC window (seconds of the day; it may wrap midnight). */
type Constraint = { type: 'start_date'; startMs: number } | { type: 'time_of_date'; start: number; end: number };

interface IndexModel {
  match: Match;
  periods: { when?: Constraint; prices: ModelPrices }[];
}

/** What scripts/price-index.mjs writes at build time. */
interface PriceIndex {
  source: string;
  /** aigw's built-in provider id → the table's provider id. */
  providers: Record<string, string>;
  tables: Record<string, { fallbacks: string[]; models: IndexModel[] }>;
}

/** Token counts as aigw records them: `inputTokens` counts every input token, cached or not. */
export interface PricedTokens {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

let index: PriceIndex | undefined;

/** The bundled index, read on the first attempt that needs a price: an idle daemon never holds it. */
function priceIndex(): PriceIndex {
  index ??= JSON.parse(readFileSync(new URL('./price-index.json', import.meta.url), 'utf8')) as PriceIndex;
  return index;
}

/** Where the bundled prices come from, for the README and `aigw prices list`. */
export function priceSource(): string {
  return priceIndex().source;
}

const regexes = new Map<string, RegExp>();

function matches(m: Match, model: string): boolean {
  if ('or' in m) return m.or.some((x) => matches(x, model));
  if ('and' in m) return m.and.every((x) => matches(x, model));
  if ('equals' in m) return model === m.equals.toLowerCase();
  if ('starts_with' in m) return model.startsWith(m.starts_with.toLowerCase());
  if ('ends_with' in m) return model.endsWith(m.ends_with.toLowerCase());
  if ('contains' in m) return model.includes(m.contains.toLowerCase());
  let re = regexes.get(m.regex);
  if (!re) regexes.set(m.regex, (re = new RegExp(m.regex)));
  return re.test(model);
}

function findModel(tableId: string, model: string, seen = new Set<string>()): IndexModel | undefined {
  const table = priceIndex().tables[tableId];
  if (!table || seen.has(tableId)) return undefined;
  seen.add(tableId);
  return table.models.find((m) => matches(m.match, model)) ?? table.fallbacks.map((f) => findModel(f, model, seen)).find(Boolean);
}

/** `claude-3-5-sonnet-20241022` is also looked up as `…-2024-10-22`, as the table's own lookup does. */
const COMPACT_DATE = /(-)(20\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?=-|:|$)/g;

/** The bundled table's entry for a built-in provider's model, or undefined when it has none. */
export function builtinModel(providerId: string, model: string): IndexModel | undefined {
  const tableId = priceIndex().providers[providerId];
  if (!tableId) return undefined;
  const name = model.toLowerCase().trim();
  const found = findModel(tableId, name);
  if (found) return found;
  const dashed = name.replace(COMPACT_DATE, '$1$2-$3-$4');
  return dashed === name ? undefined : findModel(tableId, dashed);
}

/** The prices in force at `timeMs`: the last period whose condition holds (the table lists them that way). */
export function pricesAt(model: IndexModel, timeMs: number): ModelPrices {
  for (let i = model.periods.length - 1; i >= 0; i--) {
    const { when, prices } = model.periods[i]!;
    if (!when) return prices;
    if (when.type === 'start_date') {
      if (timeMs >= when.startMs) return prices;
      continue;
    }
    const now = (timeMs % 86_400_000) / 1000;
    const { start, end } = when;
    if (end < start ? now >= start || now < end : now >= start && now < end) return prices;
  }
  return model.periods[0]!.prices;
}

/** USD for `count` units at `price` per `per` units; a tier applies once the input tokens pass its start. */
function charge(price: UnitPrice | undefined, count: number, inputTokens: number, per: number): number {
  if (price === undefined || count <= 0) return 0;
  let rate = typeof price === 'number' ? price : price.base;
  if (typeof price !== 'number') for (const tier of price.tiers) if (inputTokens > tier.start) rate = tier.price;
  return (rate * count) / per;
}

/**
 * The cost in USD of one attempt. Cache reads and writes are part of `input`; those without a price of
 * their own stay in it and are paid at the input price, and reasoning tokens likewise at the output price.
 */
export function costOf(prices: ModelPrices, t: PricedTokens): number {
  const input = t.inputTokens;
  const cacheRead = prices.cache_read_mtok === undefined ? 0 : t.cacheReadTokens;
  const cacheWrite = prices.cache_write_mtok === undefined ? 0 : t.cacheWriteTokens;
  const reasoning = prices.output_reasoning_mtok === undefined ? 0 : Math.min(t.reasoningTokens, t.outputTokens);
  const M = 1e6;
  return (
    charge(prices.input_mtok, Math.max(0, input - cacheRead - cacheWrite), input, M) +
    charge(prices.cache_read_mtok, cacheRead, input, M) +
    charge(prices.cache_write_mtok, cacheWrite, input, M) +
    charge(prices.output_mtok, t.outputTokens - reasoning, input, M) +
    charge(prices.output_reasoning_mtok, reasoning, input, M) +
    charge(prices.requests_kcount, 1, input, 1000)
  );
}

const MAX_RESOLVED = 4096;

/**
 * Prices attempts: the user's own prices (`provider:model`, then `provider:*`) win over the bundled table.
 * What a (provider, model) pair resolves to is remembered, so the table's match rules run once per pair and
 * pricing an attempt is two map lookups and a few multiplies.
 */
export class PriceBook {
  /** By provider, then model: the request's own model string is the key, so no `provider:model` is built per attempt. */
  private readonly resolved = new Map<string, Map<string, IndexModel | null>>();
  private resolvedCount = 0;

  constructor(private readonly own: ReadonlyMap<string, ModelPrices>) {}

  /** The prices for a model at a time; undefined when neither the user nor the table knows them. */
  lookup(providerId: string, model: string, timeMs: number): ModelPrices | undefined {
    const own = this.own.size === 0 ? undefined : (this.own.get(`${providerId}:${model}`) ?? this.own.get(`${providerId}:*`));
    if (own) return own;
    let models = this.resolved.get(providerId);
    let entry = models?.get(model);
    if (entry === undefined) {
      if (this.resolvedCount >= MAX_RESOLVED) {
        this.resolved.clear();
        this.resolvedCount = 0;
        models = undefined;
      }
      if (!models) this.resolved.set(providerId, (models = new Map()));
      entry = builtinModel(providerId, model) ?? null;
      models.set(model, entry);
      this.resolvedCount++;
    }
    return entry ? pricesAt(entry, timeMs) : undefined;
  }

  /** The attempt's cost in USD, or null when its price or its tokens are unknown. */
  cost(providerId: string, model: string, timeMs: number, tokens: PricedTokens | null): number | null {
    if (!tokens) return null;
    const prices = this.lookup(providerId, model, timeMs);
    return prices ? costOf(prices, tokens) : null;
  }
}

export type StoredPrice = Omit<OwnPrice, 'providerId' | 'modelId'>;

/** Every price of the user's own, by provider:model, from the settings they are stored in (those under PRICE_SETTING_PREFIX). */
export function ownPricesFrom(stored: Record<string, string>): OwnPrice[] {
  return Object.entries(stored)
    .map(([name, value]) => {
      const spec = name.slice(PRICE_SETTING_PREFIX.length);
      const colon = spec.indexOf(':');
      return { providerId: spec.slice(0, colon), modelId: spec.slice(colon + 1), ...(JSON.parse(value) as StoredPrice) };
    })
    .sort((a, b) => `${a.providerId}:${a.modelId}`.localeCompare(`${b.providerId}:${b.modelId}`));
}

/** An own price in the price table's terms: a cache price left out is paid at the input price. */
export function modelPrices(p: OwnPrice): ModelPrices {
  return {
    input_mtok: p.input,
    output_mtok: p.output,
    ...(p.cacheRead === null ? {} : { cache_read_mtok: p.cacheRead }),
    ...(p.cacheWrite === null ? {} : { cache_write_mtok: p.cacheWrite }),
  };
}

/** The gateway's price book: the user's prices by `provider:model` (or `provider:*`) over the bundled table. */
export function priceBook(own: readonly OwnPrice[]): PriceBook {
  return new PriceBook(new Map(own.map((p) => [`${p.providerId}:${p.modelId}`, modelPrices(p)])));
}
