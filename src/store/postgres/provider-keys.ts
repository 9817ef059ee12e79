import type { Page, ProviderKeyPatch, ProviderKeyQuery, ProviderKeyRecord, SecretSwap } from '../types.js';
import { insertSql, type Db, type Value } from './connection.js';
import { providerKeyColumns, toProviderKey, type ProviderKeyRow } from '../rows.js';

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

export async function insertProviderKey(db: Db, record: ProviderKeyRecord): Promise<void> {
  await db.run(INSERT, valuesOf(record));
}

export async function countAttachedProviderKeys(db: Db, accessKeyId: string, providerId: string): Promise<number> {
  return (await db.row<{ n: number }>(COUNT_ATTACHED, [accessKeyId, providerId]))!.n;
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

export async function providerKeyIdsOf(db: Db, providerId: string): Promise<string[]> {
  return (await db.rows<{ id: string }>(OF_PROVIDER, [providerId])).map((r) => r.id);
}

export async function updateProviderKey(db: Db, id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined> {
  if (!(await db.updateColumns('provider_keys', id, providerKeyColumns(patch), updatedAt))) return undefined;
  return toProviderKey((await row(db, id))!);
}

export async function swapProviderKeySecret(db: Db, id: string, swap: SecretSwap, updatedAt: string): Promise<ProviderKeyRecord | undefined> {
  if ((await db.run(SWAP_SECRET, [swap.secretRef, swap.keyRedacted, swap.name ?? null, updatedAt, id])) === 0) return undefined;
  return toProviderKey((await row(db, id))!);
}

export async function deleteProviderKey(db: Db, id: string): Promise<boolean> {
  return (await db.run(DELETE, [id])) > 0;
}

export async function attachedProviderKeys(db: Db, accessKeyId: string): Promise<ProviderKeyRecord[]> {
  return (await db.rows<ProviderKeyRow>(ATTACHED, [accessKeyId])).map(toProviderKey);
}
