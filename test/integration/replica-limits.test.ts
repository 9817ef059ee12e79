// Rate limits and budgets counted once across two replicas (two daemons, two homes) on one PostgreSQL
// database. Real daemons, the official OpenAI client and the management API over each daemon's socket; only
// the upstream provider is a mock. Both daemons read their clock from one file (AIGW_TEST_CLOCK_FILE), so
// they agree on the rate windows and a test can move past a window without waiting for it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { MockUpstream, type Behaviour } from '../helpers/mock-upstream.js';
import { skipWithoutPostgres, startCluster, type PostgresCluster } from '../helpers/postgres.js';

const skip = skipWithoutPostgres();
const hello = [{ role: 'user' as const, content: 'hi' }];
/** With the prices set below, one chat completion of the mock (11 input, 5 output tokens) costs $0.021. */
const CHAT_USD = 0.021;
/** What the replicas are documented to take at most to see each other's counts: two exchanges of a second each, and the reads. */
const LAG_MS = 2500;
/** How long a test waits for a replica to see another's counts (a loaded machine can be slower than the documented lag). */
const WAIT_MS = 5000;

describe('limits counted once across two replicas on one PostgreSQL database', { skip }, () => {
  let cluster: PostgresCluster;
  let mock: MockUpstream;
  let a: TestHome;
  let b: TestHome;
  let clockDir: string;
  let clockFile: string;
  let env: NodeJS.ProcessEnv;
  const gateways = new Map<TestHome, string>();
  const setClock = (iso: string) => writeFileSync(clockFile, iso);

  before(async () => {
    cluster = await startCluster();
    const url = await cluster.createDatabase(`aigw_replica_limits_${process.pid}`);
    mock = new MockUpstream();
    await mock.start();
    clockDir = mkdtempSync(join(tmpdir(), 'aigw-clock-'));
    clockFile = join(clockDir, 'now');
    setClock('2030-05-01T00:00:00.000Z');
    env = { AIGW_DATABASE_URL: url, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: 'replicas share this passphrase', AIGW_TEST_CLOCK_FILE: clockFile };
    a = new TestHome(env, 'aigw-limits-a-');
    b = new TestHome(env, 'aigw-limits-b-');
    const [urlA, urlB] = await Promise.all([a.gatewayUrl(), b.gatewayUrl()]);
    gateways.set(a, urlA).set(b, urlB);
    await a.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`]);
    await a.json(['prices', 'set', 'openai:gpt-4o-mini', '--input-price', '1000', '--output-price', '2000']);
  });

  after(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await mock?.close();
    await cluster?.stop();
    if (clockDir) rmSync(clockDir, { recursive: true, force: true });
  });

  /** An access key made through A with these flags, and a provider key attached; both replicas serve it. */
  async function accessKey(flags: string[], behaviour: Behaviour = {}): Promise<{ id: string; token: string; value: string }> {
    const access = await a.json(['access-keys', 'create', '--name', 'limited', ...flags]);
    const value = fakeKey();
    mock.accept(value);
    mock.set(value, behaviour);
    await a.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: value });
    await until(5000, async () => (await view(b, access.id)).status === 200, 'B knows the key');
    return { id: access.id, token: access.token, value };
  }

  const view = (home: TestHome, id: string) => rawApi(home.dir, 'GET', `/access-keys/${id}`);
  const chat = (home: TestHome, token: string) =>
    new OpenAI({ apiKey: token, baseURL: `${gateways.get(home)}/v1`, maxRetries: 0, timeout: 20_000 }).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
  /** 'answered', or the error code the request was refused with. */
  const ask = (home: TestHome, token: string) =>
    chat(home, token).then(
      () => 'answered',
      (err: { code?: string; message?: string }) => err.code ?? String(err.message),
    );

  /** Polls `check` until it holds and returns how long that took; fails after `withinMs`. */
  async function until(withinMs: number, check: () => Promise<boolean>, what: string): Promise<number> {
    const start = Date.now();
    for (;;) {
      if (await check()) return Date.now() - start;
      if (Date.now() - start > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const lag = (t: TestContext, what: string, ms: number) => t.diagnostic(`${what}: ${ms} ms`);

  test("requests per minute: once A has used the limit and an exchange has passed, B refuses with 429 and a true Retry-After", async (t) => {
    setClock('2030-06-01T10:00:00.000Z');
    const k = await accessKey(['--rpm', '4']);
    for (let i = 0; i < 4; i++) assert.equal(await ask(a, k.token), 'answered');
    assert.equal(await ask(a, k.token), 'ERR_AIGW_30032', "A's own count");
    const seen = await until(WAIT_MS, async () => (await view(b, k.id)).body.rateLimitUse?.requestsLastMinute === 4, "B counts A's requests");
    lag(t, "B's count includes A's requests after", seen);

    const refused = await chat(b, k.token).then(() => assert.fail('B admitted a request past the limit'), (err: any) => err);
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'ERR_AIGW_30032');
    assert.match(refused.message, /made 4 requests in the last minute, 4 of them through other replicas, at least its limit of 4/);
    // A's requests were all made in the first seconds after 10:00:00: the window has room again at 10:01:00.
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 50 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    assert.match(refused.message, new RegExp(`retry in ${retryAfter} s`));
    assert.equal(mock.seen(k.value).length, 4, 'no upstream call for a refused request');

    setClock('2030-06-01T10:01:01.000Z');
    assert.equal(await ask(b, k.token), 'answered', 'the combined window moved on with the clock');
  });

  test('requests per minute, requests alternating over A and B: the total admitted stays within the limit and the documented slack', async (t) => {
    setClock('2030-06-02T10:00:00.000Z');
    const limit = 6;
    const k = await accessKey(['--rpm', String(limit)]);
    const results: string[] = [];
    // One request every 400 ms, alternately: each replica can admit, beyond the limit, at most what the other
    // admitted within the last LAG_MS, here 3 requests.
    for (let i = 0; i < 16; i++) {
      results.push(await ask(i % 2 ? b : a, k.token));
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const admitted = results.filter((r) => r === 'answered').length;
    t.diagnostic(`admitted ${admitted} of ${results.length} for a limit of ${limit}: ${results.join(', ')}`);
    for (const r of results) assert.ok(r === 'answered' || r === 'ERR_AIGW_30032', r);
    assert.ok(admitted >= limit, `${admitted} admitted: ${results.join(', ')}`);
    assert.ok(admitted <= limit + Math.ceil(LAG_MS / 800), `${admitted} admitted for a limit of ${limit}: ${results.join(', ')}`);
  });

  test('tokens per minute: the tokens A reported hold B back', async (t) => {
    setClock('2030-06-02T12:00:00.000Z');
    const k = await accessKey(['--tpm', '20']);
    assert.equal(await ask(a, k.token), 'answered'); // 16 tokens
    assert.equal(await ask(a, k.token), 'answered'); // admitted at 16: 32 now
    const seen = await until(WAIT_MS, async () => (await view(b, k.id)).body.rateLimitUse?.tokensLastMinute === 32, "B counts A's tokens");
    lag(t, "B's count includes A's tokens after", seen);
    const refused = await chat(b, k.token).then(() => assert.fail('B admitted a request past the token limit'), (err: any) => err);
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'ERR_AIGW_30033');
    assert.match(refused.message, /used 32 tokens in the last minute, 32 of them through other replicas/);
    assert.ok(Number(refused.headers.get('retry-after')) >= 50, refused.headers.get('retry-after'));
    assert.equal(mock.seen(k.value).length, 2);
  });

  test('maxConcurrent: requests in flight through A hold B back, and free it when they finish', async (t) => {
    setClock('2030-06-03T10:00:00.000Z');
    const k = await accessKey(['--max-concurrent', '2'], { delayMs: 3000 });
    const throughA = [ask(a, k.token), ask(a, k.token)];
    const seen = await until(WAIT_MS, async () => (await view(b, k.id)).body.rateLimitUse?.inFlight === 2, "B counts A's requests in flight");
    lag(t, "B's count includes A's requests in flight after", seen);
    const refused = await chat(b, k.token).then(() => assert.fail('B admitted a third request'), (err: any) => err);
    assert.equal(refused.status, 429);
    assert.equal(refused.code, 'ERR_AIGW_30034');
    assert.match(refused.message, /has 2 requests in flight, 2 of them through other replicas, its limit \(maxConcurrent 2\)/);
    assert.equal(Number(refused.headers.get('retry-after')), 1);
    assert.equal(mock.seen(k.value).length, 2);
    assert.deepEqual(await Promise.all(throughA), ['answered', 'answered']);
    const freed = await until(WAIT_MS, async () => (await view(b, k.id)).body.rateLimitUse?.inFlight === 0, 'B sees them finish');
    lag(t, "B's count drops A's finished requests after", freed);
    assert.equal(await ask(b, k.token), 'answered');
  });

  test("a budget: A's reservations in flight hold B back", async (t) => {
    setClock('2030-06-04T10:00:00.000Z');
    // A chat that sets no max_tokens reserves 4,096 output tokens, $8.19 here: one in flight holds a $1 budget.
    const k = await accessKey(['--budget', '1', '--budget-period', 'month'], { delayMs: 3000 });
    const inFlight = ask(a, k.token);
    const seen = await until(WAIT_MS, async () => (await view(b, k.id)).body.spend?.reservedUsd > 8, "B counts A's reservation");
    lag(t, "B's count includes A's reservation after", seen);
    const refused = await chat(b, k.token).then(() => assert.fail('B admitted a request the reservations leave no room for'), (err: any) => err);
    assert.equal(refused.status, 402);
    assert.equal(refused.code, 'ERR_AIGW_30030');
    assert.match(refused.message, /reserved by requests in flight, \$8\.\d+ of them through other replicas/);
    assert.equal(await inFlight, 'answered');
  });

  test("a budget: A's spend holds B back within the lag, before B reads the Store again", async (t) => {
    setClock('2030-06-05T10:00:00.000Z');
    // A's attempts cross a budget of $0.05; B has not been asked anything, so it has no reason to read the Store.
    const spent = await accessKey(['--budget', '0.05', '--budget-period', 'month']);
    for (let i = 0; i < 3; i++) assert.equal(await ask(a, spent.token), 'answered');
    assert.equal(await ask(a, spent.token), 'ERR_AIGW_30030', "A's own count");
    const counted = await until(WAIT_MS, async () => (await view(b, spent.id)).body.spend?.spentUsd >= 3 * CHAT_USD - 1e-9, "B counts A's spend");
    lag(t, "B's spend includes A's after", counted);
    const shown = (await view(b, spent.id)).body.spend;
    t.diagnostic(`B shows ${shown.spentUsd} spent of ${3 * CHAT_USD}`);
    // Documented: until B reads the Store again, it may count up to a second of A's spend twice (here all of it).
    assert.ok(shown.spentUsd <= 3 * CHAT_USD * 2 + 1e-9, `more than documented: ${JSON.stringify(shown)}`);
    assert.equal(await ask(b, spent.token), 'ERR_AIGW_30030');
    // Once A is idle and has said all its spend is in the Store, B's count is the Store's.
    const exact = await until(WAIT_MS, async () => Math.abs((await view(b, spent.id)).body.spend.spentUsd - 3 * CHAT_USD) < 1e-9, "B's count comes back to the Store's");
    t.diagnostic(`B's count is the Store's again after another ${exact} ms`);
  });
  test('a replica killed with a request in flight stops counting against the others within seconds', async (t) => {
    setClock('2030-06-06T10:00:00.000Z');
    const c = new TestHome(env, 'aigw-limits-c-');
    try {
      gateways.set(c, await c.gatewayUrl());
      const k = await accessKey(['--max-concurrent', '1'], { delayMs: 30_000 });
      const stuck = ask(c, k.token);
      await until(WAIT_MS, async () => (await view(b, k.id)).body.rateLimitUse?.inFlight === 1, "B counts C's request in flight");
      assert.equal(await ask(b, k.token), 'ERR_AIGW_30034');
      const { pid } = await c.json(['daemon', 'status']);
      process.kill(pid, 'SIGKILL');
      const forgotten = await until(10_000, async () => (await view(b, k.id)).body.rateLimitUse?.inFlight === 0, "B forgets the killed replica's request");
      t.diagnostic(`B stops counting the killed replica after ${forgotten} ms`);
      assert.ok(forgotten >= 2000, `forgotten after ${forgotten} ms: a replica silent for less than 5 s still counts`);
      mock.set(k.value, {});
      assert.equal(await ask(b, k.token), 'answered');
      assert.notEqual(await stuck, 'answered');
    } finally {
      gateways.delete(c);
      await c.cleanup();
    }
  });
});
