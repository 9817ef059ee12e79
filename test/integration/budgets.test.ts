import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { MockUpstream, type Behaviour } from '../helpers/mock-upstream.js';
import { newId } from '../../src/core/ids.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { UsagePacker } from '../../src/store/usage-batch.js';

/**
 * Budgets and rate limits through the real daemon, the official SDKs and the mock upstream, whose answers
 * report usage: a chat completion is 11 input and 5 output tokens, an Anthropic message 12 and 6. With the
 * prices set below, one chat completion costs $0.021 and one message $0.024. The daemon's clock reads the
 * time from a file (AIGW_TEST_CLOCK_FILE), so a test crosses a period or a rate window by writing it.
 */
const CHAT_USD = 0.021;
const MESSAGE_USD = 0.024;

let home: TestHome;
let mock: MockUpstream;
let gatewayUrl: string;
let clockFile: string;
let clockDir: string;

const setClock = (iso: string) => writeFileSync(clockFile, iso);

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  clockDir = mkdtempSync(join(tmpdir(), 'aigw-clock-'));
  clockFile = join(clockDir, 'now');
  setClock('2030-01-31T23:50:00.000Z');
  home = new TestHome({ AIGW_TEST_CLOCK_FILE: clockFile });
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--provider-base-url', `anthropic=${mock.baseUrl}`]);
  await home.json(['prices', 'set', 'openai:gpt-4o-mini', '--input-price', '1000', '--output-price', '2000']);
  await home.json(['prices', 'set', 'anthropic:claude-3-5-haiku-latest', '--input-price', '1000', '--output-price', '2000']);
  gatewayUrl = await home.gatewayUrl();
});

after(async () => {
  await home.cleanup();
  await mock.close();
  rmSync(clockDir, { recursive: true, force: true });
});

interface Keys {
  id: string;
  token: string;
  openaiKey: string;
  anthropicKey: string;
}

/** An access key with its own OpenAI and Anthropic provider keys attached, created with these CLI flags. */
async function accessKey(flags: string[], behaviour: Behaviour = {}): Promise<Keys> {
  const access = await home.json(['access-keys', 'create', ...flags]);
  const keys = { id: access.id, token: access.token, openaiKey: fakeKey(), anthropicKey: fakeKey('sk-ant-api03-') };
  mock.accept(keys.openaiKey, keys.anthropicKey);
  mock.set(keys.openaiKey, behaviour);
  mock.set(keys.anthropicKey, behaviour);
  await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: keys.openaiKey });
  await home.json(['provider-keys', 'create', '--provider-id', 'anthropic', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: keys.anthropicKey });
  return keys;
}

const openai = (k: Keys) => new OpenAI({ apiKey: k.token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0 });
const anthropic = (k: Keys) => new Anthropic({ apiKey: k.token, baseURL: gatewayUrl, maxRetries: 0 });
const hello = [{ role: 'user' as const, content: 'hi' }];
const chat = (k: Keys, model = 'gpt-4o-mini') => openai(k).chat.completions.create({ model, messages: hello });
const message = (k: Keys) => anthropic(k).messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 64, messages: hello });

