import { createHmac, randomBytes } from 'node:crypto';
import { AigwError, ERRORS } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { checkLabels, checkSecretValue } from '../core/provider-keys.js';
import { LIMITS } from '../core/limits.js';
import { redact } from '../core/redact.js';
import { type Page, type ProviderKeyPatch, type ProviderKeyQuery, type ProviderKeyRecord, type Store } from '../store/types.js';
import { systemClock, type Clock, type Logger, type SecretVault } from './ports.js';
import type { ProviderService } from './providers.js';
import { refusalError } from './refusals.js';
import { isRefusal, StoreRules } from './rules.js';

export type { ProviderKeyRecord };

export interface ProviderKeyCreate {
  providerId: string;
  value: string;
  name?: string | undefined;
  description?: string | undefined;
  metadata?: string | undefined;
  /** The access key the provider key is attached to; omitted = account-wide. */
  accessKeyId?: string | undefined;
}

export interface ProviderKeyRotate {
  value: string;
  name?: string | undefined;
}

/**
 * The secret that keys the HMAC of provider key values, one per install (so the same value has a different
 * HMAC in every home), kept in the secret store beside the values: a database alone can neither show nor
 * confirm a value.
 */
export const VALUE_HMAC_KEY_REF = 'aigw-value-hmac-key';

/** A fresh name for each value a key ever has, so a new value is written beside the old before the switch. */
function newSecretRef(id: string): string {
  return `${id}.${randomBytes(4).toString('hex')}`;
}

function notFound(id: string): AigwError {
  return new AigwError(ERRORS.notFound, `provider key ${id} does not exist; run \`aigw provider-keys list\``, { id });
}

/**
 * Provider keys: metadata in the Store, values in the SecretStore. The Store is the source of truth:
 * a value is written before the row that points at it and dropped after the row stops pointing at it,
 * so a crash can leave an orphan value (harmless, reclaimable) but never a row without its value.
 */
export class ProviderKeyService {
  private hmacKey: Promise<string> | undefined;

