import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import Database from 'better-sqlite3';
import { newId } from '../../src/core/ids.js';
import { acquireDaemonLock, AlreadyRunningError } from '../../src/daemon/lock.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { keep, pragmaValue } from '../../src/store/sqlite-handles.js';
import { SqliteUsageWriter } from '../../src/store/sqlite-usage.js';
import { isRefusal, type Outcome, type ProviderKeyRecord, type UsageDraft } from '../../src/store/types.js';

// Every connection and statement this file makes is watched: none may ever become garbage, because on
// Node 24 better-sqlite3 aborts the process when the GC finalizes one (see sqlite-handles.ts). The last
// test collects garbage and checks.
const finalized: string[] = [];
const watcher = new FinalizationRegistry<string>((what) => finalized.push(what));
const watched = new WeakSet<object>();
function watch(target: object, what: string): void {
  if (watched.has(target)) return;
  watched.add(target);
  watcher.register(target, what);
}
const proto = Database.prototype as unknown as Record<'prepare' | 'exec', (this: object, sql: string) => object>;
for (const method of ['prepare', 'exec'] as const) {
  const original = proto[method];
  proto[method] = function (this: object, sql: string) {
    watch(this, 'a connection');
    const result = original.call(this, sql);
    if (method === 'prepare') watch(result, `the statement ${sql.trim()}`);
    return result;
  };
}