/** The error a call failed with (it must fail). */
async function failure(call: Promise<unknown>): Promise<any> {
  try {
    await call;
  } catch (err) {
    return err;
  }
  assert.fail('the request was expected to be refused');
}

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('a key budget refuses the request after the one that crossed it, in both API shapes, and resets at the period boundary', async () => {
  setClock('2030-01-31T23:50:00.000Z');
  const k = await accessKey(['--budget', '0.05', '--budget-period', 'day', '--budget-soft', '0.03']);
  await chat(k);
  await chat(k);
  await chat(k); // $0.042 spent before it: still under $0.05, so it runs and crosses the budget.
  const spent = (await home.json(['access-keys', 'get', k.id])).spend;
  assert.ok(close(spent.spentUsd, 3 * CHAT_USD), JSON.stringify(spent));
  assert.deepEqual([spent.budgetReached, spent.softLimitReached, spent.resetsAt], [true, true, '2030-02-01T00:00:00.000Z']);

  const refused = await failure(chat(k));
  assert.equal(refused.status, 402);
  assert.equal(refused.code, 'ERR_AIGW_30030');
  assert.equal(refused.type, 'insufficient_quota');
  assert.match(refused.message, new RegExp(`daily budget of access key ${k.id} is spent.*resets at 2030-02-01T00:00:00.000Z`));
  const refusedAnthropic = await failure(message(k));
  assert.equal(refusedAnthropic.status, 402);
  assert.equal(refusedAnthropic.error.error.type, 'billing_error');
  assert.equal(refusedAnthropic.error.error.code, 'ERR_AIGW_30030');
  assert.equal(mock.seen(k.openaiKey).length, 3, 'no upstream call for a refused request');
  assert.equal(mock.seen(k.anthropicKey).length, 0);
  const list = (await home.json(['access-keys', 'list', '--all'])).aiGatewayAccessKeys.find((x: any) => x.id === k.id);
  assert.equal(list.spend.budgetReached, true, 'list shows the budget is reached');

  setClock('2030-02-01T00:00:05.000Z');
  await chat(k);
  await message(k);
  const next = (await home.json(['access-keys', 'get', k.id])).spend;
  assert.ok(close(next.spentUsd, CHAT_USD + MESSAGE_USD), JSON.stringify(next));
  assert.equal(next.periodStart, '2030-02-01T00:00:00.000Z');

  // One warning per period: after the second request of the first day, and once more on the second day.
  const warnings = await home.logLines(`budget of access key ${k.id} passed its soft limit`, 2);
  assert.equal(warnings.length, 2, warnings.join('\n'));
});

test('the spend of a period survives a daemon restart: it is counted from the Store', async () => {
  setClock('2030-08-01T10:00:00.000Z');
  const k = await accessKey(['--budget', '0.03', '--budget-period', 'month']);
  await chat(k);
  await chat(k);
  await home.inProcess(['daemon', 'stop']);
  gatewayUrl = await home.gatewayUrl();
  const spend = (await home.json(['access-keys', 'get', k.id])).spend;
  assert.ok(close(spend.spentUsd, 2 * CHAT_USD), JSON.stringify(spend));
  assert.equal((await failure(chat(k))).code, 'ERR_AIGW_30030');
});

test('a one-off allowance (period none) never resets', async () => {
  setClock('2030-07-01T10:00:00.000Z');
  const k = await accessKey(['--budget', '0.03', '--budget-period', 'none']);
  await chat(k);
  await chat(k);
  setClock('2031-09-01T10:00:00.000Z');
  const refused = await failure(chat(k));
  assert.equal(refused.code, 'ERR_AIGW_30030');
  assert.match(refused.message, /one-off budget of access key .* it never resets/);
  const spend = (await home.json(['access-keys', 'get', k.id])).spend;
  assert.deepEqual([spend.periodStart, spend.resetsAt, spend.budgetReached], [null, null, true]);
});

test('a configuration budget is shared by the keys linked to it, and its refusal names the configuration', async () => {
  setClock('2030-03-10T12:00:00.000Z');
  const config = await home.json(['configs', 'create', '--name', 'team', '--budget', '0.03', '--budget-period', 'week']);
  const a = await accessKey(['--access-key-configuration-id', config.id]);
  const b = await accessKey(['--access-key-configuration-id', config.id]);
  await chat(a);
  await chat(b); // $0.021 before it: under $0.03.
  for (const k of [a, b]) {
    const refused = await failure(chat(k));
    assert.equal(refused.code, 'ERR_AIGW_30030');
    assert.match(refused.message, new RegExp(`weekly budget of configuration ${config.id} is spent.*resets at 2030-03-11T00:00:00.000Z`));
  }
  const shown = await home.json(['configs', 'get', config.id]);
  assert.ok(close(shown.spend.spentUsd, 2 * CHAT_USD));
  assert.equal(shown.spend.periodStart, '2030-03-04T00:00:00.000Z', 'an ISO week starts on Monday, UTC');
  assert.equal(mock.seen(a.openaiKey).length + mock.seen(b.openaiKey).length, 2);
  // `access-keys get` shows the configuration's budget beside the key's own.
  const got = await home.run(['access-keys', 'get', a.id]);
  assert.match(got.stdout, /configurationLimits\.spend\t\$0\.04 spent, \$0\.00 left, resets 2030-03-11T00:00:00\.000Z — budget reached/);
  // Raising the budget lets them through again, at once.
  await home.json(['configs', 'update', config.id, '--budget', '1']);
  await chat(a);
});

