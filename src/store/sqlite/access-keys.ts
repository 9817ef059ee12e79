import type { AccessKeyPatch, AccessKeyRecord, Page, PageQuery, TokenRotation } from '../types.js';
import { jsonOrNull, type Connection } from './connection.js';
import { accessKeyColumns, toAccessKey, type AccessKeyRow } from '../rows.js';

const SELECT = `
  SELECT a.*, c.name AS configuration_name FROM access_keys a
  LEFT JOIN access_key_configurations c ON c.id = a.access_key_configuration_id`;
const INSERT = `
  INSERT INTO access_keys (id, name, description, metadata, token_hash, key_redacted,
                           access_key_configuration_id, created_at, updated_at, last_used,
                           expires_at, disabled, previous_token_hash, previous_token_expires_at, budget, rate_limits)
  VALUES (@id, @name, @description, @metadata, @tokenHash, @keyRedacted,
          @accessKeyConfigurationId, @createdAt, @updatedAt, @lastUsed,
          @expiresAt, @disabled, @previousTokenHash, @previousTokenExpiresAt, @budget, @rateLimits)`;
const ROTATE = `
  UPDATE access_keys SET previous_token_hash = token_hash, previous_token_expires_at = @previousTokenExpiresAt,
         token_hash = @tokenHash, key_redacted = @keyRedacted, updated_at = @updatedAt WHERE id = @id`;
const GET = `${SELECT} WHERE a.id = ?`;
const ALL = `${SELECT} ORDER BY a.id`;
const DELETE = 'DELETE FROM access_keys WHERE id = ?';
const LINKING = 'SELECT id FROM access_keys WHERE access_key_configuration_id = ? ORDER BY id';

const row = (c: Connection, id: string) => c.sql<[string], AccessKeyRow>(GET).get(id);

export function accessKeysLinking(c: Connection, configurationId: string): string[] {
  return c.sql<[string], { id: string }>(LINKING).all(configurationId).map((r) => r.id);
}

export function insertAccessKey(c: Connection, record: AccessKeyRecord): AccessKeyRecord {
  const { accessKeyConfigurationName: _name, ...columns } = record;
  c.sql(INSERT).run({
    ...columns,
    disabled: record.disabled ? 1 : 0,
    budget: jsonOrNull(record.budget),
    rateLimits: jsonOrNull(record.rateLimits),
  });
  return toAccessKey(row(c, record.id)!);
}

export function getAccessKey(c: Connection, id: string): AccessKeyRecord | undefined {
  const found = row(c, id);
  return found && toAccessKey(found);
}

export function listAccessKeys(c: Connection, query: PageQuery): Page<AccessKeyRecord> {
  return c.page(SELECT, 'a.id', query, {}, toAccessKey);
}

export function allAccessKeys(c: Connection): AccessKeyRecord[] {
  return c.sql<[], AccessKeyRow>(ALL).all().map(toAccessKey);
}

export function updateAccessKey(c: Connection, id: string, patch: AccessKeyPatch, updatedAt: string): AccessKeyRecord | undefined {
  if (!c.updateColumns('access_keys', id, accessKeyColumns(patch), updatedAt)) return undefined;
  return toAccessKey(row(c, id)!);
}

export function rotateAccessKeyToken(c: Connection, id: string, rotation: TokenRotation, updatedAt: string): AccessKeyRecord | undefined {
  if (c.sql(ROTATE).run({ ...rotation, updatedAt, id }).changes === 0) return undefined;
  return toAccessKey(row(c, id)!);
}

export function deleteAccessKey(c: Connection, id: string): boolean {
  return c.sql(DELETE).run(id).changes > 0;
}
