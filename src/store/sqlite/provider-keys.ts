import type {
  Outcome,
  Page,
  ProviderKeyCreateChecks,
  ProviderKeyPatch,
  ProviderKeyQuery,
  ProviderKeyRecord,
  SecretSwap,
} from '../types.js';
import { accessKeyExists } from './access-keys.js';
import { configurationsUsingKey, detachFromConfigurations } from './configurations.js';
import type { Connection, Params } from './connection.js';
import { customProviderExists } from './custom-providers.js';
import { toProviderKey, type ProviderKeyRow } from '../rows.js';

const INSERT = `
  INSERT INTO provider_keys (id, provider_id, name, description, metadata, key_redacted, access_key_id,
                             secret_ref, created_at, updated_at, last_used, disabled)
  VALUES (@id, @providerId, @name, @description, @metadata, @keyRedacted, @accessKeyId,
          @secretRef, @createdAt, @updatedAt, @lastUsed, @disabled)`;
const GET = 'SELECT * FROM provider_keys WHERE id = ?';
const COUNT = 'SELECT count(*) AS n FROM provider_keys';
const COUNT_ATTACHED = 'SELECT count(*) AS n FROM provider_keys WHERE access_key_id = ? AND provider_id = ?';
const ATTACHED = 'SELECT * FROM provider_keys WHERE access_key_id = ? ORDER BY id';
const OF_PROVIDER = 'SELECT id FROM provider_keys WHERE provider_id = ? ORDER BY id';
const DELETE = 'DELETE FROM provider_keys WHERE id = ?';
const SWAP_SECRET = `
  UPDATE provider_keys SET secret_ref = @secretRef, key_redacted = @keyRedacted, value_hmac = NULL,
         name = coalesce(@name, name), updated_at = @updatedAt WHERE id = @id`;
const ALL = 'SELECT * FROM provider_keys ORDER BY id';
const SECRET_REFS = 'SELECT secret_ref FROM provider_keys';
const SET_VALUE_HMAC = 'UPDATE provider_keys SET value_hmac = ? WHERE id = ? AND secret_ref = ?';
const BY_VALUE_HMAC = 'SELECT * FROM provider_keys WHERE value_hmac = ? ORDER BY id';
const WITHOUT_VALUE_HMAC = 'SELECT * FROM provider_keys WHERE value_hmac IS NULL ORDER BY id';

const row = (c: Connection, id: string) => c.sql<[string], ProviderKeyRow>(GET).get(id);

export function providerKeyExists(c: Connection, id: string): boolean {
  return row(c, id) !== undefined;
}

export function createProviderKey(c: Connection, record: ProviderKeyRecord, checks: ProviderKeyCreateChecks): Outcome<ProviderKeyRecord> {
  if (checks.customProviderId !== undefined && !customProviderExists(c, checks.customProviderId)) {
    return { refused: 'providerMissing', providerIds: [checks.customProviderId] };
  }
  if (record.accessKeyId !== null) {
    if (!accessKeyExists(c, record.accessKeyId)) return { refused: 'accessKeyMissing', id: record.accessKeyId };
    const { n } = c.sql<[string, string], { n: number }>(COUNT_ATTACHED).get(record.accessKeyId, record.providerId)!;
    if (n >= checks.maxPerAccessKey) {
      const { providerId, accessKeyId } = record;
      return { refused: 'tooManyKeys', limit: checks.maxPerAccessKey, providerId, accessKeyId };
    }
  }
  c.sql(INSERT).run({ ...record, disabled: record.disabled ? 1 : 0 });
  return record;
}

export function getProviderKey(c: Connection, id: string): ProviderKeyRecord | undefined {
  const found = row(c, id);
  return found && toProviderKey(found);
}

export function getProviderKeys(c: Connection, ids: readonly string[]): ProviderKeyRecord[] {
  return ids.flatMap((id) => {
    const found = row(c, id);
    return found ? [toProviderKey(found)] : [];
  });
}