test('50 parallel requests against a budget of about one request let one through', async () => {
  setClock('2030-04-01T08:00:00.000Z');
  const k = await accessKey(['--budget', String(CHAT_USD * 1.5), '--budget-period', 'month'], { delayMs: 100 });
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => chat(k)));
  const passed = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code);
  assert.equal(passed, 1, `passed: ${passed}`);
  assert.deepEqual(new Set(refused), new Set(['ERR_AIGW_30030']));
  assert.equal(mock.seen(k.openaiKey).length, 1);
  const spend = (await home.json(['access-keys', 'get', k.id])).spend;
  assert.ok(spend.spentUsd <= CHAT_USD * 1.5 + CHAT_USD, `spent ${spend.spentUsd}: over the budget by more than one request`);
  assert.equal(spend.reservedUsd, 0, 'every reservation is released');
});

test('a budgeted key refuses a model without a price and says how to set one; an unbudgeted key is not held back', async () => {
  setClock('2030-05-01T08:00:00.000Z');
  const k = await accessKey(['--budget', '5']);
  const refused = await failure(chat(k, 'gpt-unpriced-mock'));
  assert.equal(refused.status, 400);
  assert.equal(refused.code, 'ERR_AIGW_30031');
  assert.match(refused.message, /aigw prices set openai:gpt-unpriced-mock/);
  assert.equal(mock.seen(k.openaiKey).length, 0);
  await home.json(['prices', 'set', 'openai:gpt-unpriced-mock', '--input-price', '1', '--output-price', '1']);
  await chat(k, 'gpt-unpriced-mock');
  const free = await accessKey([]);
  await chat(free, 'gpt-another-unpriced');
});

/** Polls until `check` holds (the daemon records what a request did just after answering it). */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(what);
}

test('a stream the client leaves before its usage is reported is charged its reservation', async () => {
  setClock('2030-05-02T08:00:00.000Z');
  const k = await accessKey(['--budget', '10'], { slowMs: 20 });
  const stream = await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true, max_tokens: 100 });
  for await (const _chunk of stream) {
    stream.controller.abort();
    break;
  }
  // Reserved: 2 characters of input and 100 output tokens, at $1000 and $2000 per million.
  const reservation = 2 * 0.001 + 100 * 0.002;
  await eventually(async () => (await home.json(['access-keys', 'get', k.id])).spend.spentUsd > 0, 'the abandoned stream was charged');
  const spend = (await home.json(['access-keys', 'get', k.id])).spend;
  assert.ok(close(spend.spentUsd, reservation), JSON.stringify(spend));
  assert.equal(spend.reservedUsd, 0);
});

test("another daemon's attempts in the shared Store count against the budget within seconds", async () => {
  setClock('2030-05-03T08:00:00.000Z');
  const k = await accessKey(['--budget', '0.05']);
  // A second writer on the same database, as a replica sharing a PostgreSQL Store would be.
  const replica = new SqliteStore(join(home.dir, 'data', 'aigw.db'));
  try {
    const timeMs = Date.parse('2030-05-03T08:00:01.000Z');
    const packer = new UsagePacker();
    packer.add({
      id: newId('usageEvent', timeMs), timeMs, requestId: 'req_replica', accessKeyId: k.id, provider: 'openai', model: 'gpt-4o-mini',
      attemptNumber: 1, isFinalAttempt: true, statusCode: 200, timedOut: false, isError: false, isStreaming: false, stopReason: 'stop',
      inputTokens: 40, outputTokens: 4, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, tokensKnown: true, costUsd: 0.048,
      providerKeyId: null, providerKeyRedacted: null, latencyMs: 5, error: null, keySource: 'user',
    });
    await replica.appendUsage(packer.take());
  } finally {
    await replica.close();
  }
  setClock('2030-05-03T08:00:10.000Z');
  await chat(k); // Admitted on what this daemon knew; it reads the Store again, as its count is older than 5 s.
  await eventually(async () => (await home.json(['access-keys', 'get', k.id])).spend.spentUsd > 0.06, 'the replica\'s spend was read');
  const refused = await failure(chat(k));
  assert.equal(refused.code, 'ERR_AIGW_30030');
  assert.equal(mock.seen(k.openaiKey).length, 1);
});

/** The Retry-After header of a refused SDK call, in seconds. */
const retryAfter = (err: any) => Number(err.headers?.get?.('retry-after') ?? err.headers?.['retry-after']);

