import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayMetrics } from '../../src/daemon/gateway/metrics.js';
import type { UsageDraft } from '../../src/store/types.js';

function attempt(overrides: Partial<UsageDraft> = {}): UsageDraft {
  return {
    id: 'aigue_00000000000000000000000001',
    timeMs: 1_790_000_000_000,
    requestId: 'req_1',
    accessKeyId: 'aigk_1',
    provider: 'openai',
    model: 'gpt-4o-mini',
    attemptNumber: 1,
    isFinalAttempt: true,
    statusCode: 200,
    timedOut: false,
    isError: false,
    isStreaming: false,
    stopReason: 'stop',
    inputTokens: 12,
    outputTokens: 5,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    reasoningTokens: 0,
    tokensKnown: true,
    costUsd: 0.001,
    providerKeyId: 'aigpk_1',
    providerKeyRedacted: 'sk-ab***wxyz',
    latencyMs: 3,
    error: null,
    keySource: 'user',
    ...overrides,
  };
}

/** The value of one sample line of the exposition, or undefined when the line is absent. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const KEY = 'provider="openai",model="gpt-4o-mini",access_key_id="aigk_1"';

test('metrics count what the requests did, each request once however often they are read', async () => {
  const metrics = new GatewayMetrics();
  // A request that failed over: a 429 from the first key, then a 200.
  metrics.request([attempt({ statusCode: 429, isFinalAttempt: false, tokensKnown: false, costUsd: null }), attempt({ attemptNumber: 2 })], 0, 40, 100);
  metrics.error('ERR_AIGW_30001');
  let text = await metrics.registry.metrics();
  assert.equal(sample(text, 'aigw_gateway_requests_total', `${KEY},status="200"`), 1);
  assert.equal(sample(text, 'aigw_gateway_attempts_total', `${KEY},status="429"`), 1);
  assert.equal(sample(text, 'aigw_gateway_attempts_total', `${KEY},status="200"`), 1);
  assert.equal(sample(text, 'aigw_gateway_failovers_total', KEY), 1);
  assert.equal(sample(text, 'aigw_gateway_tokens_total', `${KEY},kind="input"`), 12);
  assert.equal(sample(text, 'aigw_gateway_cost_usd_total', KEY), 0.001);
  assert.equal(sample(text, 'aigw_gateway_errors_total', 'code="ERR_AIGW_30001"'), 1);
  assert.equal(sample(text, 'aigw_gateway_request_duration_seconds_count', 'provider="openai",model="gpt-4o-mini"'), 1);
  assert.equal(sample(text, 'aigw_gateway_time_to_first_byte_seconds_sum', 'provider="openai",model="gpt-4o-mini"'), 0.04);

  metrics.request([attempt()], 0, 10, 20);
  text = await metrics.registry.metrics();
  assert.equal(sample(text, 'aigw_gateway_requests_total', `${KEY},status="200"`), 2, 'a second read adds only what came since');
  assert.equal(sample(text, 'aigw_gateway_tokens_total', `${KEY},kind="input"`), 24);
  assert.equal(sample(text, 'aigw_gateway_cost_usd_total', KEY), 0.002);
  assert.equal(sample(text, 'aigw_gateway_failovers_total', KEY), 1);
  assert.equal(sample(text, 'aigw_gateway_errors_total', 'code="ERR_AIGW_30001"'), 1);
  assert.equal(sample(text, 'aigw_gateway_request_duration_seconds_count', 'provider="openai",model="gpt-4o-mini"'), 2);
  // Buckets are cumulative and hold what is at most their bound: 0.02 s and exactly 0.1 s.
  const bucket = (le: string) => sample(text, 'aigw_gateway_request_duration_seconds_bucket', `le="${le}",provider="openai",model="gpt-4o-mini"`);
  assert.deepEqual(['0.05', '0.1', '0.25', '+Inf'].map(bucket), [1, 2, 2, 2]);
});

test('an unknown cost is not counted, and a known zero cost is shown as zero', async () => {
  const metrics = new GatewayMetrics();
  metrics.request([attempt({ accessKeyId: 'aigk_unpriced', costUsd: null, tokensKnown: false })], 0, undefined, 1);
  metrics.request([attempt({ accessKeyId: 'aigk_free', costUsd: 0 })], 0, undefined, 1);
  const text = await metrics.registry.metrics();
  assert.equal(sample(text, 'aigw_gateway_cost_usd_total', 'provider="openai",model="gpt-4o-mini",access_key_id="aigk_unpriced"'), undefined);
  assert.equal(sample(text, 'aigw_gateway_tokens_total', 'provider="openai",model="gpt-4o-mini",access_key_id="aigk_unpriced",kind="input"'), undefined);
  assert.equal(sample(text, 'aigw_gateway_cost_usd_total', 'provider="openai",model="gpt-4o-mini",access_key_id="aigk_free"'), 0);
  assert.equal(sample(text, 'aigw_gateway_requests_total', 'provider="openai",model="gpt-4o-mini",access_key_id="aigk_unpriced",status="200"'), 1);
});
