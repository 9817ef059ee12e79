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
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { keep, pragmaValue } from '../../src/store/sqlite/handles.js';
import { SqliteUsageWriter } from '../../src/store/sqlite/usage-writer.js';
import { UsagePacker } from '../../src/store/usage-batch.js';
import type { ProviderKeyRecord, UsageDraft } from '../../src/store/types.js';
import { isRefusal, StoreRules, type Outcome } from '../../src/app/rules.js';

/** The domain's write rules over a store, as the services use them. */
const rules = (store: SqliteStore) => new StoreRules(store);

// Every connection and statement this file makes is watched: none may ever become garbage, because on
// Node 24 better-sqlite3 aborts the process when the GC finalizes one (see sqlite/handles.ts). The last
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

// What every Store must do is in test/store-contract/; here, what is SQLite's own.
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
    secretRef: `${id}.ref`, createdAt: now, updatedAt: now, lastUsed: null, disabled: false,
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

function draft(fields: Partial<UsageDraft> & Pick<UsageDraft, 'timeMs' | 'accessKeyId'>): UsageDraft {
  return {
    id: newId('usageEvent', fields.timeMs), requestId: 'req_1', provider: 'openai', model: 'gpt-4o-mini', attemptNumber: 1,
    isFinalAttempt: true, statusCode: 200, timedOut: false, isError: false, isStreaming: false, stopReason: 'stop',
    inputTokens: 3, outputTokens: 4, cacheReadTokens: 1, reasoningTokens: 2, providerKeyId: null, providerKeyRedacted: null,
    latencyMs: 12, error: null, cacheWriteTokens: 0, tokensKnown: true, costUsd: 0.000002, keySource: 'user', ...fields,
  };
}

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
  const key = created(await rules(store).createProviderKey(record('openai'), CHECKS));
  await rules(store).updateProviderKey(key.id, { name: 'renamed' }, new Date().toISOString());
  await store.listProviderKeys({ limit: 5, providerId: 'openai', beforeId: key.id });
  const writer = new SqliteUsageWriter(file);
  const packer = new UsagePacker();
  packer.add(draft({ timeMs: Date.now(), accessKeyId }));
  packer.add(draft({ timeMs: Date.now() + 1, accessKeyId, isFinalAttempt: false }));
  writer.write(packer.take());
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