const dir = mkdtempSync(join(tmpdir(), 'aigw-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CHECKS = { maxPerAccessKey: 15 };

function created(outcome: Outcome<ProviderKeyRecord>): ProviderKeyRecord {
  if (isRefusal(outcome)) throw new Error(`refused: ${JSON.stringify(outcome)}`);
  return outcome;
}

function record(providerId: string): ProviderKeyRecord {
  const id = newId('providerKey');
  const now = new Date().toISOString();
  return {
    id, providerId, name: '', description: '', metadata: '', keyRedacted: '***', accessKeyId: null,
    secretRef: `${id}.ref`, createdAt: now, updatedAt: now, lastUsed: null,
  };
}

test('a new store runs every migration, uses WAL, and keeps its install id across reopen', async () => {
  const file = join(dir, 'a.db');
  const store = new SqliteStore(file);
  const installId = store.installId;
  await store.close();
  const raw = keep(new Database(file, { readonly: true }));
  assert.equal(pragmaValue(raw, 'user_version'), MIGRATIONS.length);
  assert.equal(pragmaValue(raw, 'journal_mode'), 'wal');
  raw.close();
  const again = new SqliteStore(file);
  assert.equal(again.installId, installId);
  await again.close();
});

test('lists are newest first, paged by beforeId, and filtered by provider', async () => {
  const store = new SqliteStore(join(dir, 'b.db'));
  const made: ProviderKeyRecord[] = [];
  for (let i = 0; i < 5; i++) made.push(created(await store.createProviderKey(record(i % 2 ? 'anthropic' : 'openai'), CHECKS)));
  const newestFirst = made.map((r) => r.id).reverse();

  const first = await store.listProviderKeys({ limit: 2 });
  assert.deepEqual(first.items.map((r) => r.id), newestFirst.slice(0, 2));
  assert.equal(first.hasMore, true);
  const second = await store.listProviderKeys({ limit: 2, beforeId: first.items[1]!.id });
  assert.deepEqual(second.items.map((r) => r.id), newestFirst.slice(2, 4));
  const last = await store.listProviderKeys({ limit: 2, beforeId: second.items[1]!.id });
  assert.deepEqual(last.items.map((r) => r.id), newestFirst.slice(4));
  assert.equal(last.hasMore, false);

  // Paging keeps working when the item a page ended on has been deleted.
  await store.deleteProviderKey(second.items[1]!.id, { force: false });
  const afterDelete = await store.listProviderKeys({ limit: 2, beforeId: second.items[1]!.id });
  assert.deepEqual(afterDelete.items.map((r) => r.id), newestFirst.slice(4));

  const openai = await store.listProviderKeys({ limit: 100, providerId: 'openai' });
  assert.ok(openai.items.every((r) => r.providerId === 'openai'));
  assert.equal(openai.items.length, 3);
  await store.close();
});

test('update changes only the given fields; swap points at a new secret and returns the old one', async () => {
  const store = new SqliteStore(join(dir, 'c.db'));
  const r = created(await store.createProviderKey({ ...record('openai'), name: 'n', description: 'd' }, CHECKS));
  const updated = await store.updateProviderKey(r.id, { description: 'd2' }, '2030-01-01T00:00:00.000Z');
  assert.equal(updated?.name, 'n');
  assert.equal(updated?.description, 'd2');
  assert.equal(updated?.updatedAt, '2030-01-01T00:00:00.000Z');
  assert.equal(await store.updateProviderKey('aigpk_missing', { name: 'x' }, 'now'), undefined);

  const swapped = await store.swapProviderKeySecret(r.id, { secretRef: 'new.ref', keyRedacted: '***new' }, 'now');
  assert.equal(swapped?.before.secretRef, r.secretRef);
  assert.equal(swapped?.after.secretRef, 'new.ref');
  assert.equal(swapped?.after.name, 'n');
  assert.deepEqual([...(await store.listSecretRefs())], ['new.ref']);
  await store.close();
});

test('a failed write changes nothing (a duplicate id is rolled back whole)', async () => {
  const store = new SqliteStore(join(dir, 'd.db'));
  const r = created(await store.createProviderKey(record('openai'), CHECKS));
  await assert.rejects(store.createProviderKey({ ...record('openai'), id: r.id }, CHECKS));
  assert.equal(await store.countProviderKeys(), 1);
  await store.close();
});

function draft(fields: Partial<UsageDraft> & Pick<UsageDraft, 'timeMs' | 'accessKeyId'>): UsageDraft {
  return {
    id: newId('usageEvent', fields.timeMs), requestId: 'req_1', provider: 'openai', model: 'gpt-4o-mini', attemptNumber: 1,
    isFinalAttempt: true, statusCode: 200, timedOut: false, isError: false, isStreaming: false, stopReason: 'stop',
    inputTokens: 3, outputTokens: 4, cacheReadTokens: 1, reasoningTokens: 2, providerKeyId: null, providerKeyRedacted: null,
    latencyMs: 12, error: null, cacheWriteTokens: 0, tokensKnown: true, costUsd: 0.000002, ...fields,
  };
}

test('the usage writer stores drafts as usage events, with eventTime and lastUsed made from their epoch ms', async () => {
  const file = join(dir, 'e.db');
  const store = new SqliteStore(file);
  const now = new Date().toISOString();
  const access = created(await store.createAccessKey({
    id: newId('accessKey'), name: '', description: '', metadata: '', tokenHash: 'h', keyRedacted: '***', accessKeyConfigurationId: null,
    accessKeyConfigurationName: null, createdAt: now, updatedAt: now, lastUsed: null,
  }) as Outcome<ProviderKeyRecord>);
  const refused = created(await store.createProviderKey(record('openai'), CHECKS));
  const unreachable = created(await store.createProviderKey(record('openai'), CHECKS));
  const t = Date.parse('2031-02-03T04:05:06.789Z');
  // Made earlier, recorded later (the first attempt of a slow request): lastUsed must not move back.
  const oldest = draft({ timeMs: t - 2000, accessKeyId: access.id, providerKeyId: refused.id, requestId: 'req_00' });
  const older = draft({ timeMs: t - 1000, accessKeyId: access.id, providerKeyId: refused.id, requestId: 'req_0' });
  const batch = [
    draft({ timeMs: t, accessKeyId: access.id, providerKeyId: refused.id, providerKeyRedacted: '***a', statusCode: 429, isError: true, isFinalAttempt: false, stopReason: '', inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 }),
    draft({ timeMs: t + 5, accessKeyId: access.id, providerKeyId: unreachable.id, providerKeyRedacted: '***b', statusCode: 0, isError: true, timedOut: true, error: 'timed out', attemptNumber: 2, isStreaming: true }),
  ];
  // Its own connection, beside the store's, as in the daemon.
  const writer = new SqliteUsageWriter(file);
  writer.write([...batch, older]);
  writer.write([oldest]);
  writer.close();

  const { items } = await store.listUsage({ limit: 10, includeRetries: true });
  const expected = [...batch].reverse().map(({ timeMs, ...rest }) => ({ ...rest, eventTime: new Date(timeMs).toISOString() }));
  assert.deepEqual(items.slice(0, 2), expected);
  assert.deepEqual(items.slice(2).map((e) => e.id), [older.id, oldest.id]);
  assert.equal((await store.getAccessKey(access.id))?.lastUsed, '2031-02-03T04:05:06.794Z');
  // A key is used when its provider answered, even with an error; a timed-out attempt never reached it.
  assert.equal((await store.getProviderKey(refused.id))?.lastUsed, '2031-02-03T04:05:06.789Z');
  assert.equal((await store.getProviderKey(unreachable.id))?.lastUsed, null);
  await store.close();
});

test('the usage writer never migrates: it refuses a schema it does not know', async () => {
  const file = join(dir, 'f.db');
  await new SqliteStore(file).close();
  const raw = keep(new Database(file));
  raw.exec(`PRAGMA user_version = ${MIGRATIONS.length + 1}`);
  raw.close();
  assert.throws(() => new SqliteUsageWriter(file), new RegExp(`schema is at version ${MIGRATIONS.length + 1}`));
  assert.throws(() => new SqliteUsageWriter(join(dir, 'missing.db')));
});

test('no connection or statement is ever left to the garbage collector', async () => {
  const file = join(dir, 'gc.db');
  const store = new SqliteStore(file);
  const accessKeyId = newId('accessKey');
  const key = created(await store.createProviderKey(record('openai'), CHECKS));
  await store.updateProviderKey(key.id, { name: 'renamed' }, new Date().toISOString());
  await store.listProviderKeys({ limit: 5, providerId: 'openai', beforeId: key.id });
  const writer = new SqliteUsageWriter(file);
  writer.write([draft({ timeMs: Date.now(), accessKeyId }), draft({ timeMs: Date.now() + 1, accessKeyId, isFinalAttempt: false })]);
  writer.close();
  const range = { startTime: '2000-01-01T00:00:00.000Z', endTime: '2100-01-01T00:00:00.000Z' };
  const listed = await store.listUsage({ limit: 1, includeRetries: true });
  await store.listUsage({ limit: 5, cursor: listed.items[0]!.id, ...range, accessKeyId, includeRetries: false });
  assert.equal((await store.usageOverview({ ...range, groupBy: 'provider' }))[0]?.requests, 1);
  await store.usageOverview({ ...range, groupBy: 'accessKey' });
  await store.close();
  // The daemon's lock, held and refused.
  const release = acquireDaemonLock(join(dir, 'daemon.lock'));
  assert.throws(() => acquireDaemonLock(join(dir, 'daemon.lock')), AlreadyRunningError);
  release();

  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  (() => watcher.register({}, 'control'))();
  for (let i = 0; i < 10 && !finalized.includes('control'); i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.ok(finalized.includes('control'), 'an unreachable object is seen finalized, so the check can see');
  assert.deepEqual(finalized.filter((what) => what !== 'control'), []);
});
