import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTime } from '../../src/cli/commands/usage.js';
import { isRetryable } from '../../src/daemon/gateway/attempt.js';
import { cooldownMs } from '../../src/daemon/gateway/proxy.js';
import { isAllowed, keysFor, resolveModel, resolveTargets } from '../../src/daemon/gateway/resolve.js';
import { emptySnapshot, type GatewayAccessKey, type GatewayProvider, type GatewayProviderKey, type RouterStep, type RoutingSnapshot } from '../../src/daemon/gateway/snapshot.js';
import { defaultGatewaySettings, GATEWAY_DEFAULTS } from '../../src/core/gateway-config.js';
import { PriceBook } from '../../src/core/price-book.js';
import { MaskedSecret } from '../../src/daemon/gateway/secret-cache.js';
import { forwardedResponseHeaders, upstreamRequestHeaders } from '../../src/daemon/gateway/upstream.js';
import { foldUsage, noTokens, SseUsageScanner } from '../../src/daemon/gateway/usage.js';

const provider = (id: string, extra: Partial<GatewayProvider> = {}): GatewayProvider => ({
  id,
  resourceId: null,
  name: id,
  baseUrl: `https://${id}.example/v1`,
  formats: ['openai'],
  auth: 'bearer',
  models: [],
  ...extra,
});
const key = (id: string, providerId: string, accessKeyId: string | null): GatewayProviderKey => ({
  id,
  providerId,
  name: '',
  keyRedacted: '***',
  accessKeyId,
  secretRef: id,
  disabled: false,
});

function snapshot(keys: GatewayProviderKey[]): RoutingSnapshot {
  const providers = new Map([
    ['openai', provider('openai')],
    ['anthropic', provider('anthropic', { formats: ['anthropic', 'openai'], auth: 'x-api-key' })],
    ['ollama', provider('ollama', { resourceId: 'aigp_x', models: ['llama3'] })],
  ]);
  const byProvider = new Map<string, GatewayProviderKey[]>();
  for (const k of keys) byProvider.set(k.providerId, [...(byProvider.get(k.providerId) ?? []), k]);
  return { accessKeys: new Map(), previousTokens: new Map(), providers, keys: new Map(keys.map((k) => [k.id, k])), keysByProvider: byProvider, settings: defaultGatewaySettings(), prices: new PriceBook(new Map()) };
}
const open: GatewayAccessKey = { id: 'aigk_me', limits: null, access: {}, rules: [], caps: { maxInputTokens: null, maxOutputTokens: null }, expiresAtMs: null, disabled: false };
const step = (keys: string[], strategy: RouterStep['strategy'] = 'ordered', weights?: number[]): RouterStep => ({ strategy, keys, weights, position: { next: 0 } });

test('model names resolve by provider:model, provider/model, custom model lists and the catalog', () => {
  const snap = snapshot([]);
  assert.equal(resolveModel(snap, 'openai:gpt-4o').label, 'openai:gpt-4o');
  assert.equal(resolveModel(snap, 'anthropic/claude-x').label, 'anthropic:claude-x');
  assert.equal(resolveModel(snap, 'claude-sonnet-4-5').label, 'anthropic:claude-sonnet-4-5');
  assert.equal(resolveModel(snap, 'gpt-4o-mini').label, 'openai:gpt-4o-mini');
  assert.equal(resolveModel(snap, 'llama3').label, 'ollama:llama3');
  assert.equal(resolveModel(snap, 'aigp_x:llama3').label, 'ollama:llama3');
  assert.throws(() => resolveModel(snap, 'mystery-model'), /provider:model/);
  assert.throws(() => resolveModel(snap, 'nope:gpt-4o'), /unknown provider "nope"/);
});

test('access rules: omitted allows everything, empty allows nothing, models match in any spelling', () => {
  const t = resolveModel(snapshot([]), 'openai:gpt-4o');
  assert.equal(isAllowed({}, t), true);
  assert.equal(isAllowed({ providers: [] }, t), false);
  assert.equal(isAllowed({ providers: ['anthropic'] }, t), false);
  for (const m of ['openai:gpt-4o', 'openai/gpt-4o', 'gpt-4o']) assert.equal(isAllowed({ models: [m] }, t), true);
  assert.equal(isAllowed({ models: ['openai:gpt-4o-mini'] }, t), false);
});

