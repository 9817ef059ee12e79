import type { AccessKeyPatch, AccessKeyRecord, DeletedAccessKey, Outcome, Page, PageQuery, TokenRotation } from '../types.js';
import { configurationExists } from './configurations.js';
import { jsonOrNull, type Connection } from './connection.js';
import { attachedProviderKeys, removeProviderKeys } from './provider-keys.js';
import { toAccessKey, type AccessKeyRow } from '../rows.js';

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

export function accessKeyExists(c: Connection, id: string): boolean {
  return row(c, id) !== undefined;
}

/** The access keys that link a configuration, which keep it from being deleted. */
export function accessKeysLinking(c: Connection, configurationId: string): string[] {
  return c.sql<[string], { id: string }>(LINKING).all(configurationId).map((r) => r.id);
}

export function createAccessKey(c: Connection, record: AccessKeyRecord): Outcome<AccessKeyRecord> {
  if (record.accessKeyConfigurationId !== null && !configurationExists(c, record.accessKeyConfigurationId)) {
    return { refused: 'configurationMissing', id: record.accessKeyConfigurationId };
  }
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

export function updateAccessKey(c: Connection, id: string, patch: AccessKeyPatch, updatedAt: string): Outcome<AccessKeyRecord> | undefined {
  const configurationId = patch.accessKeyConfigurationId;
  if (typeof configurationId === 'string' && !configurationExists(c, configurationId)) {
    if (!accessKeyExists(c, id)) return undefined;
    return { refused: 'configurationMissing', id: configurationId };
  }
  const { name, description, metadata, expiresAt, disabled } = patch;
  const columns = {
    name,
    description,
    metadata,
    access_key_configuration_id: configurationId,
    expires_at: expiresAt,
    disabled: disabled === undefined ? undefined : disabled ? 1 : 0,
    budget: patch.budget === undefined ? undefined : jsonOrNull(patch.budget),
    rate_limits: patch.rateLimits === undefined ? undefined : jsonOrNull(patch.rateLimits),
  };
  if (!c.updateColumns('access_keys', id, columns, updatedAt)) return undefined;
  return toAccessKey(row(c, id)!);
}

export function rotateAccessKeyToken(c: Connection, id: string, rotation: TokenRotation, updatedAt: string): AccessKeyRecord | undefined {
  if (c.sql(ROTATE).run({ ...rotation, updatedAt, id }).changes === 0) return undefined;
  return toAccessKey(row(c, id)!);
}

export function deleteAccessKey(c: Connection, id: string, options: { force: boolean }): Outcome<DeletedAccessKey> | undefined {
  const found = row(c, id);
  if (!found) return undefined;
  const attached = attachedProviderKeys(c, id);
  if (attached.length > 0 && !options.force) {
    return { refused: 'attachedProviderKeys', providerKeyIds: attached.map((k) => k.id) };
  }
  removeProviderKeys(c, attached);
  c.sql(DELETE).run(id);
  return { record: toAccessKey(found), providerKeys: attached };
}
