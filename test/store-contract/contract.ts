// The Store contract: what every Store implementation must do, written against the interface alone: its
// reads, usage and change feed, and its transactions, through the domain's rules (src/app/rules.ts) that
// stand on them in the daemon. An implementation runs it by calling storeContract() with a harness that
// makes its stores (see sqlite.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRefusal, StoreRules, type Outcome } from '../../src/app/rules.js';
import type { AccessScope, Router } from '../../src/core/configs.js';
import { newId } from '../../src/core/ids.js';
import type { AccessKeyRecord, ConfigurationRecord, CustomProviderRecord, ProviderKeyRecord, Store, StoreChange, UsageDraft } from '../../src/store/types.js';
import { UsagePacker } from '../../src/store/usage-batch.js';

/** The domain's write rules over a store, as the services use them. */
const rules = (store: Store) => new StoreRules(store);

export interface StoreHarness {
  /** A new, empty store. */
  open(): Promise<Store>;
  /** Another store on the same data as `store`: another connection, as a second replica would have. */
  sibling(store: Store): Promise<Store>;
}

const CHECKS = { maxPerAccessKey: 15 };
const now = () => new Date().toISOString();

function made<T extends object>(outcome: Outcome<T> | undefined): T {
  if (outcome === undefined || isRefusal(outcome)) throw new Error(`not written: ${JSON.stringify(outcome)}`);
  return outcome;
}

function providerKey(providerId: string, fields: Partial<ProviderKeyRecord> = {}): ProviderKeyRecord {
  const id = newId('providerKey');
  const at = now();
  return {
    id, providerId, name: '', description: '', metadata: '', keyRedacted: '***', accessKeyId: null,
    secretRef: `${id}.ref`, createdAt: at, updatedAt: at, lastUsed: null, disabled: false, ...fields,
  };
}

function accessKey(fields: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  const id = newId('accessKey');
  const at = now();
  return {
    id, name: '', description: '', metadata: '', tokenHash: `hash-${id}`, keyRedacted: '***', accessKeyConfigurationId: null,
    accessKeyConfigurationName: null, createdAt: at, updatedAt: at, lastUsed: null, expiresAt: null, disabled: false,
    previousTokenHash: null, previousTokenExpiresAt: null, budget: null, rateLimits: null, ...fields,
  };
}

function configuration(fields: Partial<ConfigurationRecord> = {}): ConfigurationRecord {
  const at = now();
  return { id: newId('accessKeyConfiguration'), name: 'config', description: '', metadata: '', access: null, router: null, maxInputTokens: null, maxOutputTokens: null, budget: null, rateLimits: null, createdAt: at, updatedAt: at, ...fields };
}

function customProvider(providerId: string): CustomProviderRecord {
  const at = now();
  return {
    id: newId('provider'), providerId, name: providerId, description: '', metadata: '', baseUrl: 'http://127.0.0.1:11434/v1',
    supportedApiSurfaces: [{ format: 'openai' }], models: [{ id: newId('providerModel'), modelId: 'llama3' }], createdAt: at, updatedAt: at,
  };
}

/** A router with one rule for the provider, one step per key list. */
function routerOf(provider: string, ...steps: string[][]): Router {
  return { rules: [{ provider, steps: steps.map((ids) => ({ type: 'user', keySelectionStrategy: 'ordered', keys: ids.map((id) => ({ id })) })) }] };
}

function usageDraft(fields: Partial<UsageDraft> & Pick<UsageDraft, 'timeMs' | 'accessKeyId'>): UsageDraft {
  return {
    id: newId('usageEvent', fields.timeMs), requestId: 'req_1', provider: 'openai', model: 'gpt-4o-mini', attemptNumber: 1,
    isFinalAttempt: true, statusCode: 200, timedOut: false, isError: false, isStreaming: false, stopReason: 'stop',
    inputTokens: 3, outputTokens: 4, cacheReadTokens: 1, reasoningTokens: 2, providerKeyId: null, providerKeyRedacted: null,
    latencyMs: 12, error: null, cacheWriteTokens: 0, tokensKnown: true, costUsd: null, keySource: 'user', ...fields,
  };
}

function packed(drafts: readonly UsageDraft[]) {
  const packer = new UsagePacker();
  for (const d of drafts) packer.add(d);
  return packer.take();
}

/** Every change the store's feed delivers from now on. */
function recordChanges(store: Store): StoreChange[] {
  const seen: StoreChange[] = [];
  store.changes.subscribe((change) => void seen.push(change));
  return seen;
}

const resourcesOf = (changes: StoreChange[]) => changes.map((c) => ('resources' in c ? [...c.resources].sort() : 'reload'));

