import type { Page, ProviderKeyPatch, ProviderKeyQuery, ProviderKeyRecord, SecretSwap } from '../types.js';
import type { Connection, Params } from './connection.js';
import { providerKeyColumns, toProviderKey, type ProviderKeyRow } from '../rows.js';

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

export function insertProviderKey(c: Connection, record: ProviderKeyRecord): void {
  c.sql(INSERT).run({ ...record, disabled: record.disabled ? 1 : 0 });
}

export function countAttachedProviderKeys(c: Connection, accessKeyId: string, providerId: string): number {
  return c.sql<[string, string], { n: number }>(COUNT_ATTACHED).get(accessKeyId, providerId)!.n;
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

export function providerKeyIdsOf(c: Connection, providerId: string): string[] {
  return c.sql<[string], { id: string }>(OF_PROVIDER).all(providerId).map((r) => r.id);
}

export function updateProviderKey(c: Connection, id: string, patch: ProviderKeyPatch, updatedAt: string): ProviderKeyRecord | undefined {
  if (!c.updateColumns('provider_keys', id, providerKeyColumns(patch), updatedAt)) return undefined;
  return toProviderKey(row(c, id)!);
}

export function swapProviderKeySecret(c: Connection, id: string, swap: SecretSwap, updatedAt: string): ProviderKeyRecord | undefined {
  if (c.sql(SWAP_SECRET).run({ ...swap, name: swap.name ?? null, updatedAt, id }).changes === 0) return undefined;
  return toProviderKey(row(c, id)!);
}

export function deleteProviderKey(c: Connection, id: string): boolean {
  return c.sql(DELETE).run(id).changes > 0;
}

export function attachedProviderKeys(c: Connection, accessKeyId: string): ProviderKeyRecord[] {
  return c.sql<[string], ProviderKeyRow>(ATTACHED).all(accessKeyId).map(toProviderKey);
}