test('targets: the fallback list is checked in full before anything is tried', () => {
  const snap = snapshot([]);
  const limited: GatewayAccessKey = { ...open, access: { models: ['gpt-4o'] } };
  assert.throws(() => resolveTargets(snap, limited, ['gpt-4o', 'claude-x'], 'openai'), /may not use anthropic:claude-x/);
  assert.throws(() => resolveTargets(snap, open, ['gpt-4o'], 'anthropic'), /does not speak the anthropic API/);
  assert.throws(() => resolveTargets(snap, open, [], 'openai'), /no "model"/);
  assert.deepEqual(resolveTargets(snap, open, ['gpt-4o', 'openai:gpt-4o', 'claude-x'], 'openai').map((t) => t.label), [
    'openai:gpt-4o',
    'anthropic:claude-x',
  ]);
});

test("keys: the access key's own first, then account-wide, in creation order; never another access key's", () => {
  const keys = [key('k1', 'openai', null), key('k2', 'openai', 'aigk_other'), key('k3', 'openai', 'aigk_me'), key('k4', 'openai', null)];
  const snap = snapshot(keys);
  const t = resolveModel(snap, 'gpt-4o');
  assert.deepEqual(keysFor(snap, open, t).map((k) => k.id), ['k3', 'k1', 'k4']);
  const routed: GatewayAccessKey = { ...open, rules: [{ provider: 'openai', steps: [step(['k4']), step(['k2', 'k1'])] }, { model: 'openai:gpt-4o', steps: [step(['k1'])] }] };
  assert.deepEqual(keysFor(snap, routed, t).map((k) => k.id), ['k1'], 'a model rule wins over a provider rule');
  assert.deepEqual(keysFor(snap, routed, resolveModel(snap, 'gpt-4.1')).map((k) => k.id), ['k4', 'k2', 'k1']);
});

test('key selection: round-robin and weighted pick the first key, the rest follow in order; disabled keys are left out', () => {
  const keys = ['a', 'b', 'c', 'd'].map((id) => key(id, 'openai', null));
  const snap = snapshot(keys);
  const t = resolveModel(snap, 'gpt-4o');
  const ids = (accessKey: GatewayAccessKey, options = {}) => keysFor(snap, accessKey, t, options).map((k) => k.id).join('');
  const roundRobin: GatewayAccessKey = { ...open, rules: [{ provider: 'openai', steps: [step(['a', 'b', 'c'], 'roundRobin'), step(['d'])] }] };
  assert.deepEqual([1, 2, 3, 4].map(() => ids(roundRobin)), ['abcd', 'bacd', 'cabd', 'abcd']);
  assert.equal(ids(roundRobin, { pick: false }), 'abcd', 'listing models moves no position');
  const weighted: GatewayAccessKey = { ...open, rules: [{ provider: 'openai', steps: [step(['a', 'b', 'c'], 'weighted', [1, 2, 1])] }] };
  assert.equal(ids(weighted, { random: () => 0 }), 'abc');
  assert.equal(ids(weighted, { random: () => 0.3 }), 'bac');
  assert.equal(ids(weighted, { random: () => 0.99 }), 'cab');
  keys[1]!.disabled = true;
  assert.equal(ids(weighted, { random: () => 0.3 }), 'ac', 'a disabled key is skipped as if absent');
  assert.equal(ids(weighted, { random: () => 0.6 }), 'ca', 'the weights of the keys left decide');
  assert.equal(ids(open), 'acd');
  assert.equal(ids(open, { withDisabled: true }), 'abcd');
});

test('failover statuses and 429 cool-downs', () => {
  for (const s of [401, 403, 429, 500, 502, 503]) assert.equal(isRetryable(s), true, String(s));
  for (const s of [200, 400, 404, 409, 422]) assert.equal(isRetryable(s), false, String(s));
  assert.equal(cooldownMs('2'), 2000);
  assert.equal(cooldownMs('3600'), 60_000, 'capped');
  assert.equal(cooldownMs(undefined), 10_000);
  const now = Date.parse('2025-01-01T00:00:00Z');
  assert.equal(cooldownMs('Wed, 01 Jan 2025 00:00:05 GMT', now), 5000);
});

test('upstream headers: an allowlist plus the provider key in the header the provider expects', () => {
  const incoming = { authorization: 'Bearer aigw_client', 'x-api-key': 'aigw_client', cookie: 'a=b', 'content-type': 'application/json', 'anthropic-beta': 'x' };
  const bearer = upstreamRequestHeaders(incoming, provider('openai'), 'sk-secret');
  assert.deepEqual(bearer, { 'content-type': 'application/json', 'anthropic-beta': 'x', authorization: 'Bearer sk-secret' });
  const anthropic = upstreamRequestHeaders(incoming, provider('anthropic', { auth: 'x-api-key' }), 'sk-ant');
  assert.equal(anthropic['x-api-key'], 'sk-ant');
  assert.equal(anthropic.authorization, undefined);
  assert.equal(anthropic['anthropic-version'], '2023-06-01');
  assert.deepEqual(upstreamRequestHeaders(incoming, provider('ollama'), undefined), { 'content-type': 'application/json', 'anthropic-beta': 'x' });
});