export function storeContract(name: string, harness: StoreHarness): void {
  const withStore = (title: string, body: (store: Store) => Promise<void>) =>
    test(title, async () => {
      const store = await harness.open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });

  describe(`the Store contract (${name})`, () => {
    withStore('settings: set, read one, read by prefix, remove with null', async (store) => {
      assert.ok(store.installId, 'a store has an install id');
      await store.setSetting('gateway.totalTimeout', '10m');
      await store.setSettings({ 'gateway.perRequestTimeout': '5m', 'other.thing': 'x' });
      assert.equal(await store.getSetting('gateway.totalTimeout'), '10m');
      assert.deepEqual(await store.getSettings('gateway.'), { 'gateway.totalTimeout': '10m', 'gateway.perRequestTimeout': '5m' });
      await store.setSettings({ 'gateway.totalTimeout': null, 'gateway.perRequestTimeout': '1m' });
      assert.deepEqual(await store.getSettings('gateway.'), { 'gateway.perRequestTimeout': '1m' });
      assert.equal(await store.getSetting('gateway.totalTimeout'), undefined);
    });

    withStore('provider keys: create, get, update only the given fields, count, delete', async (store) => {
      const key = made(await rules(store).createProviderKey(providerKey('openai', { name: 'n', description: 'd' }), CHECKS));
      assert.deepEqual(await store.getProviderKey(key.id), key);
      assert.deepEqual(await store.getProviderKeys([key.id, 'aigpk_missing']), [key]);
      const updated = await rules(store).updateProviderKey(key.id, { description: 'd2' }, '2030-01-01T00:00:00.000Z');
      assert.deepEqual(updated, { ...key, description: 'd2', updatedAt: '2030-01-01T00:00:00.000Z' });
      assert.equal(await rules(store).updateProviderKey('aigpk_missing', { name: 'x' }, now()), undefined);
      assert.equal(await store.countProviderKeys(), 1);
      assert.deepEqual(await rules(store).deleteProviderKey(key.id, { force: false }), updated);
      assert.equal(await rules(store).deleteProviderKey(key.id, { force: false }), undefined);
      assert.equal(await store.getProviderKey(key.id), undefined);
      assert.equal(await store.countProviderKeys(), 0);
    });

    withStore('provider keys: the value HMAC is set, found again, forgotten by a secret swap, and goes with the key', async (store) => {
      const a = made(await rules(store).createProviderKey(providerKey('openai'), CHECKS));
      const b = made(await rules(store).createProviderKey(providerKey('groq'), CHECKS));
      assert.deepEqual((await store.providerKeysWithoutValueHmac()).map((k) => k.id), [a.id, b.id]);
      assert.equal(await store.setProviderKeyValueHmac(a.id, a.secretRef, 'hmac-1'), true);
      assert.equal(await store.setProviderKeyValueHmac(b.id, b.secretRef, 'hmac-1'), true);
      assert.equal(await store.setProviderKeyValueHmac('aigpk_missing', 'x.ref', 'hmac-1'), false);
      assert.deepEqual(await store.findProviderKeysByValueHmac('hmac-1'), [a, b]);
      assert.deepEqual(await store.findProviderKeysByValueHmac('hmac-2'), []);
      assert.deepEqual(await store.providerKeysWithoutValueHmac(), []);
      assert.deepEqual(await store.getProviderKey(a.id), a, 'the HMAC is not part of the record');
      await rules(store).swapProviderKeySecret(a.id, { secretRef: `${a.id}.new`, keyRedacted: 'new***' }, now());
      assert.deepEqual((await store.findProviderKeysByValueHmac('hmac-1')).map((k) => k.id), [b.id]);
      assert.deepEqual((await store.providerKeysWithoutValueHmac()).map((k) => k.id), [a.id]);
      assert.equal(await store.setProviderKeyValueHmac(a.id, a.secretRef, 'hmac-of-the-old-value'), false, 'computed before the swap');
      assert.deepEqual((await store.providerKeysWithoutValueHmac()).map((k) => k.id), [a.id]);
      await rules(store).deleteProviderKey(b.id, { force: false });
      assert.deepEqual(await store.findProviderKeysByValueHmac('hmac-1'), []);
    });

    withStore('a failed write changes nothing: a duplicate id is rolled back whole', async (store) => {
      const key = made(await rules(store).createProviderKey(providerKey('openai'), CHECKS));
      await assert.rejects(rules(store).createProviderKey(providerKey('openai', { id: key.id }), CHECKS));
      assert.equal(await store.countProviderKeys(), 1);
    });

    withStore('lists are newest first, paged by beforeId (also past a deleted item), and filtered', async (store) => {
      const keys: ProviderKeyRecord[] = [];
      for (let i = 0; i < 5; i++) keys.push(made(await rules(store).createProviderKey(providerKey(i % 2 ? 'anthropic' : 'openai'), CHECKS)));
      const newestFirst = keys.map((k) => k.id).reverse();
      const first = await store.listProviderKeys({ limit: 2 });
      assert.deepEqual(first.items.map((k) => k.id), newestFirst.slice(0, 2));
      assert.equal(first.hasMore, true);
      const second = await store.listProviderKeys({ limit: 2, beforeId: first.items[1]!.id });
      assert.deepEqual(second.items.map((k) => k.id), newestFirst.slice(2, 4));
      const last = await store.listProviderKeys({ limit: 2, beforeId: second.items[1]!.id });
      assert.deepEqual(last.items.map((k) => k.id), newestFirst.slice(4));
      assert.equal(last.hasMore, false);
      await rules(store).deleteProviderKey(second.items[1]!.id, { force: false });
      const afterDelete = await store.listProviderKeys({ limit: 2, beforeId: second.items[1]!.id });
      assert.deepEqual(afterDelete.items.map((k) => k.id), newestFirst.slice(4));
      const openai = await store.listProviderKeys({ limit: 100, providerId: 'openai' });
      assert.deepEqual(openai.items.map((k) => k.providerId), ['openai', 'openai', 'openai']);

      const access = made(await rules(store).createAccessKey(accessKey()));
      const attached = made(await rules(store).createProviderKey(providerKey('openai', { accessKeyId: access.id }), CHECKS));
      assert.deepEqual((await store.listProviderKeys({ limit: 100, accessKeyId: access.id })).items, [attached]);
      assert.deepEqual((await store.allProviderKeys()).map((k) => k.id), [...newestFirst.slice(0, 3), ...newestFirst.slice(4), attached.id].sort());

      const accessKeys = [access, made(await rules(store).createAccessKey(accessKey()))];
      const page = await store.listAccessKeys({ limit: 1 });
      assert.deepEqual(page.items.map((a) => a.id), [accessKeys[1]!.id]);
      assert.equal(page.hasMore, true);
      assert.deepEqual((await store.listAccessKeys({ limit: 5, beforeId: accessKeys[1]!.id })).items.map((a) => a.id), [access.id]);
    });

    withStore('access keys and configurations: a key reads its configuration\'s name; links change and clear', async (store) => {
      const config = made(await rules(store).createConfiguration(configuration({ name: 'prod', access: { providers: { allow: ['openai'] } } }), []));
      assert.deepEqual(await store.getConfiguration(config.id), config);
      const key = made(await rules(store).createAccessKey(accessKey({ accessKeyConfigurationId: config.id })));
      assert.equal(key.accessKeyConfigurationName, 'prod');
      assert.equal((await store.getAccessKey(key.id))?.accessKeyConfigurationName, 'prod');
      const renamed = made(await rules(store).updateConfiguration(config.id, { name: 'production' }, [], now()));
      assert.deepEqual(renamed.access, config.access, 'what the patch omits stays');
      assert.equal((await store.getAccessKey(key.id))?.accessKeyConfigurationName, 'production');
      const unlinked = made(await rules(store).updateAccessKey(key.id, { accessKeyConfigurationId: null, name: 'k' }, now()));
      assert.equal(unlinked.accessKeyConfigurationId, null);
      assert.equal(unlinked.accessKeyConfigurationName, null);
      assert.equal(unlinked.tokenHash, key.tokenHash);
      assert.equal(await rules(store).updateAccessKey('aigk_missing', { name: 'x' }, now()), undefined);
      assert.deepEqual((await store.allAccessKeys()).map((a) => a.id), [key.id]);
      assert.deepEqual((await store.allConfigurations()).map((c) => c.id), [config.id]);
      assert.deepEqual((await store.listConfigurations({ limit: 10 })).items.map((c) => c.id), [config.id]);
      assert.deepEqual(await rules(store).deleteConfiguration(config.id), { ...renamed });
      assert.deepEqual(made(await rules(store).deleteAccessKey(key.id, { force: false })).providerKeys, []);
      assert.equal(await store.getAccessKey(key.id), undefined);
    });

    withStore('access key lifecycle: expiry and disabled are kept, changed and cleared like other fields', async (store) => {
      const expiresAt = '2099-01-01T00:00:00.000Z';
      const key = made(await rules(store).createAccessKey(accessKey({ expiresAt, disabled: true })));
      assert.deepEqual(await store.getAccessKey(key.id), key);
      assert.equal(key.expiresAt, expiresAt);
      assert.equal(key.disabled, true);
      const enabled = made(await rules(store).updateAccessKey(key.id, { disabled: false, name: 'n' }, now()));
      assert.equal(enabled.disabled, false);
      assert.equal(enabled.expiresAt, expiresAt, 'what the patch omits stays');
      const cleared = made(await rules(store).updateAccessKey(key.id, { expiresAt: null }, now()));
      assert.equal(cleared.expiresAt, null);
      assert.equal(cleared.disabled, false);
      assert.equal(cleared.name, 'n');
      assert.deepEqual((await store.listAccessKeys({ limit: 10 })).items, [cleared]);
    });

    withStore('access key rotation: a new token on the same row; the replaced one is kept with its end, an older one dropped', async (store) => {
      const config = made(await rules(store).createConfiguration(configuration({ name: 'prod' }), []));
      const key = made(await rules(store).createAccessKey(accessKey({ name: 'app', accessKeyConfigurationId: config.id, expiresAt: '2099-01-01T00:00:00.000Z' })));
      assert.equal(key.previousTokenHash, null);
      assert.equal(key.previousTokenExpiresAt, null);
      const changes = recordChanges(store);
      const graceEnd = '2098-06-01T00:00:00.000Z';
      const rotated = await rules(store).rotateAccessKeyToken(key.id, { tokenHash: 'hash-second', keyRedacted: 'aigw_***2', previousTokenExpiresAt: graceEnd }, now());
      assert.ok(rotated);
      assert.deepEqual(resourcesOf(changes), [['accessKeys']]);
      assert.equal(rotated.id, key.id);
      assert.equal(rotated.tokenHash, 'hash-second');
      assert.equal(rotated.keyRedacted, 'aigw_***2');
      assert.equal(rotated.previousTokenHash, key.tokenHash);
      assert.equal(rotated.previousTokenExpiresAt, graceEnd);
      for (const field of ['name', 'accessKeyConfigurationId', 'accessKeyConfigurationName', 'expiresAt', 'disabled', 'createdAt'] as const) {
        assert.deepEqual(rotated[field], key[field], `${field} stays`);
      }
      assert.deepEqual(await store.getAccessKey(key.id), rotated);
      const again = await rules(store).rotateAccessKeyToken(key.id, { tokenHash: 'hash-third', keyRedacted: 'aigw_***3', previousTokenExpiresAt: now() }, now());
      assert.equal(again?.previousTokenHash, 'hash-second', 'only the token just replaced is kept');
      assert.deepEqual((await store.allAccessKeys()).map((a) => [a.tokenHash, a.previousTokenHash]), [['hash-third', 'hash-second']]);
      assert.equal(await rules(store).rotateAccessKeyToken('aigk_missing', { tokenHash: 'h', keyRedacted: '***', previousTokenExpiresAt: now() }, now()), undefined);
      assert.equal(changes.length, 2, 'a rotation of no key publishes nothing');
    });

    withStore('provider keys: disabled is kept and changed by update, and stays in router rules', async (store) => {
      const key = made(await rules(store).createProviderKey(providerKey('openai'), CHECKS));
      assert.equal(key.disabled, false);
      const config = made(await rules(store).createConfiguration(configuration({ router: routerOf('openai', [key.id]) }), []));
      const disabled = await rules(store).updateProviderKey(key.id, { disabled: true }, now());
      assert.equal(disabled?.disabled, true);
      assert.deepEqual(await store.getProviderKey(key.id), disabled);
      assert.deepEqual((await store.allProviderKeys()).map((k) => k.disabled), [true]);
      assert.deepEqual((await store.getConfiguration(config.id))?.router, config.router, 'a disabled key stays in its rules');
      assert.equal((await rules(store).updateProviderKey(key.id, { disabled: false }, now()))?.disabled, false);
    });

    withStore('custom providers: by id or providerId, one per providerId, update, delete', async (store) => {
      const provider = made(await rules(store).createCustomProvider(customProvider('my-vllm')));
      assert.deepEqual(await store.getCustomProvider(provider.id), provider);
      assert.deepEqual(await store.getCustomProvider('my-vllm'), provider);
      assert.deepEqual(await rules(store).createCustomProvider(customProvider('my-vllm')), { refused: 'duplicateProvider', providerId: 'my-vllm' });
      const updated = await rules(store).updateCustomProvider(provider.id, { baseUrl: 'http://10.0.0.2/v1', models: [] }, now());
      assert.equal(updated?.baseUrl, 'http://10.0.0.2/v1');
      assert.deepEqual(updated?.models, []);
      assert.equal(updated?.name, 'my-vllm');
      assert.deepEqual((await store.listCustomProviders({ limit: 10 })).items, [updated]);
      assert.deepEqual(await store.allCustomProviders(), [updated]);
      assert.deepEqual(await rules(store).deleteCustomProvider(provider.id), updated);
      assert.equal(await store.getCustomProvider('my-vllm'), undefined);
      assert.equal(await rules(store).deleteCustomProvider(provider.id), undefined);
    });

    test('at most 15 keys per provider on one access key, even when 20 creates race on two connections', async () => {
      const store = await harness.open();
      const sibling = await harness.sibling(store);
      try {
        const access = made(await rules(store).createAccessKey(accessKey()));
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            rules((i % 2 ? sibling : store)).createProviderKey(providerKey('openai', { accessKeyId: access.id }), CHECKS),
          ),
        );
        const refused = outcomes.filter((o) => isRefusal(o));
        assert.equal(refused.length, 5);
        assert.deepEqual(refused[0], { refused: 'tooManyKeys', limit: 15, providerId: 'openai', accessKeyId: access.id });
        assert.equal((await store.listProviderKeys({ limit: 100, accessKeyId: access.id })).items.length, 15);
        // Per provider and per access key: another provider, or an account-wide key, is not held back.
        made(await rules(store).createProviderKey(providerKey('anthropic', { accessKeyId: access.id }), CHECKS));
        made(await rules(sibling).createProviderKey(providerKey('openai'), CHECKS));
        assert.equal(await store.countProviderKeys(), 17);
      } finally {
        await sibling.close();
        await store.close();
      }
    });

    withStore('writes that point at what is not there are refused and change nothing', async (store) => {
      const missingAccess = newId('accessKey');
      assert.deepEqual(await rules(store).createProviderKey(providerKey('openai', { accessKeyId: missingAccess }), CHECKS), {
        refused: 'accessKeyMissing',
        id: missingAccess,
      });
      assert.deepEqual(await rules(store).createProviderKey(providerKey('my-vllm'), { ...CHECKS, customProviderId: 'my-vllm' }), {
        refused: 'providerMissing',
        providerIds: ['my-vllm'],
      });
      const missingConfig = newId('accessKeyConfiguration');
      assert.deepEqual(await rules(store).createAccessKey(accessKey({ accessKeyConfigurationId: missingConfig })), {
        refused: 'configurationMissing',
        id: missingConfig,
      });
      const key = made(await rules(store).createAccessKey(accessKey()));
      assert.deepEqual(await rules(store).updateAccessKey(key.id, { accessKeyConfigurationId: missingConfig }, now()), {
        refused: 'configurationMissing',
        id: missingConfig,
      });
      const missingKey = newId('providerKey');
      assert.deepEqual(await rules(store).createConfiguration(configuration({ router: routerOf('openai', [missingKey]) }), []), {
        refused: 'providerKeysMissing',
        ids: [missingKey],
      });
      const access: AccessScope = { providers: { allow: ['my-vllm'] } };
      assert.deepEqual(await rules(store).createConfiguration(configuration({ access }), ['my-vllm']), { refused: 'providerMissing', providerIds: ['my-vllm'] });
      const config = made(await rules(store).createConfiguration(configuration(), []));
      assert.deepEqual(await rules(store).updateConfiguration(config.id, { router: routerOf('openai', [missingKey]) }, [], now()), {
        refused: 'providerKeysMissing',
        ids: [missingKey],
      });
      assert.equal(await store.countProviderKeys(), 0);
      assert.deepEqual((await store.allAccessKeys()).map((a) => a.accessKeyConfigurationId), [null]);
      assert.deepEqual((await store.allConfigurations()).map((c) => c.router), [null]);
    });

    withStore('deletes of what others reference are refused, and change nothing', async (store) => {
      const provider = made(await rules(store).createCustomProvider(customProvider('my-vllm')));
      const key = made(await rules(store).createProviderKey(providerKey('my-vllm'), { ...CHECKS, customProviderId: 'my-vllm' }));
      const config = made(await rules(store).createConfiguration(configuration({ router: routerOf('my-vllm', [key.id]) }), ['my-vllm']));
      const access = made(await rules(store).createAccessKey(accessKey({ accessKeyConfigurationId: config.id })));
      const attached = made(await rules(store).createProviderKey(providerKey('openai', { accessKeyId: access.id }), CHECKS));

      assert.deepEqual(await rules(store).deleteProviderKey(key.id, { force: false }), { refused: 'referencedByConfigurations', configurationIds: [config.id] });
      assert.deepEqual(await rules(store).deleteConfiguration(config.id), { refused: 'linkedAccessKeys', accessKeyIds: [access.id] });
      assert.deepEqual(await rules(store).deleteCustomProvider(provider.id), {
        refused: 'providerInUse',
        providerKeyIds: [key.id],
        configurationIds: [config.id],
      });
      assert.deepEqual(await rules(store).deleteAccessKey(access.id, { force: false }), { refused: 'attachedProviderKeys', providerKeyIds: [attached.id] });
      assert.equal(await store.countProviderKeys(), 2);
      assert.deepEqual((await store.getConfiguration(config.id))?.router, config.router);
      assert.ok(await store.getCustomProvider(provider.id));
      assert.ok(await store.getAccessKey(access.id));
    });

    withStore('a forced delete cascades: the key leaves every rule; an access key takes its attached keys along', async (store) => {
      const access = made(await rules(store).createAccessKey(accessKey()));
      const attached = made(await rules(store).createProviderKey(providerKey('openai', { accessKeyId: access.id }), CHECKS));
      const shared = made(await rules(store).createProviderKey(providerKey('openai'), CHECKS));
      const config = made(await rules(store).createConfiguration(configuration({ router: routerOf('openai', [attached.id, shared.id], [attached.id]) }), []));

      const deleted = made(await rules(store).deleteAccessKey(access.id, { force: true }));
      assert.deepEqual(deleted.providerKeys, [attached]);
      assert.equal(deleted.record.id, access.id);
      assert.equal(await store.getProviderKey(attached.id), undefined);
      // The step left empty goes; the other keeps the key still there.
      assert.deepEqual((await store.getConfiguration(config.id))?.router, routerOf('openai', [shared.id]));

      made(await rules(store).deleteProviderKey(shared.id, { force: true }));
      assert.deepEqual((await store.getConfiguration(config.id))?.router, { rules: [] }, 'a rule with no step left goes');
      // Nothing references the deleted keys any more: the configuration's own delete is not held back.
      made(await rules(store).deleteConfiguration(config.id));
      assert.deepEqual([...(await store.listSecretRefs())], []);
    });

    withStore('rotation swaps the secret in one step and returns the record as it was', async (store) => {
      const key = made(await rules(store).createProviderKey(providerKey('openai', { name: 'n' }), CHECKS));
      const swapped = await rules(store).swapProviderKeySecret(key.id, { secretRef: 'new.ref', keyRedacted: '***new' }, '2030-01-01T00:00:00.000Z');
      assert.deepEqual(swapped?.before, key);
      assert.deepEqual(swapped?.after, { ...key, secretRef: 'new.ref', keyRedacted: '***new', updatedAt: '2030-01-01T00:00:00.000Z' });
      const renamed = await rules(store).swapProviderKeySecret(key.id, { secretRef: 'newer.ref', keyRedacted: '***nwr', name: 'm' }, now());
      assert.equal(renamed?.after.name, 'm');
      assert.deepEqual([...(await store.listSecretRefs())], ['newer.ref']);
      assert.equal(await rules(store).swapProviderKeySecret('aigpk_missing', { secretRef: 'x', keyRedacted: 'x' }, now()), undefined);
    });

    withStore('a transaction that throws leaves nothing it wrote, and the feed hears nothing', async (store) => {
      const changes = recordChanges(store);
      const key = providerKey('openai');
      await assert.rejects(
        store.transaction(['providerKeys'], async (tx) => {
          await tx.insertProviderKey(key);
          assert.ok(await tx.getProviderKey(key.id), 'a transaction sees its own writes');
          throw new Error('a rule gave up');
        }),
        /a rule gave up/,
      );
      assert.equal(await store.getProviderKey(key.id), undefined);
      assert.deepEqual(changes, []);
      // The store writes on afterwards.
      await store.transaction(['providerKeys'], (tx) => tx.insertProviderKey(key));
      assert.ok(await store.getProviderKey(key.id));
      assert.deepEqual(resourcesOf(changes), [['providerKeys']]);
    });

    withStore('a read outside an open transaction sees none of its writes until it commits', async (store) => {
      const key = providerKey('openai');
      let seenDuring: unknown = 'not read';
      await store.transaction(['providerKeys'], async (tx) => {
        await tx.insertProviderKey(key);
        seenDuring = await store.getProviderKey(key.id);
      });
      assert.equal(seenDuring, undefined);
      assert.deepEqual(await store.getProviderKey(key.id), key);
    });

    withStore('usage: appended in batches, listed newest first with filters and paging, lastUsed follows', async (store) => {
      const access = made(await rules(store).createAccessKey(accessKey()));
      const other = made(await rules(store).createAccessKey(accessKey()));
      const answered = made(await rules(store).createProviderKey(providerKey('openai'), CHECKS));
      const unreachable = made(await rules(store).createProviderKey(providerKey('openai'), CHECKS));
      const t = Date.parse('2031-02-03T04:05:06.789Z');
      // Made first and earlier, appended last (the first attempt of a slow request): lastUsed must not move back.
      const late = usageDraft({ timeMs: t - 1000, accessKeyId: access.id, providerKeyId: answered.id, cacheWriteTokens: 1, costUsd: 0.25 });
      const retry = usageDraft({ timeMs: t, accessKeyId: access.id, providerKeyId: answered.id, providerKeyRedacted: '***a', statusCode: 429, isError: true, isFinalAttempt: false });
      const timedOut = usageDraft({ timeMs: t + 5, accessKeyId: access.id, providerKeyId: unreachable.id, statusCode: 0, isError: true, timedOut: true, error: 'timed out', attemptNumber: 2, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0, tokensKnown: false });
      const nextDay = usageDraft({ timeMs: t + 86_400_000, accessKeyId: other.id, provider: 'anthropic', model: 'claude-3-5-haiku', isStreaming: true, costUsd: 0.5 });
      await Promise.all([store.appendUsage(packed([retry, timedOut, nextDay])), store.appendUsage(packed([late]))]);

      const all = await store.listUsage({ limit: 10, includeRetries: true });
      const asStored = ({ timeMs, ...rest }: UsageDraft) => ({ ...rest, eventTime: new Date(timeMs).toISOString() });
      assert.deepEqual(all.items, [nextDay, timedOut, retry, late].map(asStored));
      assert.equal(all.hasMore, false);
      assert.deepEqual((await store.listUsage({ limit: 10, includeRetries: false })).items.map((e) => e.id), [nextDay.id, timedOut.id, late.id]);
      const firstPage = await store.listUsage({ limit: 2, includeRetries: true });
      assert.equal(firstPage.hasMore, true);
      const secondPage = await store.listUsage({ limit: 2, cursor: firstPage.items[1]!.id, includeRetries: true });
      assert.deepEqual(secondPage.items.map((e) => e.id), [retry.id, late.id]);
      const window = { startTime: new Date(t).toISOString(), endTime: new Date(t + 86_400_000).toISOString() };
      assert.deepEqual((await store.listUsage({ limit: 10, ...window, accessKeyId: access.id, includeRetries: true })).items.map((e) => e.id), [timedOut.id, retry.id]);

      assert.equal((await store.getAccessKey(access.id))?.lastUsed, new Date(t + 5).toISOString());
      // A key is used when its provider answered, even with an error; a timed-out attempt never reached it.
      assert.equal((await store.getProviderKey(answered.id))?.lastUsed, new Date(t).toISOString());
      assert.equal((await store.getProviderKey(unreachable.id))?.lastUsed, null);

      const range = { startTime: '2031-01-01T00:00:00.000Z', endTime: '2031-03-01T00:00:00.000Z' };
      // Cost sums what is known; an attempt of unknown cost is counted as unpriced, never as zero cost.
      const day1 = { requests: 2, errors: 1, costUsd: 0.25, unpricedRequests: 1, inputTokens: 3, outputTokens: 4 };
      const day2 = { requests: 1, errors: 0, costUsd: 0.5, unpricedRequests: 0, inputTokens: 3, outputTokens: 4 };
      assert.deepEqual(await store.usageOverview({ ...range, groupBy: 'provider' }), [
        { day: '2031-02-03', groupKey: 'openai', ...day1 },
        { day: '2031-02-04', groupKey: 'anthropic', ...day2 },
      ]);
      assert.deepEqual(await store.usageOverview({ ...range, groupBy: 'accessKey' }), [
        { day: '2031-02-03', groupKey: access.id, ...day1 },
        { day: '2031-02-04', groupKey: other.id, ...day2 },
      ]);
      assert.deepEqual(await store.usageOverview({ ...range, groupBy: 'model' }), [
        { day: '2031-02-03', groupKey: 'openai:gpt-4o-mini', ...day1 },
        { day: '2031-02-04', groupKey: 'anthropic:claude-3-5-haiku', ...day2 },
      ]);
      assert.deepEqual(await store.usageOverview({ ...range, groupBy: 'providerKey' }), [
        { day: '2031-02-03', groupKey: answered.id, requests: 1, errors: 0, costUsd: 0.25, unpricedRequests: 0, inputTokens: 3, outputTokens: 4 },
        { day: '2031-02-03', groupKey: unreachable.id, requests: 1, errors: 1, costUsd: 0, unpricedRequests: 1, inputTokens: 0, outputTokens: 0 },
        { day: '2031-02-04', groupKey: 'none', ...day2 },
      ].sort((a, b) => a.day.localeCompare(b.day) || a.groupKey.localeCompare(b.groupKey)));
      assert.deepEqual(await store.usageOverview({ startTime: range.startTime, endTime: window.startTime, groupBy: 'provider' }), [
        { day: '2031-02-03', groupKey: 'openai', requests: 1, errors: 0, costUsd: 0.25, unpricedRequests: 0, inputTokens: 3, outputTokens: 4 },
      ]);
    });

    withStore('budgets and rate limits: kept on access keys and configurations, changed only when given, cleared by null', async (store) => {
      const budget = { amountUsd: 25, period: 'month' as const, softLimitUsd: 20 };
      const rateLimits = { requestsPerMinute: 60, tokensPerMinute: 100_000, maxConcurrent: 4 };
      const config = made(await rules(store).createConfiguration(configuration({ budget: { amountUsd: 5, period: 'none' }, rateLimits: { maxConcurrent: 2 } }), []));
      const key = made(await rules(store).createAccessKey(accessKey({ budget, rateLimits, accessKeyConfigurationId: config.id })));
      assert.deepEqual([key.budget, key.rateLimits], [budget, rateLimits]);
      assert.deepEqual((await store.allAccessKeys()).find((k) => k.id === key.id)?.budget, budget);
      assert.deepEqual((await store.getConfiguration(config.id))?.budget, { amountUsd: 5, period: 'none' });

      const renamed = made(await rules(store).updateAccessKey(key.id, { name: 'renamed' }, now()));
      assert.deepEqual([renamed.budget, renamed.rateLimits], [budget, rateLimits], 'a patch without them keeps them');
      const cleared = made(await rules(store).updateAccessKey(key.id, { budget: null, rateLimits: { requestsPerMinute: 1 } }, now()));
      assert.deepEqual([cleared.budget, cleared.rateLimits], [null, { requestsPerMinute: 1 }]);
      const configCleared = made(await rules(store).updateConfiguration(config.id, { rateLimits: null }, [], now()));
      assert.deepEqual([configCleared.budget, configCleared.rateLimits], [{ amountUsd: 5, period: 'none' }, null]);
    });

    withStore('spendSince: the known cost and the unpriced attempts of each key from a time on', async (store) => {
      const a = made(await rules(store).createAccessKey(accessKey()));
      const b = made(await rules(store).createAccessKey(accessKey()));
      const idle = made(await rules(store).createAccessKey(accessKey()));
      const t = Date.parse('2032-05-01T00:00:00.000Z');
      await store.appendUsage(packed([
        usageDraft({ timeMs: t - 1, accessKeyId: a.id, costUsd: 100 }),
        usageDraft({ timeMs: t, accessKeyId: a.id, costUsd: 0.25 }),
        usageDraft({ timeMs: t + 1000, accessKeyId: a.id, costUsd: 0.5, isFinalAttempt: false }),
        usageDraft({ timeMs: t + 2000, accessKeyId: a.id, costUsd: null }),
        usageDraft({ timeMs: t + 3000, accessKeyId: b.id, costUsd: 1 }),
      ]));
      // A second batch from another writer (another replica's gateway) counts as soon as it is appended.
      const sibling = await harness.sibling(store);
      try {
        await sibling.appendUsage(packed([usageDraft({ timeMs: t + 4000, accessKeyId: b.id, costUsd: 2 })]));
      } finally {
        await sibling.close();
      }
      const spend = await store.spendSince({ since: new Date(t).toISOString(), accessKeyIds: [a.id, b.id, idle.id, a.id] });
      const byKey = Object.fromEntries(spend.map((s) => [s.accessKeyId, s]));
      assert.deepEqual(Object.keys(byKey).sort(), [a.id, b.id].sort(), 'a key without attempts in the range is left out');
      assert.deepEqual(byKey[a.id], { accessKeyId: a.id, costUsd: 0.75, unpricedAttempts: 1 }, 'every attempt counts, retries too');
      assert.deepEqual(byKey[b.id], { accessKeyId: b.id, costUsd: 3, unpricedAttempts: 0 });
      assert.deepEqual(await store.spendSince({ since: new Date(t + 10_000).toISOString(), accessKeyIds: [a.id] }), []);
      assert.deepEqual(await store.spendSince({ since: new Date(0).toISOString(), accessKeyIds: [] }), []);
    });

    withStore('a passthrough attempt keeps no access key, its key source and the redacted client key', async (store) => {
      const t = Date.parse('2031-05-06T07:08:09.010Z');
      const passthrough = usageDraft({ timeMs: t, accessKeyId: null, keySource: 'passthrough', providerKeyRedacted: 'sk-proj-ab***wxyz' });
      await store.appendUsage(packed([passthrough]));
      const { timeMs, ...rest } = passthrough;
      assert.deepEqual((await store.listUsage({ limit: 10, includeRetries: true })).items, [{ ...rest, eventTime: new Date(timeMs).toISOString() }]);
      const range = { startTime: '2031-05-01T00:00:00.000Z', endTime: '2031-06-01T00:00:00.000Z' };
      assert.deepEqual((await store.usageOverview({ ...range, groupBy: 'accessKey' })).map((b) => b.groupKey), ['none']);
    });

    withStore('usage text with tabs, newlines, backslashes and non-ASCII is stored as given, NULLs stay NULL', async (store) => {
      const t = Date.parse('2031-05-06T07:08:09.010Z');
      const odd = 'a\tb\nc\r\\N\\.\\ é 漢 🙂';
      const drafts = [
        usageDraft({ timeMs: t, accessKeyId: 'aigak_odd', requestId: `req\t${odd}`, error: odd, model: `m\\${odd}`, stopReason: '\\N', isError: true, costUsd: 1.5e-7 }),
        usageDraft({ timeMs: t + 1, accessKeyId: 'aigak_odd', error: null, costUsd: null, stopReason: '' }),
      ];
      await store.appendUsage(packed(drafts));
      const asStored = ({ timeMs, ...rest }: UsageDraft) => ({ ...rest, eventTime: new Date(timeMs).toISOString() });
      assert.deepEqual((await store.listUsage({ limit: 10, includeRetries: true })).items, drafts.map(asStored).reverse());
    });

    withStore('the change feed names what each write changed; refused and missing writes and usage are not on it', async (store) => {
      const changes = recordChanges(store);
      await store.setSettings({ 'gateway.totalTimeout': '1m' });
      const access = made(await rules(store).createAccessKey(accessKey()));
      const key = made(await rules(store).createProviderKey(providerKey('openai', { accessKeyId: access.id }), CHECKS));
      await rules(store).swapProviderKeySecret(key.id, { secretRef: 'r2', keyRedacted: '***' }, now());
      const config = made(await rules(store).createConfiguration(configuration(), []));
      const provider = made(await rules(store).createCustomProvider(customProvider('my-vllm')));
      assert.deepEqual(resourcesOf(changes), [['settings'], ['accessKeys'], ['providerKeys'], ['providerKeys'], ['configurations'], ['customProviders']]);

      changes.length = 0;
      await rules(store).deleteAccessKey(access.id, { force: false });
      await rules(store).updateProviderKey('aigpk_missing', { name: 'x' }, now());
      await rules(store).createCustomProvider(customProvider('my-vllm'));
      await store.appendUsage(packed([usageDraft({ timeMs: Date.now(), accessKeyId: access.id })]));
      assert.deepEqual(changes, [], 'nothing changed that a reader keeps');

      await rules(store).deleteAccessKey(access.id, { force: true });
      await rules(store).updateConfiguration(config.id, { name: 'renamed' }, [], now());
      await rules(store).deleteCustomProvider(provider.id);
      assert.deepEqual(resourcesOf(changes).slice(1), [['configurations'], ['customProviders']]);
      assert.ok((changes[0] as { resources: string[] }).resources.includes('providerKeys'), 'a forced delete names the keys it took along');
    });

    withStore('a write resolves only after this process\'s listeners have handled its change; unsubscribed ones hear nothing', async (store) => {
      let handled = 0;
      const unsubscribe = store.changes.subscribe(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        handled++;
      });
      const failing = store.changes.subscribe(() => {
        throw new Error('a listener that fails');
      });
      made(await rules(store).createAccessKey(accessKey()));
      assert.equal(handled, 1, 'the write waited for the listener');
      unsubscribe();
      failing();
      made(await rules(store).createAccessKey(accessKey()));
      assert.equal(handled, 1);
    });
  });
}
