import { configReferences } from '../../core/configs.js';
import type { ConfigurationPatch, ConfigurationRecord, Page, PageQuery } from '../types.js';
import { jsonOrNull, type Connection } from './connection.js';
import { configurationColumns, toConfiguration, type ConfigurationRow } from '../rows.js';

const INSERT = `
  INSERT INTO access_key_configurations (id, name, description, metadata, access, router, max_input_tokens,
                                         max_output_tokens, budget, rate_limits, created_at, updated_at)
  VALUES (@id, @name, @description, @metadata, @access, @router, @maxInputTokens, @maxOutputTokens, @budget, @rateLimits,
          @createdAt, @updatedAt)`;
const GET = 'SELECT * FROM access_key_configurations WHERE id = ?';
const ALL = 'SELECT * FROM access_key_configurations ORDER BY id';
const DELETE = 'DELETE FROM access_key_configurations WHERE id = ?';
const CLEAR_KEY_REFS = 'DELETE FROM configuration_provider_keys WHERE configuration_id = ?';
const INSERT_KEY_REF = 'INSERT INTO configuration_provider_keys (configuration_id, provider_key_id) VALUES (?, ?)';
const CLEAR_PROVIDER_REFS = 'DELETE FROM configuration_providers WHERE configuration_id = ?';
const INSERT_PROVIDER_REF = 'INSERT INTO configuration_providers (configuration_id, provider_id) VALUES (?, ?)';
const USING_KEY = 'SELECT configuration_id FROM configuration_provider_keys WHERE provider_key_id = ? ORDER BY configuration_id';
const USING_PROVIDER = 'SELECT configuration_id FROM configuration_providers WHERE provider_id = ? ORDER BY configuration_id';

const row = (c: Connection, id: string) => c.sql<[string], ConfigurationRow>(GET).get(id);
const ids = (c: Connection, sql: string, of: string) =>
  c.sql<[string], { configuration_id: string }>(sql).all(of).map((r) => r.configuration_id);

export function configurationsUsingProviderKey(c: Connection, providerKeyId: string): string[] {
  return ids(c, USING_KEY, providerKeyId);
}

export function configurationsUsingProvider(c: Connection, providerId: string): string[] {
  return ids(c, USING_PROVIDER, providerId);
}

/** Rewrites the rows that say what a configuration points at, from its access scope and router. */
function writeReferences(c: Connection, { id, access, router }: ConfigurationRecord): void {
  const refs = configReferences(access, router);
  c.sql(CLEAR_KEY_REFS).run(id);
  c.sql(CLEAR_PROVIDER_REFS).run(id);
  for (const keyId of refs.providerKeyIds) c.sql(INSERT_KEY_REF).run(id, keyId);
  for (const providerId of refs.providers) c.sql(INSERT_PROVIDER_REF).run(id, providerId);
}

export function insertConfiguration(c: Connection, record: ConfigurationRecord): void {
  c.sql(INSERT).run({
    ...record,
    access: jsonOrNull(record.access),
    router: jsonOrNull(record.router),
    budget: jsonOrNull(record.budget),
    rateLimits: jsonOrNull(record.rateLimits),
  });
  writeReferences(c, record);
}

export function getConfiguration(c: Connection, id: string): ConfigurationRecord | undefined {
  const found = row(c, id);
  return found && toConfiguration(found);
}

export function listConfigurations(c: Connection, query: PageQuery): Page<ConfigurationRecord> {
  return c.page('SELECT * FROM access_key_configurations', 'id', query, {}, toConfiguration);
}

export function allConfigurations(c: Connection): ConfigurationRecord[] {
  return c.sql<[], ConfigurationRow>(ALL).all().map(toConfiguration);
}

export function updateConfiguration(c: Connection, id: string, patch: ConfigurationPatch, updatedAt: string): ConfigurationRecord | undefined {
  if (!c.updateColumns('access_key_configurations', id, configurationColumns(patch), updatedAt)) return undefined;
  const updated = toConfiguration(row(c, id)!);
  writeReferences(c, updated);
  return updated;
}

export function deleteConfiguration(c: Connection, id: string): boolean {
  return c.sql(DELETE).run(id).changes > 0;
}
