// Derives the gateway's price index from @pydantic/genai-prices at build time: for each built-in provider
// the table knows, its models' match rules and the per-token prices aigw uses, and nothing else (no
// descriptions, extractors, audio or image prices). The daemon loads this JSON, not the library: the
// library costs tens of MB of RSS and tens of µs per price; the index is a lookup and a few multiplies.
import { findProvider } from '@pydantic/genai-prices';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const OUT = 'dist/src/core/price-index.json';
/** aigw's built-in provider ids that the table names differently; hyperbolic and inference-net it has not. */
const TABLE_ID = { 'z-ai': 'zai' };
const BUILTINS = ['openai', 'anthropic', 'google', 'deepseek', 'groq', 'moonshotai', 'z-ai', 'openrouter', 'hyperbolic', 'inference-net'];
/** The price keys aigw's token counts can pay for, per million tokens (requests_kcount per thousand requests). */
const KEYS = ['input_mtok', 'output_mtok', 'cache_read_mtok', 'cache_write_mtok', 'output_reasoning_mtok', 'requests_kcount'];

/** `HH:MM:SS(.fff)` with `Z` or an offset, as seconds of the UTC day: the daemon then compares numbers. */
function utcSeconds(text) {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) throw new Error(`unexpected time of day in the price table: ${text}`);
  const local = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(`0.${m[4] ?? ''}`);
  const offset = m[5] === 'Z' ? 0 : (m[6] === '+' ? 1 : -1) * (Number(m[7]) * 3600 + Number(m[8]) * 60);
  return (local - offset + 86400) % 86400;
}
function constraint(c) {
  if (c.type === 'time_of_date') return { type: 'time_of_date', start: utcSeconds(c.start_time), end: utcSeconds(c.end_time) };
  return { type: 'start_date', startMs: Date.parse(`${c.start_date}T00:00:00Z`) };
}
const pick = (prices) => Object.fromEntries(KEYS.filter((k) => prices[k] !== undefined).map((k) => [k, prices[k]]));
const periods = (prices) =>
  Array.isArray(prices) ? prices.map((p) => ({ ...(p.constraint ? { when: constraint(p.constraint) } : {}), prices: pick(p.prices) })) : [{ prices: pick(prices) }];

const tables = {};
const providers = {};
function addTable(id) {
  if (tables[id]) return;
  const provider = findProvider({ providerId: id });
  if (!provider || provider.id !== id) return;
  tables[id] = {
    fallbacks: provider.fallback_model_providers ?? [],
    models: provider.models.map((m) => ({ match: m.match, periods: periods(m.prices) })),
  };
  for (const fallback of tables[id].fallbacks) addTable(fallback);
}
for (const builtin of BUILTINS) {
  const id = TABLE_ID[builtin] ?? builtin;
  addTable(id);
  if (tables[id]) providers[builtin] = id;
}
const version = JSON.parse(readFileSync('node_modules/@pydantic/genai-prices/package.json', 'utf8')).version;
mkdirSync('dist/src/daemon/gateway', { recursive: true });
writeFileSync(OUT, JSON.stringify({ source: `@pydantic/genai-prices ${version}`, providers, tables }));
