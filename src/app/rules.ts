import { configReferences, withoutProviderKey } from '../core/configs.js';
import type {
  AccessKeyPatch,
  AccessKeyRecord,
  ConfigurationPatch,
  ConfigurationRecord,
  CustomProviderPatch,
  CustomProviderRecord,
  ProviderKeyPatch,
  ProviderKeyRecord,
  SecretSwap,
  Store,
  StoreResource,
  StoreTransaction,
  TokenRotation,
} from '../store/types.js';

/** Why a write was refused. The rules check inside the write's transaction, so two racing writes cannot both pass. */
export type Refusal =
  | { refused: 'accessKeyMissing'; id: string }
  | { refused: 'configurationMissing'; id: string }
  | { refused: 'providerMissing'; providerIds: string[] }
  | { refused: 'tooManyKeys'; limit: number; providerId: string; accessKeyId: string }
  | { refused: 'providerKeysMissing'; ids: string[] }
  | { refused: 'referencedByConfigurations'; configurationIds: string[] }
  | { refused: 'attachedProviderKeys'; providerKeyIds: string[] }
  | { refused: 'linkedAccessKeys'; accessKeyIds: string[] }
  | { refused: 'providerInUse'; providerKeyIds: string[]; configurationIds: string[] }
  | { refused: 'duplicateProvider'; providerId: string };

/** A result, or the reason the rules would not write it. */
export type Outcome<T> = T | Refusal;

export function isRefusal<T>(outcome: Outcome<T>): outcome is Refusal {
  return typeof outcome === 'object' && outcome !== null && 'refused' in outcome;
}

export interface ProviderKeyCreateChecks {
  /** Set when the provider is a custom one: it must still exist when the key is written. */
  customProviderId?: string | undefined;
  /** At most this many keys per provider on one access key. */
  maxPerAccessKey: number;
}

export interface DeletedAccessKey {
  record: AccessKeyRecord;
  /** Provider keys deleted with it (only when forced); their secrets are the caller's to drop. */
  providerKeys: ProviderKeyRecord[];
}

/** Thrown inside a transaction so that a refusal rolls back whatever the rule had written before it. */
class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.refused);
  }
}

// What each kind of write may change, as the change feed names it (a forced delete reaches further).
const PROVIDER_KEY_DELETE: StoreResource[] = ['providerKeys', 'configurations'];
const ACCESS_KEY_DELETE: StoreResource[] = ['accessKeys', 'providerKeys', 'configurations'];

async function customProviderExists(tx: StoreTransaction, providerId: string): Promise<boolean> {
  return (await tx.getCustomProvider(providerId))?.providerId === providerId;
}

/** Takes the key out of every configuration's rules, then deletes it: a forced delete's cascade. */
async function removeProviderKey(tx: StoreTransaction, id: string, updatedAt: string): Promise<void> {
  for (const configurationId of await tx.configurationsUsingProviderKey(id)) {
    const { router } = (await tx.getConfiguration(configurationId))!;
    await tx.updateConfiguration(configurationId, { router: router && withoutProviderKey(router, id) }, updatedAt);
  }
  await tx.deleteProviderKey(id);
}

/** The reason a configuration cannot point where it does. */
async function missingReferences(
  tx: StoreTransaction,
  configuration: Pick<ConfigurationRecord, 'access' | 'router'>,
  customProviderIds: readonly string[],
): Promise<Refusal | undefined> {
  const missingProviders: string[] = [];
  for (const p of customProviderIds) if (!(await customProviderExists(tx, p))) missingProviders.push(p);
  if (missingProviders.length) return { refused: 'providerMissing', providerIds: missingProviders };
  const ids = configReferences(configuration.access, configuration.router).providerKeyIds;
  const found = new Set((await tx.getProviderKeys(ids)).map((k) => k.id));
  const missingKeys = ids.filter((k) => !found.has(k));
  if (missingKeys.length) return { refused: 'providerKeysMissing', ids: missingKeys };
  return undefined;
}

