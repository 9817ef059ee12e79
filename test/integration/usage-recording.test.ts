import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { keep } from '../../src/store/sqlite/handles.js';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { http } from '../helpers/http.js';
import { MockUpstream } from '../helpers/mock-upstream.js';

let home: TestHome;
let mock: MockUpstream;

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome();
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`]);
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

/** An access key with one openai provider key attached, so each test sees only its own usage. */
async function keys() {
  const access = await home.json(['access-keys', 'create']);
  const value = fakeKey();
  mock.accept(value);
  const key = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], {
    input: value,
  });
  return { accessId: access.id as string, token: access.token as string, keyId: key.id as string, value };
}

/** One chat completion through the gateway: its request id when it succeeded. */
async function chat(gatewayUrl: string, token: string): Promise<string | undefined> {
  const res = await http(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
  }).catch(() => undefined);
  const id = res?.headers['x-aigw-request-id'];
  return res?.status === 200 && typeof id === 'string' ? id : undefined;
}

async function usageOf(accessId: string): Promise<any[]> {
  return (await home.json(['usage', 'list', '--all', '--include-retries', '--access-key-id', accessId])).aiGatewayUsage;
}

/** The creation time an id carries: its first ten base32 characters after the prefix. */
function idTime(id: string): number {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  return [...id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11)].reduce((ms, c) => ms * 32 + alphabet.indexOf(c), 0);
}

test('usage recorded up to a graceful stop is all written, ids in time order, lastUsed with it', async () => {
  const { accessId, token, keyId } = await keys();
  const gatewayUrl = await home.gatewayUrl();
  const { paths } = await home.json(['daemon', 'status']);
  const served: string[] = [];
  // Traffic until the daemon stops: the last events come in well within one flush interval of the stop.
  const traffic = (async () => {
    for (let id = await chat(gatewayUrl, token); id; id = await chat(gatewayUrl, token)) served.push(id);
  })();
  while (served.length < 5) await new Promise((resolve) => setTimeout(resolve, 10));
  const stop = await home.run(['daemon', 'stop']);
  assert.equal(stop.code, 0, stop.stderr);
  await traffic;
  // Stopped on time, not by the grace period's timer (which would have given the flush timer time too).
  const log = readFileSync(paths.logFile, 'utf8');
  assert.match(log.slice(log.lastIndexOf('shutting down')), /"msg":"stopped"/);

  const events = await usageOf(accessId);
  const recorded = new Set(events.map((e) => e.requestId));
  assert.deepEqual(served.filter((id) => !recorded.has(id)), [], 'every answered request has its usage event');
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i - 1].id > events[i].id, 'newest first, by id');
    assert.ok(events[i - 1].eventTime >= events[i].eventTime, 'ids sort by event time');
  }
  for (const e of events) assert.equal(idTime(e.id), Date.parse(e.eventTime), `${e.id} carries its event time`);
  assert.equal((await home.json(['access-keys', 'get', accessId])).lastUsed, events[0].eventTime);
  assert.equal((await home.json(['provider-keys', 'get', keyId])).lastUsed, events[0].eventTime);
});

test('a usage write that fails is logged, and the gateway keeps serving and recording', async () => {
  const { accessId, token, value } = await keys();
  const gatewayUrl = await home.gatewayUrl();
  const status = await home.json(['daemon', 'status']);
  const db = keep(new Database(join(status.paths.dataDir, 'aigw.db')));
  db.exec('PRAGMA busy_timeout = 5000');
  db.exec(`CREATE TRIGGER refuse_usage BEFORE INSERT ON usage_events BEGIN SELECT RAISE(ABORT, 'usage refused by the test'); END`);
  try {
    for (let i = 0; i < 3; i++) assert.ok(await chat(gatewayUrl, token), 'served while usage cannot be written');
    assert.deepEqual(await usageOf(accessId), []);
  } finally {
    db.exec('DROP TRIGGER refuse_usage');
    db.close();
  }
  const logged = await home.logLines('could not write usage events');
  const log = readFileSync(status.paths.logFile, 'utf8');
  assert.ok(logged.some((line) => line.includes('usage refused by the test')), 'the failure is logged with its reason');
  assert.ok(!log.includes(value) && !log.includes(token), 'no secret in the log');

  const later = [await chat(gatewayUrl, token), await chat(gatewayUrl, token)];
  assert.ok(later.every(Boolean));
  assert.deepEqual((await usageOf(accessId)).map((e) => e.requestId).reverse(), later);
});

test('a call in flight on a keep-alive connection at a stop is answered and recorded, and the stop does not wait for the client to hang up', async () => {
  const { accessId, token, value } = await keys();
  mock.set(value, { delayMs: 700 });
  const gatewayUrl = await home.gatewayUrl();
  const { paths } = await home.json(['daemon', 'status']);
  const agent = new Agent({ keepAlive: true });
  try {
    const call = () =>
      new Promise<{ status: number; id: unknown }>((resolve, reject) => {
        const req = request(
          `${gatewayUrl}/v1/chat/completions`,
          { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, id: res.headers['x-aigw-request-id'] }));
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
      });
    const inFlight = call();
    await mock.waitFor(() => mock.seen(value).length === 1);
    const stop = await home.run(['daemon', 'stop']);
    assert.equal(stop.code, 0, stop.stderr);
    const answered = await inFlight;
    assert.equal(answered.status, 200, 'the call in flight was answered');
    // The client never hangs up its idle keep-alive connection: the daemon must close it, not wait out its grace period.
    const log = readFileSync(paths.logFile, 'utf8');
    const shutdown = log.slice(log.lastIndexOf('shutting down'));
    assert.doesNotMatch(shutdown, /did not finish in time/);
    assert.match(shutdown, /"msg":"stopped"/);
    const events = await usageOf(accessId);
    assert.deepEqual(events.map((e) => e.requestId), [answered.id], 'its usage event was written before the daemon exited');
  } finally {
    agent.destroy();
    mock.set(value, {});
  }
});

test('the usage writer thread runs in the background (SCHED_IDLE, nice 19) and the main thread at normal priority', async () => {
  const { token } = await keys();
  const gatewayUrl = await home.gatewayUrl();
  assert.ok(await chat(gatewayUrl, token), 'served');
  const { pid } = await home.json(['daemon', 'status']);
  // /proc/<pid>/task/<tid>/sched names the policy (5 is SCHED_IDLE); field 19 of stat is the nice value.
  const threads = () =>
    readdirSync(`/proc/${pid}/task`).map((tid) => ({
      tid: Number(tid),
      policy: Number(/^policy\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/task/${tid}/sched`, 'utf8'))![1]),
      nice: Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]),
    }));
  // The writer thread starts with the first batch (within 250 ms), and `chrt` runs beside it.
  let seen = threads();
  for (let i = 0; i < 100 && !seen.some((t) => t.policy === 5); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    seen = threads();
  }
  const background = seen.filter((t) => t.policy === 5);
  assert.equal(background.length, 1, `one background thread: ${JSON.stringify(seen)}`);
  assert.equal(background[0].nice, 19);
  const main = seen.find((t) => t.tid === pid)!;
  // The daemon inherits this process's nice value (a suite run under `nice` has one above 0).
  assert.deepEqual([main.policy, main.nice], [0, getPriority()], 'the main thread keeps the priority it was started with');
});