test('usage: token counts from OpenAI, Responses and Anthropic documents and streams', () => {
  const chat = noTokens();
  foldUsage(chat, { choices: [{ finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 1 }, completion_tokens_details: { reasoning_tokens: 2 } } });
  assert.deepEqual(chat, { inputTokens: 3, outputTokens: 4, cacheReadTokens: 1, cacheWriteTokens: 0, reasoningTokens: 2, stopReason: 'stop', reported: true });
  const responses = noTokens();
  foldUsage(responses, { type: 'response.completed', response: { status: 'completed', usage: { input_tokens: 5, output_tokens: 6 } } });
  assert.deepEqual([responses.inputTokens, responses.outputTokens, responses.stopReason], [5, 6, 'completed']);

  const streamed = noTokens();
  const scanner = new SseUsageScanner(streamed);
  const text =
    'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":9,"cache_read_input_tokens":2,"cache_creation_input_tokens":3,"output_tokens":1}}}\n\n' +
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":4}}\n\ndata: [DONE]\n\n';
  // Split mid-line, as the network does.
  scanner.feed(Buffer.from(text.slice(0, 50)));
  scanner.feed(Buffer.from(text.slice(50)));
  // Anthropic's input_tokens leaves its cache reads and writes out; aigw's inputTokens counts them.
  assert.deepEqual(streamed, { inputTokens: 14, outputTokens: 4, cacheReadTokens: 2, cacheWriteTokens: 3, reasoningTokens: 0, stopReason: 'end_turn', reported: true });

  const none = noTokens();
  foldUsage(none, { choices: [{ delta: {}, finish_reason: null }], usage: null });
  assert.equal(none.reported, false, 'a chunk with "usage": null reports nothing');
});

test('usage --start-time takes RFC 3339 or a span back from now', () => {
  const now = Date.parse('2025-01-02T00:00:00Z');
  assert.equal(parseTime('--start-time', '24h', now), '2025-01-01T00:00:00.000Z');
  assert.equal(parseTime('--start-time', '2025-01-01T12:00:00+02:00'), '2025-01-01T10:00:00.000Z');
  assert.equal(parseTime('--start-time', undefined), undefined);
  assert.throws(() => parseTime('--start-time', 'yesterday'), /RFC 3339/);
});

test('a cached key is held masked: no run of its bytes in memory, the value back on reveal', () => {
  const value = 'sk-proj-0123456789abcdefghijklmnopqrstuvwxyz';
  const secret = new MaskedSecret(value);
  const held = Object.values(secret as unknown as Record<string, Buffer>);
  assert.equal(held.length, 2, 'a pad and the masked value');
  for (const buffer of held) {
    assert.ok(!buffer.toString('latin1').includes(value.slice(8, 16)), 'no 8-byte run of the key is held as is');
  }
  assert.equal(secret.reveal(), value);
  assert.equal(secret.reveal(), value, 'revealing does not consume it');
  assert.notDeepEqual(new MaskedSecret(value), secret, 'each value gets its own pad');
});

test('upstream response headers: only the allowlist reaches the client, as a flat list', () => {
  const raw = ['Content-Type', 'application/json', 'Set-Cookie', 'a=b', 'X-RateLimit-Remaining-Requests', '9', 'Retry-After', '3', 'Server', 'x', 'x-ratelimit-debug', 'y']
    .map((v) => Buffer.from(v));
  const out = forwardedResponseHeaders(raw, { header: (v) => v });
  assert.deepEqual(out.headers, ['content-type', 'application/json', 'x-ratelimit-remaining-requests', '9', 'retry-after', '3']);
  assert.equal(out.contentType, 'application/json');
  assert.equal(out.retryAfter, '3');
});

test('until the stored settings are read, the gateway uses the documented default timeouts (10m and 5m)', () => {
  assert.deepEqual({ ...GATEWAY_DEFAULTS }, { totalTimeout: '10m', perRequestTimeout: '5m' });
  const { totalTimeoutMs, perRequestTimeoutMs } = emptySnapshot().settings;
  assert.deepEqual({ totalTimeoutMs, perRequestTimeoutMs }, { totalTimeoutMs: 600_000, perRequestTimeoutMs: 300_000 });
});