/**
 * The domain's write rules, written once for every Store: the 15-keys limit, the references a write must
 * find, the deletes that are refused while something points at the row, and the cascades of a forced
 * delete. Each write is one Store transaction, so its checks and its writes see no other write in between.
 * Undefined: there is no such row to write.
 */
export class StoreRules {
  constructor(private readonly store: Store) {}

  /** Runs a rule in one transaction; a refusal leaves nothing written and is answered, not thrown. */
  private async write<T>(resources: readonly StoreResource[], rule: (tx: StoreTransaction) => Promise<Outcome<T>>): Promise<Outcome<T>> {
    try {
      return await this.store.transaction(resources, async (tx) => {
        const outcome = await rule(tx);
        if (isRefusal(outcome)) throw new Refused(outcome);
        return outcome;
      });
    } catch (err) {
      if (err instanceof Refused) return err.refusal;
      throw err;
    }
  }

  createProviderKey(record: ProviderKeyRecord, checks: ProviderKeyCreateChecks): Promise<Outcome<ProviderKeyRecord>> {
    return this.write(['providerKeys'], async (tx) => {
      const { providerId, accessKeyId } = record;
      if (checks.customProviderId !== undefined && !(await customProviderExists(tx, checks.customProviderId))) {
        return { refused: 'providerMissing', providerIds: [checks.customProviderId] };
      }
      if (accessKeyId !== null) {
        if (!(await tx.getAccessKey(accessKeyId))) return { refused: 'accessKeyMissing', id: accessKeyId };
        if ((await tx.countAttachedProviderKeys(accessKeyId, providerId)) >= checks.maxPerAccessKey) {
          return { refused: 'tooManyKeys', limit: checks.maxPerAccessKey, providerId, accessKeyId };
        }
      }
      await tx.insertProviderKey(record);
      return record;
    });
  }

