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
import { insertSql, type Db, type Value } from './connection.js';
import { customProviderExists } from './custom-providers.js';
import { toProviderKey, type ProviderKeyRow } from '../rows.js';

// A new column goes in ProviderKeyRow and toProviderKey (../rows.ts), COLUMNS and valuesOf (and a migration), nowhere else.

const COLUMNS = [
  'id', 'provider_id', 'name', 'description', 'metadata', 'key_redacted', 'access_key_id', 'secret_ref', 'created_at',
  'updated_at', 'last_used', 'disabled',
];
const valuesOf = (r: ProviderKeyRecord): Value[] => [
  r.id, r.providerId, r.name, r.description, r.metadata, r.keyRedacted, r.accessKeyId, r.secretRef, r.createdAt,
  r.updatedAt, r.lastUsed, r.disabled,
];

const INSERT = insertSql('provider_keys', COLUMNS);
const GET = 'SELECT * FROM provider_keys WHERE id = $1';
const GET_MANY = 'SELECT * FROM provider_keys WHERE id = ANY($1::text[])';
const COUNT = 'SELECT count(*)::int AS n FROM provider_keys';
const COUNT_ATTACHED = 'SELECT count(*)::int AS n FROM provider_keys WHERE access_key_id = $1 AND provider_id = $2';
const ATTACHED = 'SELECT * FROM provider_keys WHERE access_key_id = $1 ORDER BY id';
const OF_PROVIDER = 'SELECT id FROM provider_keys WHERE provider_id = $1 ORDER BY id';
const DELETE = 'DELETE FROM provider_keys WHERE id = $1';
const SWAP_SECRET = `
  UPDATE provider_keys SET secret_ref = $1, key_redacted = $2, value_hmac = NULL, name = coalesce($3, name), updated_at = $4
   WHERE id = $5`;
const ALL = 'SELECT * FROM provider_keys ORDER BY id';
const SECRET_REFS = 'SELECT secret_ref FROM provider_keys';
const SET_VALUE_HMAC = 'UPDATE provider_keys SET value_hmac = $1 WHERE id = $2 AND secret_ref = $3';
const BY_VALUE_HMAC = 'SELECT * FROM provider_keys WHERE value_hmac = $1 ORDER BY id';
const WITHOUT_VALUE_HMAC = 'SELECT * FROM provider_keys WHERE value_hmac IS NULL ORDER BY id';

const row = (db: Db, id: string) => db.row<ProviderKeyRow>(GET, [id]);

export async function providerKeyExists(db: Db, id: string): Promise<boolean> {
  return (await row(db, id)) !== undefined;
}

export async function createProviderKey(db: Db, record: ProviderKeyRecord, checks: ProviderKeyCreateChecks): Promise<Outcome<ProviderKeyRecord>> {
  if (checks.customProviderId !== undefined && !(await customProviderExists(db, checks.customProviderId))) {
    return { refused: 'providerMissing', providerIds: [checks.customProviderId] };
  }
  if (record.accessKeyId !== null) {
    if (!(await accessKeyExists(db, record.accessKeyId))) return { refused: 'accessKeyMissing', id: record.accessKeyId };
    const { n } = (await db.row<{ n: number }>(COUNT_ATTACHED, [record.accessKeyId, record.providerId]))!;
    if (n >= checks.maxPerAccessKey) {
      const { providerId, accessKeyId } = record;
      return { refused: 'tooManyKeys', limit: checks.maxPerAccessKey, providerId, accessKeyId };
    }
  }
  await db.run(INSERT, valuesOf(record));
  return record;
}

export async function getProviderKey(db: Db, id: string): Promise<ProviderKeyRecord | undefined> {
  const found = await row(db, id);
  return found && toProviderKey(found);
}

/** In the order asked for, without the ids that are not there. */
export async function getProviderKeys(db: Db, ids: readonly string[]): Promise<ProviderKeyRecord[]> {
  const found = new Map((await db.rows<ProviderKeyRow>(GET_MANY, [ids])).map((r) => [r.id, toProviderKey(r)]));
  return ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
}

