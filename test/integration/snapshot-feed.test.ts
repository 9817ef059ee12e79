import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { defaultGatewaySettings } from '../../src/core/gateway-config.js';
import { newId } from '../../src/core/ids.js';
import { Gateway } from '../../src/daemon/gateway/index.js';
import type { SecretStore } from '../../src/secrets/types.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { ProviderKeyRecord } from '../../src/store/types.js';
import { StoreRules } from '../../src/app/rules.js';

/** The domain's write rules over a store, as the services use them. */
const rules = (store: SqliteStore) => new StoreRules(store);

const dir = mkdtempSync(join(tmpdir(), 'aigw-snapshot-feed-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The gateway never reads secrets here: nothing is proxied.
const secrets: SecretStore = { kind: 'file', set: async () => {}, get: async () => undefined, delete: async () => {}, list: async () => [] };

function providerKey(): ProviderKeyRecord {
  const id = newId('providerKey');
  const at = new Date().toISOString();
  return { id, providerId: 'openai', name: '', description: '', metadata: '', keyRedacted: '***', accessKeyId: null, secretRef: `${id}.ref`, createdAt: at, updatedAt: at, lastUsed: null, disabled: false };
}

// The real gateway parts and the real SQLite Store; no management API in between, so what keeps the
// routing snapshot current can only be the Store's change feed.
test('the routing snapshot follows the Store\'s change feed, and a reload reads what the feed did not carry', async () => {
  const file = join(dir, 'aigw.db');
  const store = new SqliteStore(file);
  const gateway = new Gateway(store, secrets, async () => defaultGatewaySettings(), pino({ level: 'silent' }));
  const elsewhere = new SqliteStore(file);
  try {
    await gateway.load();
    const key = providerKey();
    await rules(store).createProviderKey(key, { maxPerAccessKey: 15 });
    assert.ok(gateway.holder.current.keys.has(key.id), 'a write is in the snapshot once it resolves');
    await rules(store).deleteProviderKey(key.id, { force: false });
    assert.ok(!gateway.holder.current.keys.has(key.id));

    // A write through another connection (another replica, for a shared database) is not on this
    // process's feed; the reload a reconnecting feed sends reads it.
    const theirs = providerKey();
    await rules(elsewhere).createProviderKey(theirs, { maxPerAccessKey: 15 });
    assert.ok(!gateway.holder.current.keys.has(theirs.id));
    await store.changes.publish({ reload: true });
    assert.ok(gateway.holder.current.keys.has(theirs.id));

    await gateway.close();
    await rules(store).createProviderKey(providerKey(), { maxPerAccessKey: 15 });
    assert.equal(gateway.holder.current.keys.size, 1, 'a closed gateway no longer follows the feed');
  } finally {
    await elsewhere.close();
    await store.close();
  }
});
