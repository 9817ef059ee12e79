import type { AccessKeyPatch, AccessKeyRecord, Page, PageQuery, TokenRotation } from '../types.js';
import { insertSql, jsonOrNull, type Db, type Value } from './connection.js';
import { accessKeyColumns, toAccessKey, type AccessKeyRow } from '../rows.js';

// A new column goes in AccessKeyRow and toAccessKey (../rows.ts), COLUMNS and valuesOf (and a migration), nowhere else.

const COLUMNS = [
  'id', 'name', 'description', 'metadata', 'token_hash', 'key_redacted', 'access_key_configuration_id', 'created_at',
  'updated_at', 'last_used', 'expires_at', 'disabled', 'previous_token_hash', 'previous_token_expires_at', 'budget',
  'rate_limits',
];
const valuesOf = (r: AccessKeyRecord): Value[] => [
  r.id, r.name, r.description, r.metadata, r.tokenHash, r.keyRedacted, r.accessKeyConfigurationId, r.createdAt,
  r.updatedAt, r.lastUsed, r.expiresAt, r.disabled, r.previousTokenHash, r.previousTokenExpiresAt, jsonOrNull(r.budget),
  jsonOrNull(r.rateLimits),
];

const SELECT = `
  SELECT a.*, c.name AS configuration_name FROM access_keys a
  LEFT JOIN access_key_configurations c ON c.id = a.access_key_configuration_id`;
const INSERT = insertSql('access_keys', COLUMNS);
const GET = `${SELECT} WHERE a.id = $1`;
const ALL = `${SELECT} ORDER BY a.id`;
const DELETE = 'DELETE FROM access_keys WHERE id = $1';
const ROTATE = `
  UPDATE access_keys SET previous_token_hash = token_hash, previous_token_expires_at = $1, token_hash = $2,
         key_redacted = $3, updated_at = $4 WHERE id = $5`;
const LINKING = 'SELECT id FROM access_keys WHERE access_key_configuration_id = $1 ORDER BY id';

const row = (db: Db, id: string) => db.row<AccessKeyRow>(GET, [id]);

export async function accessKeysLinking(db: Db, configurationId: string): Promise<string[]> {
  return (await db.rows<{ id: string }>(LINKING, [configurationId])).map((r) => r.id);
}

export async function insertAccessKey(db: Db, record: AccessKeyRecord): Promise<AccessKeyRecord> {
  await db.run(INSERT, valuesOf(record));
  return toAccessKey((await row(db, record.id))!);
}

export async function getAccessKey(db: Db, id: string): Promise<AccessKeyRecord | undefined> {
  const found = await row(db, id);
  return found && toAccessKey(found);
}

export function listAccessKeys(db: Db, query: PageQuery): Promise<Page<AccessKeyRecord>> {
  return db.page(SELECT, 'a.id', query, {}, toAccessKey);
}

export async function allAccessKeys(db: Db): Promise<AccessKeyRecord[]> {
  return (await db.rows<AccessKeyRow>(ALL)).map(toAccessKey);
}

export async function updateAccessKey(db: Db, id: string, patch: AccessKeyPatch, updatedAt: string): Promise<AccessKeyRecord | undefined> {
  if (!(await db.updateColumns('access_keys', id, accessKeyColumns(patch), updatedAt))) return undefined;
  return toAccessKey((await row(db, id))!);
}

export async function rotateAccessKeyToken(db: Db, id: string, rotation: TokenRotation, updatedAt: string): Promise<AccessKeyRecord | undefined> {
  const { previousTokenExpiresAt, tokenHash, keyRedacted } = rotation;
  if ((await db.run(ROTATE, [previousTokenExpiresAt, tokenHash, keyRedacted, updatedAt, id])) === 0) return undefined;
  return toAccessKey((await row(db, id))!);
}

export async function deleteAccessKey(db: Db, id: string): Promise<boolean> {
  return (await db.run(DELETE, [id])) > 0;
}
