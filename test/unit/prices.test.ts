import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calcPrice, findProvider } from '@pydantic/genai-prices';
import { builtinModel, costOf, PriceBook, pricesAt, type PricedTokens } from '../../src/core/price-book.js';

/** The model names a table entry's match rules spell out (equals, starts_with), lowercased. */
function namesIn(match: any): string[] {
  if (match.or) return match.or.flatMap(namesIn);
  if (match.and) return [];
  return [match.equals ?? match.starts_with].filter((n): n is string => typeof n === 'string');
}

const TABLE_ID: Record<string, string> = { 'z-ai': 'zai' };
function tokens(inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0, reasoningTokens = 0): PricedTokens {
  return { inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, reasoningTokens };
}

const USAGES: PricedTokens[] = [
  tokens(1_000, 200, 300, 100, 50),
  tokens(250_000, 4_000),
  tokens(7, 0),
];

/** How many (model, usage) prices agree with the library's for one provider at one time; throws on the first that does not. */
function compareProvider(provider: string, at: Date): number {
  const tableId = TABLE_ID[provider] ?? provider;
  const names = new Set<string>();
  for (const m of (findProvider({ providerId: tableId })?.models ?? []) as any[]) for (const n of namesIn(m.match)) names.add(n);
  assert.ok(names.size > 0, `${provider} has models in the table`);
  let compared = 0;
  for (const name of names) {
    const entry = builtinModel(provider, name);
    for (const u of USAGES) {
      const usage = {
        input_tokens: u.inputTokens,
        output_tokens: u.outputTokens,
        cache_read_tokens: u.cacheReadTokens,
        cache_write_tokens: u.cacheWriteTokens,
        output_reasoning_tokens: u.reasoningTokens,
      };
      const theirs = calcPrice(usage, name, { providerId: tableId, timestamp: at });
      if (!theirs) {
        assert.equal(entry, undefined, `${provider}:${name} is unpriced in both`);
        continue;
      }
      assert.ok(entry, `${provider}:${name} is in the index`);
      const ours = costOf(pricesAt(entry, at.getTime()), u);
      assert.ok(Math.abs(ours - theirs.total_price) <= 1e-12 + theirs.total_price * 1e-9, `${provider}:${name} ${JSON.stringify(u)}: ${ours} vs ${theirs.total_price}`);
      compared++;
    }
  }
  return compared;
}

test('the derived index prices every named model of every mapped provider as @pydantic/genai-prices does', () => {
  let compared = 0;
  // Midday and night UTC: DeepSeek's prices depend on the time of day.
  for (const at of [new Date('2026-09-01T12:00:00Z'), new Date('2026-09-01T03:00:00Z')]) {
    for (const provider of ['openai', 'anthropic', 'google', 'deepseek', 'groq', 'moonshotai', 'z-ai', 'openrouter']) compared += compareProvider(provider, at);
  }
  assert.ok(compared > 1000, `compared ${compared} prices`);
});

test('a price of the user wins over the table, a provider-wide one covers the rest, unknown is undefined', () => {
  const book = new PriceBook(
    new Map([
      ['openai:gpt-4o-mini', { input_mtok: 1, output_mtok: 2 }],
      ['ollama:*', { input_mtok: 0, output_mtok: 0 }],
    ]),
  );
  const million = tokens(1_000_000, 1_000_000);
  assert.equal(book.cost('openai', 'gpt-4o-mini', Date.now(), million), 3);
  assert.equal(book.cost('openai', 'gpt-4o', Date.now(), million), 2.5 + 10);
  assert.equal(book.cost('ollama', 'llama3', Date.now(), million), 0);
  assert.equal(book.cost('my-vllm', 'llama3', Date.now(), million), null);
  assert.equal(book.cost('hyperbolic', 'meta-llama/Llama-3.3-70B-Instruct', Date.now(), million), null);
  assert.equal(book.cost('openai', 'gpt-4o-mini', Date.now(), null), null, 'unknown tokens, unknown cost');
});

test('cache tokens without a price of their own are paid at the input price', () => {
  const cached = tokens(1_000_000, 0, 400_000, 100_000);
  assert.equal(costOf({ input_mtok: 1, output_mtok: 1 }, cached), 1);
  assert.equal(costOf({ input_mtok: 1, cache_read_mtok: 0.1, cache_write_mtok: 2 }, cached), 0.5 + 0.04 + 0.2);
});

test('compact dates in a model name are found under their dashed form', () => {
  assert.ok(builtinModel('openai', 'gpt-4o-mini-20240718'));
  assert.ok(builtinModel('z-ai', 'GLM-5.2'), "z-ai maps to the table's zai");
});
