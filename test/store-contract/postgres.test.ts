import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { newId } from '../../src/core/ids.js';
import { DatabaseSecretStore, masterKeyId } from '../../src/secrets/database.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import type { ProviderKeyRecord, ReplicaLimitCounts, Store, StoreChange } from '../../src/store/types.js';
import { skipWithoutPostgres, startCluster, type PostgresCluster } from '../helpers/postgres.js';
import { storeContract } from './contract.js';
import { StoreRules } from '../../src/app/rules.js';

/** The domain's write rules over a store, as the services use them. */
const rules = (store: Store) => new StoreRules(store);

// One throwaway cluster for the file; a database of its own for each store the contract opens.
const skip = skipWithoutPostgres();
const urls = new WeakMap<Store, string>();

function providerKey(): ProviderKeyRecord {
  const id = newId('providerKey');
  const at = new Date().toISOString();
  return { id, providerId: 'openai', name: '', description: '', metadata: '', keyRedacted: '***', accessKeyId: null, secretRef: `${id}.ref`, createdAt: at, updatedAt: at, lastUsed: null, disabled: false };
}

/** Resolves with the first change on the store's feed that matches. */
function nextChange(store: Store, match: (change: StoreChange) => boolean, timeoutMs = 5000): Promise<StoreChange> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no such change on the feed')), timeoutMs);
    const unsubscribe = store.changes.subscribe((change) => {
      if (!match(change)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(change);
    });
  });
}