  private readonly rules: StoreRules;

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretVault,
    private readonly providers: ProviderService,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.rules = new StoreRules(store);
  }

  /** Secrets of keys the store no longer points at; a failure only leaves an orphan behind. */
  async dropSecret(ref: string): Promise<void> {
    try {
      await this.secrets.delete(ref);
    } catch (err) {
      this.log.warn({ ref, err: (err as Error).message }, 'could not delete a secret that is no longer used');
    }
  }

  async create(input: ProviderKeyCreate): Promise<ProviderKeyRecord> {
    const provider = await this.providers.resolve(input.providerId);
    checkLabels(input);
    checkSecretValue(input.value);
    const id = newId('providerKey');
    const secretRef = newSecretRef(id);
    const now = this.clock.now();
    const record: ProviderKeyRecord = {
      id,
      providerId: provider.providerId,
      name: input.name ?? '',
      description: input.description ?? '',
      metadata: input.metadata ?? '',
      keyRedacted: redact(input.value),
      accessKeyId: input.accessKeyId ?? null,
      secretRef,
      createdAt: now,
      updatedAt: now,
      lastUsed: null,
      disabled: false,
    };
    await this.secrets.set(secretRef, input.value);
    let created;
    try {
      created = await this.rules.createProviderKey(record, {
        customProviderId: provider.custom ? provider.providerId : undefined,
        maxPerAccessKey: LIMITS.keysPerProviderPerAccessKey,
      });
    } catch (err) {
      await this.dropSecret(secretRef);
      throw err;
    }
    if (isRefusal(created)) {
      await this.dropSecret(secretRef);
      throw refusalError(created, `provider key ${id}`);
    }
    const { providerId, keyRedacted, accessKeyId } = record;
    this.log.info({ id, providerId, keyRedacted, accessKeyId }, 'provider key created');
    return record;
  }

  async get(id: string): Promise<ProviderKeyRecord> {
    const record = await this.store.getProviderKey(id);
    if (!record) throw notFound(id);
    return record;
  }

  /** A filter naming a provider or access key that does not exist is refused, as create refuses it, not answered with no rows. */
  async list(query: ProviderKeyQuery): Promise<Page<ProviderKeyRecord>> {
    const providerId = query.providerId && (await this.providers.resolve(query.providerId)).providerId;
    if (query.accessKeyId && !(await this.store.getAccessKey(query.accessKeyId))) {
      throw refusalError({ refused: 'accessKeyMissing', id: query.accessKeyId }, 'the list');
    }
    return this.store.listProviderKeys({ ...query, providerId });
  }

  async update(id: string, patch: ProviderKeyPatch): Promise<ProviderKeyRecord> {
    checkLabels(patch);
    const record = await this.rules.updateProviderKey(id, patch, this.clock.now());
    if (!record) throw notFound(id);
    this.log.info({ id, disabled: record.disabled }, 'provider key updated');
    return record;
  }

  async rotate(id: string, input: ProviderKeyRotate): Promise<ProviderKeyRecord> {
    checkLabels(input);
    checkSecretValue(input.value);
    await this.get(id);
    const secretRef = newSecretRef(id);
    await this.secrets.set(secretRef, input.value);
    const swapped = await this.rules.swapProviderKeySecret(
      id,
      { secretRef, keyRedacted: redact(input.value), name: input.name },
      this.clock.now(),
    );
    if (!swapped) {
      await this.dropSecret(secretRef);
      throw notFound(id);
    }
    await this.dropSecret(swapped.before.secretRef);
    this.log.info({ id, keyRedacted: swapped.after.keyRedacted }, 'provider key rotated');
    return swapped.after;
  }

  /** Refuses while a router rule references the key, unless forced (then it leaves those rules). */
  async delete(id: string, force = false): Promise<void> {
    const record = await this.rules.deleteProviderKey(id, { force });
    if (!record) throw notFound(id);
    if (isRefusal(record)) throw refusalError(record, `provider key ${id}`);
    await this.dropSecret(record.secretRef);
    this.log.info({ id, force }, 'provider key deleted');
  }

  /**
   * The stored key holding this value (of this provider, when one is named), or null: what an import asks
   * before storing a value again. Compared by the keyed HMAC, made here for the keys that have none yet
   * (created or rotated since the last lookup), so create and rotate never wait for it, and the HMAC key
   * exists only in homes that ever looked a value up.
   */
  async lookup(value: string, providerId?: string): Promise<ProviderKeyRecord | null> {
    checkSecretValue(value);
    const wanted = providerId && (await this.providers.resolve(providerId)).providerId;
    await this.backfillValueHmacs();
    const found = await this.store.findProviderKeysByValueHmac(await this.valueHmac(value));
    return found.find((k) => !wanted || k.providerId === wanted) ?? null;
  }

  private async valueHmac(value: string): Promise<string> {
    this.hmacKey ??= this.loadHmacKey().catch((err) => {
      this.hmacKey = undefined;
      throw err;
    });
    return createHmac('sha256', await this.hmacKey).update(value).digest('hex');
  }

  private async loadHmacKey(): Promise<string> {
    const stored = await this.secrets.get(VALUE_HMAC_KEY_REF);
    if (stored) return stored;
    // Replicas on one database secret store share the key: of two making it at once, the first one's is kept.
    const key = randomBytes(32).toString('hex');
    if (this.secrets.setIfAbsent) await this.secrets.setIfAbsent(VALUE_HMAC_KEY_REF, key);
    else await this.secrets.set(VALUE_HMAC_KEY_REF, key);
    return (await this.secrets.get(VALUE_HMAC_KEY_REF))!;
  }

  private async backfillValueHmacs(): Promise<void> {
    for (const key of await this.store.providerKeysWithoutValueHmac()) {
      const value = await this.secrets.get(key.secretRef);
      if (value !== undefined) await this.store.setProviderKeyValueHmac(key.id, key.secretRef, await this.valueHmac(value));
    }
  }
}