  updateProviderKey(id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined> {
    return this.store.transaction(['providerKeys'], (tx) => tx.updateProviderKey(id, patch, updatedAt));
  }

  /** Returns the record as it was before too, so the caller can drop the old secret. */
  swapProviderKeySecret(id: string, swap: SecretSwap, updatedAt: string) {
    return this.store.transaction(['providerKeys'], async (tx) => {
      const before = await tx.getProviderKey(id);
      const after = before && (await tx.swapProviderKeySecret(id, swap, updatedAt));
      return before && after && { before, after };
    });
  }

  /** Refuses while a configuration references the key, unless forced: then the key leaves those rules. */
  deleteProviderKey(id: string, options: { force: boolean }): Promise<Outcome<ProviderKeyRecord> | undefined> {
    return this.write(PROVIDER_KEY_DELETE, async (tx) => {
      const found = await tx.getProviderKey(id);
      if (!found) return undefined;
      const users = await tx.configurationsUsingProviderKey(id);
      if (users.length > 0 && !options.force) return { refused: 'referencedByConfigurations', configurationIds: users };
      await removeProviderKey(tx, id, new Date().toISOString());
      return found;
    });
  }

  createAccessKey(record: AccessKeyRecord): Promise<Outcome<AccessKeyRecord>> {
    return this.write(['accessKeys'], async (tx) => {
      const configurationId = record.accessKeyConfigurationId;
      if (configurationId !== null && !(await tx.getConfiguration(configurationId))) {
        return { refused: 'configurationMissing', id: configurationId };
      }
      return tx.insertAccessKey(record);
    });
  }

  updateAccessKey(id: string, patch: AccessKeyPatch, updatedAt: string): Promise<Outcome<AccessKeyRecord> | undefined> {
    return this.write(['accessKeys'], async (tx) => {
      if (!(await tx.getAccessKey(id))) return undefined;
      const configurationId = patch.accessKeyConfigurationId;
      if (typeof configurationId === 'string' && !(await tx.getConfiguration(configurationId))) {
        return { refused: 'configurationMissing', id: configurationId };
      }
      return tx.updateAccessKey(id, patch, updatedAt);
    });
  }

  rotateAccessKeyToken(id: string, rotation: TokenRotation, updatedAt: string): Promise<AccessKeyRecord | undefined> {
    return this.store.transaction(['accessKeys'], (tx) => tx.rotateAccessKeyToken(id, rotation, updatedAt));
  }

  /** Refuses while provider keys are attached, unless forced: then they are deleted with it. */
  deleteAccessKey(id: string, options: { force: boolean }): Promise<Outcome<DeletedAccessKey> | undefined> {
    return this.write(ACCESS_KEY_DELETE, async (tx) => {
      const record = await tx.getAccessKey(id);
      if (!record) return undefined;
      const attached = await tx.attachedProviderKeys(id);
      if (attached.length > 0 && !options.force) return { refused: 'attachedProviderKeys', providerKeyIds: attached.map((k) => k.id) };
      const now = new Date().toISOString();
      for (const key of attached) await removeProviderKey(tx, key.id, now);
      await tx.deleteAccessKey(id);
      return { record, providerKeys: attached };
    });
  }

  /** `customProviderIds` must exist when the configuration is written; every referenced key must too. */
  createConfiguration(record: ConfigurationRecord, customProviderIds: readonly string[]): Promise<Outcome<ConfigurationRecord>> {
    return this.write(['configurations'], async (tx) => {
      const missing = await missingReferences(tx, record, customProviderIds);
      if (missing) return missing;
      await tx.insertConfiguration(record);
      return record;
    });
  }

  updateConfiguration(
    id: string,
    patch: ConfigurationPatch,
    customProviderIds: readonly string[],
    updatedAt: string,
  ): Promise<Outcome<ConfigurationRecord> | undefined> {
    return this.write(['configurations'], async (tx) => {
      const current = await tx.getConfiguration(id);
      if (!current) return undefined;
      const access = patch.access === undefined ? current.access : patch.access;
      const router = patch.router === undefined ? current.router : patch.router;
      const missing = await missingReferences(tx, { access, router }, customProviderIds);
      if (missing) return missing;
      return tx.updateConfiguration(id, patch, updatedAt);
    });
  }

  /** Refuses while an access key links the configuration. */
  deleteConfiguration(id: string): Promise<Outcome<ConfigurationRecord> | undefined> {
    return this.write(['configurations'], async (tx) => {
      const found = await tx.getConfiguration(id);
      if (!found) return undefined;
      const linked = await tx.accessKeysLinking(id);
      if (linked.length) return { refused: 'linkedAccessKeys', accessKeyIds: linked };
      await tx.deleteConfiguration(id);
      return found;
    });
  }

  createCustomProvider(record: CustomProviderRecord): Promise<Outcome<CustomProviderRecord>> {
    return this.write(['customProviders'], async (tx) => {
      if (await customProviderExists(tx, record.providerId)) return { refused: 'duplicateProvider', providerId: record.providerId };
      await tx.insertCustomProvider(record);
      return record;
    });
  }

  updateCustomProvider(id: string, patch: CustomProviderPatch, updatedAt: string): Promise<CustomProviderRecord | undefined> {
    return this.store.transaction(['customProviders'], (tx) => tx.updateCustomProvider(id, patch, updatedAt));
  }

  /** Refuses while a provider key or a configuration references the provider. */
  deleteCustomProvider(id: string): Promise<Outcome<CustomProviderRecord> | undefined> {
    return this.write(['customProviders'], async (tx) => {
      const found = await tx.getCustomProvider(id);
      if (!found || found.id !== id) return undefined;
      const providerKeyIds = await tx.providerKeyIdsOf(found.providerId);
      const configurationIds = await tx.configurationsUsingProvider(found.providerId);
      if (providerKeyIds.length || configurationIds.length) return { refused: 'providerInUse', providerKeyIds, configurationIds };
      await tx.deleteCustomProvider(id);
      return found;
    });
  }
}