export function listProviderKeys(db: Db, query: ProviderKeyQuery): Promise<Page<ProviderKeyRecord>> {
  const filters: Record<string, Value> = {};
  if (query.providerId !== undefined) filters.provider_id = query.providerId;
  if (query.accessKeyId !== undefined) filters.access_key_id = query.accessKeyId;
  return db.page('SELECT * FROM provider_keys', 'id', query, filters, toProviderKey);
}

export async function countProviderKeys(db: Db): Promise<number> {
  return (await db.row<{ n: number }>(COUNT))!.n;
}

export async function allProviderKeys(db: Db): Promise<ProviderKeyRecord[]> {
  return (await db.rows<ProviderKeyRow>(ALL)).map(toProviderKey);
}

export async function secretRefs(db: Db): Promise<Set<string>> {
  return new Set((await db.rows<{ secret_ref: string }>(SECRET_REFS)).map((r) => r.secret_ref));
}

export async function setProviderKeyValueHmac(db: Db, id: string, secretRef: string, valueHmac: string): Promise<boolean> {
  return (await db.run(SET_VALUE_HMAC, [valueHmac, id, secretRef])) > 0;
}

export async function findProviderKeysByValueHmac(db: Db, valueHmac: string): Promise<ProviderKeyRecord[]> {
  return (await db.rows<ProviderKeyRow>(BY_VALUE_HMAC, [valueHmac])).map(toProviderKey);
}

export async function providerKeysWithoutValueHmac(db: Db): Promise<ProviderKeyRecord[]> {
  return (await db.rows<ProviderKeyRow>(WITHOUT_VALUE_HMAC)).map(toProviderKey);
}

/** The ids of a provider's keys, for the references a custom provider's delete checks. */
export async function keysOfProvider(db: Db, providerId: string): Promise<string[]> {
  return (await db.rows<{ id: string }>(OF_PROVIDER, [providerId])).map((r) => r.id);
}

export async function updateProviderKey(db: Db, id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined> {
  const { name, description, metadata, disabled } = patch;
  if (!(await db.updateColumns('provider_keys', id, { name, description, metadata, disabled }, updatedAt))) return undefined;
  return toProviderKey((await row(db, id))!);
}

export async function swapProviderKeySecret(db: Db, id: string, swap: SecretSwap, updatedAt: string) {
  const before = await row(db, id);
  if (!before) return undefined;
  await db.run(SWAP_SECRET, [swap.secretRef, swap.keyRedacted, swap.name ?? null, updatedAt, id]);
  return { before: toProviderKey(before), after: toProviderKey((await row(db, id))!) };
}

/** Deletes the key after taking it out of every configuration's rules. */
async function removeProviderKey(db: Db, id: string, updatedAt: string): Promise<void> {
  await detachFromConfigurations(db, id, updatedAt);
  await db.run(DELETE, [id]);
}

export async function deleteProviderKey(db: Db, id: string, options: { force: boolean }): Promise<Outcome<ProviderKeyRecord> | undefined> {
  const found = await row(db, id);
  if (!found) return undefined;
  const users = await configurationsUsingKey(db, id);
  if (users.length > 0 && !options.force) return { refused: 'referencedByConfigurations', configurationIds: users };
  await removeProviderKey(db, id, new Date().toISOString());
  return toProviderKey(found);
}

/** The keys attached to an access key, oldest first. */
export async function attachedProviderKeys(db: Db, accessKeyId: string): Promise<ProviderKeyRecord[]> {
  return (await db.rows<ProviderKeyRow>(ATTACHED, [accessKeyId])).map(toProviderKey);
}

/** Deletes these keys, as a forced access key delete does with the keys attached to it. */
export async function removeProviderKeys(db: Db, keys: readonly ProviderKeyRecord[]): Promise<void> {
  const now = new Date().toISOString();
  for (const key of keys) await removeProviderKey(db, key.id, now);
}