test('requests per minute: 429 with Retry-After, no upstream call, no key used up; the window moves with the clock', async () => {
  setClock('2030-06-01T10:00:00.000Z');
  const k = await accessKey(['--rpm', '2']);
  await chat(k);
  await message(k);
  const refused = await failure(chat(k));
  assert.equal(refused.status, 429);
  assert.equal(refused.code, 'ERR_AIGW_30032');
  assert.ok(retryAfter(refused) >= 1 && retryAfter(refused) <= 60, `Retry-After ${retryAfter(refused)}`);
  const refusedAnthropic = await failure(message(k));
  assert.equal(refusedAnthropic.status, 429);
  assert.equal(refusedAnthropic.error.error.type, 'rate_limit_error');
  assert.equal(mock.seen(k.openaiKey).length + mock.seen(k.anthropicKey).length, 2);
  const events = (await home.json(['usage', 'list', '--all', '--include-retries', '--access-key-id', k.id])).aiGatewayUsage;
  assert.equal(events.length, 2, 'a refused request is no attempt');
  const use = (await home.json(['access-keys', 'get', k.id])).rateLimitUse;
  assert.deepEqual([use.requestsLastMinute, use.inFlight], [2, 0]);

  setClock('2030-06-01T10:01:01.000Z');
  await chat(k); // The provider key is not resting: nothing counted against it.
});

test('tokens per minute count input plus output as reported', async () => {
  setClock('2030-06-02T10:00:00.000Z');
  const k = await accessKey(['--tpm', '20']);
  await chat(k); // 16 tokens
  await chat(k); // admitted at 16: 32 now
  const refused = await failure(chat(k));
  assert.equal(refused.status, 429);
  assert.equal(refused.code, 'ERR_AIGW_30033');
  assert.ok(retryAfter(refused) >= 1);
  assert.equal(mock.seen(k.openaiKey).length, 2);
  assert.equal((await home.json(['access-keys', 'get', k.id])).rateLimitUse.tokensLastMinute, 32);
});

test('concurrency: the request past maxConcurrent gets 429 at once and the mock never sees it', async () => {
  setClock('2030-06-03T10:00:00.000Z');
  const k = await accessKey(['--max-concurrent', '2'], { delayMs: 400 });
  const results = await Promise.allSettled([chat(k), chat(k), chat(k)]);
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason);
  assert.equal(refused.length, 1);
  assert.equal(refused[0].status, 429);
  assert.equal(refused[0].code, 'ERR_AIGW_30034');
  assert.equal(retryAfter(refused[0]), 1);
  assert.equal(mock.seen(k.openaiKey).length, 2);
  await chat(k); // the slots are free again
});

// The same refusals through the CLI's flags are checked in-process, in test/cli/limits.test.ts.
test('bad budgets and rate limits are refused with a code by the API, and change nothing', async () => {
  const k = await accessKey(['--budget', '10']);
  const config = await home.json(['configs', 'create', '--name', 'limits']);
  const before = await home.snapshot();
  const bodies: [unknown, string][] = [
    [{ budget: { amountUsd: -1, period: 'day' } }, 'ERR_AIGW_10030'],
    [{ budget: { amountUsd: '5', period: 'day' } }, 'ERR_AIGW_10030'],
    [{ budget: { period: 'day' } }, 'ERR_AIGW_10030'],
    [{ budget: { amountUsd: 5, period: 'fortnight' } }, 'ERR_AIGW_10031'],
    [{ budget: { amountUsd: 5, period: 'day', softLimitUsd: 6 } }, 'ERR_AIGW_10032'],
    [{ rateLimits: { requestsPerMinute: 0 } }, 'ERR_AIGW_10033'],
    [{ rateLimits: { maxConcurrent: 'two' } }, 'ERR_AIGW_10033'],
    [{ rateLimits: {} }, 'ERR_AIGW_10033'],
  ];
  for (const [body, code] of bodies) {
    for (const [method, path] of [['POST', '/access-keys'], ['PATCH', `/access-keys/${k.id}`], ['PATCH', `/access-key-configurations/${config.id}`]] as const) {
      const res = await rawApi(home.dir, method, path, JSON.stringify(body));
      assert.equal(res.body?.errorCode, code, `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.status, 422);
    }
  }
  assert.deepEqual(await home.snapshot(), before);
});
