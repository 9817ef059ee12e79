import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { newId } from '../../src/core/ids.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { isRefusal, type Outcome, type ProviderKeyRecord } from '../../src/store/types.js';

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
  const raw = new Database(file, { readonly: true });
  assert.equal(raw.pragma('user_version', { simple: true }), MIGRATIONS.length);
  assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
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