export function listProviderKeys(c: Connection, query: ProviderKeyQuery): Page<ProviderKeyRecord> {
  const filters: Params = {};
  if (query.providerId !== undefined) filters.provider_id = query.providerId;
  if (query.accessKeyId !== undefined) filters.access_key_id = query.accessKeyId;
  return c.page('SELECT * FROM provider_keys', 'id', query, filters, toProviderKey);
}

export function countProviderKeys(c: Connection): number {
  return c.sql<[], { n: number }>(COUNT).get()!.n;
}

export function allProviderKeys(c: Connection): ProviderKeyRecord[] {
  return c.sql<[], ProviderKeyRow>(ALL).all().map(toProviderKey);
}

export function secretRefs(c: Connection): Set<string> {
  return new Set(c.sql<[], { secret_ref: string }>(SECRET_REFS).all().map((r) => r.secret_ref));
}

export function setProviderKeyValueHmac(c: Connection, id: string, secretRef: string, valueHmac: string): boolean {
  return c.sql(SET_VALUE_HMAC).run(valueHmac, id, secretRef).changes > 0;
}

export function findProviderKeysByValueHmac(c: Connection, valueHmac: string): ProviderKeyRecord[] {
  return c.sql<[string], ProviderKeyRow>(BY_VALUE_HMAC).all(valueHmac).map(toProviderKey);
}

export function providerKeysWithoutValueHmac(c: Connection): ProviderKeyRecord[] {
  return c.sql<[], ProviderKeyRow>(WITHOUT_VALUE_HMAC).all().map(toProviderKey);
}

/** The ids of a provider's keys, for the references a custom provider's delete checks. */
export function keysOfProvider(c: Connection, providerId: string): string[] {
  return c.sql<[string], { id: string }>(OF_PROVIDER).all(providerId).map((r) => r.id);
}

export function updateProviderKey(c: Connection, id: string, patch: ProviderKeyPatch, updatedAt: string): ProviderKeyRecord | undefined {
  const { name, description, metadata, disabled } = patch;
  const columns = { name, description, metadata, disabled: disabled === undefined ? undefined : disabled ? 1 : 0 };
  if (!c.updateColumns('provider_keys', id, columns, updatedAt)) return undefined;
  return toProviderKey(row(c, id)!);
}

export function swapProviderKeySecret(c: Connection, id: string, swap: SecretSwap, updatedAt: string) {
  const before = row(c, id);
  if (!before) return undefined;
  c.sql(SWAP_SECRET).run({ ...swap, name: swap.name ?? null, updatedAt, id });
  return { before: toProviderKey(before), after: toProviderKey(row(c, id)!) };
}

/** Deletes the key after taking it out of every configuration's rules. */
function removeProviderKey(c: Connection, id: string, updatedAt: string): void {
  detachFromConfigurations(c, id, updatedAt);
  c.sql(DELETE).run(id);
}

export function deleteProviderKey(c: Connection, id: string, options: { force: boolean }): Outcome<ProviderKeyRecord> | undefined {
  const found = row(c, id);
  if (!found) return undefined;
  const users = configurationsUsingKey(c, id);
  if (users.length > 0 && !options.force) return { refused: 'referencedByConfigurations', configurationIds: users };
  removeProviderKey(c, id, new Date().toISOString());
  return toProviderKey(found);
}

/** The keys attached to an access key, oldest first. */
export function attachedProviderKeys(c: Connection, accessKeyId: string): ProviderKeyRecord[] {
  return c.sql<[string], ProviderKeyRow>(ATTACHED).all(accessKeyId).map(toProviderKey);
}

/** Deletes these keys, as a forced access key delete does with the keys attached to it. */
export function removeProviderKeys(c: Connection, keys: readonly ProviderKeyRecord[]): void {
  const now = new Date().toISOString();
  for (const key of keys) removeProviderKey(c, key.id, now);
}