describe('PostgreSQL', { skip }, () => {
  let cluster: PostgresCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster?.stop());

  storeContract('PostgreSQL', {
    async open() {
      const url = await cluster.createDatabase();
      const store = await PostgresStore.open(url);
      urls.set(store, url);
      return store;
    },
    async sibling(store) {
      return PostgresStore.open(urls.get(store)!);
    },
  });

  describe('the PostgreSQL Store across replicas', () => {
    test('replicas starting together migrate once and share one install id', async () => {
      const url = await cluster.createDatabase();
      const stores = await Promise.all(Array.from({ length: 5 }, () => PostgresStore.open(url)));
      try {
        assert.equal(new Set(stores.map((s) => s.installId)).size, 1);
        made(await rules(stores[0]!).createProviderKey(providerKey(), { maxPerAccessKey: 15 }));
        assert.equal(await stores[4]!.countProviderKeys(), 1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test("another replica's write arrives on the feed, once; this one's own writes are not delivered twice", async () => {
      const url = await cluster.createDatabase();
      const [a, b] = [await PostgresStore.open(url), await PostgresStore.open(url)];
      try {
        const seenByA: StoreChange[] = [];
        a.changes.subscribe((change) => void seenByA.push(change));
        const arrived = nextChange(b, (c) => 'resources' in c && c.resources.includes('providerKeys'));
        made(await rules(a).createProviderKey(providerKey(), { maxPerAccessKey: 15 }));
        assert.deepEqual(await arrived, { resources: ['providerKeys'] });
        await a.setSetting('x', 'y');
        // B's writes reached A's listener after A's own two; nothing of A's came back to it.
        await b.setSettings({ other: 'z' });
        await rules(b).deleteProviderKey((await b.allProviderKeys())[0]!.id, { force: false });
        for (let i = 0; i < 100 && seenByA.length < 4; i++) await new Promise((resolve) => setTimeout(resolve, 50));
        await new Promise((resolve) => setTimeout(resolve, 100)); // time for a duplicate to show, if there were one
        assert.deepEqual(seenByA, [{ resources: ['providerKeys'] }, { resources: ['settings'] }, { resources: ['settings'] }, { resources: ['providerKeys', 'configurations'] }]);
      } finally {
        await a.close();
        await b.close();
      }
    });

    test('a restarted server: the feed says reload, and reads and writes work again without reopening', async () => {
      const url = await cluster.createDatabase();
      const store = await PostgresStore.open(url, { onConnectionError: () => undefined });
      try {
        assert.equal(await store.notReady(), undefined);
        const reload = nextChange(store, (c) => 'reload' in c, 15_000);
        await cluster.restart(async () => {
          assert.match((await store.notReady(500)) ?? '', /reconnecting|does not answer|did not answer/, 'not ready while the server is down');
        });
        assert.deepEqual(await reload, { reload: true });
        let notReady = await store.notReady();
        for (let i = 0; i < 40 && notReady !== undefined; i++) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          notReady = await store.notReady();
        }
        assert.equal(notReady, undefined, 'ready again once the reload was handled');
        made(await rules(store).createProviderKey(providerKey(), { maxPerAccessKey: 15 }));
        assert.equal(await store.countProviderKeys(), 1);
      } finally {
        await store.close();
      }
    });

    test('a notice on the channel that is not one of ours makes the listener reload, not crash', async () => {
      const url = await cluster.createDatabase();
      const store = await PostgresStore.open(url);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const reload = nextChange(store, (c) => 'reload' in c);
        await client.query("SELECT pg_notify('aigw_changes', 'not json')");
        assert.deepEqual(await reload, { reload: true });
      } finally {
        await client.end();
        await store.close();
      }
    });

    test("limit counts: each replica's replace its own, the others' live ones are answered, a dead replica's expire; nothing on the feed", async () => {
      const url = await cluster.createDatabase();
      const [a, b] = [await PostgresStore.open(url), await PostgresStore.open(url)];
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      const counts = (scopeId: string, inFlight: number): ReplicaLimitCounts => ({
        scopeId, second: 1_900_000_000, requests: [1, 0, 2], tokens: [], inFlight, periodStart: 0, reservedUsd: 0.5, chargedUsd: 1.25, storedUsd: 1,
      });
      const exchange = (store: PostgresStore, replicaId: string, published: ReplicaLimitCounts[]) =>
        store.exchangeLimitCounts({ replicaId, counts: published, liveMs: 5000 });
      try {
        const changes: StoreChange[] = [];
        b.changes.subscribe((change) => void changes.push(change));
        assert.deepEqual(await exchange(a, 'replica-a', [counts('aigk_1', 1), counts('aigk_2', 2)]), []);
        const seenByB = (await exchange(b, 'replica-b', [counts('aigk_1', 3)])).sort((x, y) => x.scopeId.localeCompare(y.scopeId));
        assert.deepEqual(seenByB, [
          { ...counts('aigk_1', 1), replicaId: 'replica-a' },
          { ...counts('aigk_2', 2), replicaId: 'replica-a' },
        ]);
        // A stops publishing aigk_2: its row goes with this exchange.
        assert.deepEqual(await exchange(a, 'replica-a', [counts('aigk_1', 4)]), [{ ...counts('aigk_1', 3), replicaId: 'replica-b' }]);
        assert.deepEqual(await exchange(b, 'replica-b', []), [{ ...counts('aigk_1', 4), replicaId: 'replica-a' }]);
        // A replica silent past liveMs is not counted; past a minute, its rows are deleted.
        await db.query("UPDATE replica_limit_counts SET updated_at = now() - interval '10 seconds' WHERE replica_id = 'replica-a'");
        assert.deepEqual(await exchange(b, 'replica-b', []), []);
        assert.equal((await db.query('SELECT 1 FROM replica_limit_counts')).rowCount, 1, 'a silent replica is kept a while');
        await db.query("UPDATE replica_limit_counts SET updated_at = now() - interval '2 minutes' WHERE replica_id = 'replica-a'");
        await exchange(b, 'replica-b', []);
        assert.equal((await db.query('SELECT 1 FROM replica_limit_counts')).rowCount, 0);
        await new Promise((resolve) => setTimeout(resolve, 200)); // time for a notice to arrive, if there were one
        assert.deepEqual(changes, [], 'limit counts are not routing state: nothing on the change feed');
      } finally {
        await db.end();
        await a.close();
        await b.close();
      }
    });

    test('rewrap: values under the previous master key move to the current one, one row at a time', async () => {
      const url = await cluster.createDatabase();
      const store = await PostgresStore.open(url);
      try {
        const [oldKey, newKey] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)];
        await new DatabaseSecretStore(store.sealedSecrets(), oldKey).set('a.ref', 'value-a');
        await new DatabaseSecretStore(store.sealedSecrets(), Buffer.alloc(32, 3)).set('c.ref', 'value-c');
        const changing = new DatabaseSecretStore(store.sealedSecrets(), newKey, oldKey);
        await changing.set('b.ref', 'value-b');
        assert.equal(await changing.get('a.ref'), 'value-a', 'the previous key still opens what it wrapped');
        assert.deepEqual(await changing.rewrap(), { keyId: masterKeyId(newKey), rewrapped: 1, remaining: 1 });
        const onlyNew = new DatabaseSecretStore(store.sealedSecrets(), newKey);
        assert.deepEqual([await onlyNew.get('a.ref'), await onlyNew.get('b.ref')], ['value-a', 'value-b']);
        await assert.rejects(new DatabaseSecretStore(store.sealedSecrets(), oldKey).get('a.ref'), /does not decrypt/);
      } finally {
        await store.close();
      }
    });

    test('the database secret store: replicas with the same master key share values; the database holds only ciphertext', async () => {
      const database = `aigw_secrets_${process.pid}`;
      const url = await cluster.createDatabase(database);
      const [a, b] = [await PostgresStore.open(url), await PostgresStore.open(url)];
      try {
        const masterKey = Buffer.alloc(32, 7);
        const secretsA = new DatabaseSecretStore(a.sealedSecrets(), masterKey);
        const secretsB = new DatabaseSecretStore(b.sealedSecrets(), Buffer.from(masterKey));
        const canary = `sk-canary-${newId('providerKey')}`;
        await secretsA.set('pk_1.ref', canary);
        assert.equal(await secretsB.get('pk_1.ref'), canary, 'written through A, read through B');
        assert.deepEqual(await a.sealedSecrets().refs(0), ['pk_1.ref']);
        assert.deepEqual(await secretsB.list(), [], 'a value just written is never an orphan to reconcile: its row may be on its way');
        made(await rules(a).createProviderKey({ ...providerKey(), secretRef: 'pk_1.ref' }, { maxPerAccessKey: 15 }));
        assert.deepEqual(await secretsB.list(), ['pk_1.ref'], 'a value a key points at is listed at once');
        assert.deepEqual(await a.sealedSecrets().keyIds(), [masterKeyId(masterKey)]);

        const dump = await cluster.dump(database);
        assert.ok(dump.includes('sealed_secrets'), 'the dump has the table');
        assert.ok(!dump.includes(canary) && !dump.includes(Buffer.from(canary).toString('hex')), 'no plaintext in the database');

        const wrongKey = new DatabaseSecretStore(b.sealedSecrets(), Buffer.alloc(32, 8));
        await assert.rejects(wrongKey.get('pk_1.ref'), /ERR_AIGW_10503|master key/);
        // A row moved to another ref does not open: the ref is bound into the ciphertext.
        const row = (await a.sealedSecrets().get('pk_1.ref'))!;
        await a.sealedSecrets().put({ ...row, ref: 'pk_2.ref' });
        await assert.rejects(secretsA.get('pk_2.ref'), /does not decrypt/);

        // Of two replicas making the same value at once, the first one's is kept for both.
        await secretsA.setIfAbsent('shared.ref', 'first');
        await secretsB.setIfAbsent('shared.ref', 'second');
        assert.deepEqual([await secretsA.get('shared.ref'), await secretsB.get('shared.ref')], ['first', 'first']);

        await secretsB.delete('pk_1.ref');
        assert.equal(await secretsA.get('pk_1.ref'), undefined);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});

function made<T extends object>(outcome: T | { refused: string } | undefined): T {
  if (outcome === undefined || 'refused' in outcome) throw new Error(`not written: ${JSON.stringify(outcome)}`);
  return outcome as T;
}
