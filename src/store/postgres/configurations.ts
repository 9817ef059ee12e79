import { configReferences } from '../../core/configs.js';
import type { ConfigurationPatch, ConfigurationRecord, Page, PageQuery } from '../types.js';
import { insertSql, jsonOrNull, type Db, type Value } from './connection.js';
import { configurationColumns, toConfiguration, type ConfigurationRow } from '../rows.js';

// A new column goes in ConfigurationRow and toConfiguration (../rows.ts), COLUMNS and valuesOf (and a migration), nowhere else.

const COLUMNS = [
  'id', 'name', 'description', 'metadata', 'access', 'router', 'max_input_tokens', 'max_output_tokens', 'created_at', 'updated_at',
  'budget', 'rate_limits',
];
const valuesOf = (r: ConfigurationRecord): Value[] => [
  r.id, r.name, r.description, r.metadata, jsonOrNull(r.access), jsonOrNull(r.router), r.maxInputTokens, r.maxOutputTokens,
  r.createdAt, r.updatedAt, jsonOrNull(r.budget), jsonOrNull(r.rateLimits),
];

const INSERT = insertSql('access_key_configurations', COLUMNS);
const GET = 'SELECT * FROM access_key_configurations WHERE id = $1';
const ALL = 'SELECT * FROM access_key_configurations ORDER BY id';
const DELETE = 'DELETE FROM access_key_configurations WHERE id = $1';
const CLEAR_KEY_REFS = 'DELETE FROM configuration_provider_keys WHERE configuration_id = $1';
const INSERT_KEY_REFS = `
  INSERT INTO configuration_provider_keys (configuration_id, provider_key_id) SELECT $1, unnest($2::text[])`;
const CLEAR_PROVIDER_REFS = 'DELETE FROM configuration_providers WHERE configuration_id = $1';
const INSERT_PROVIDER_REFS = 'INSERT INTO configuration_providers (configuration_id, provider_id) SELECT $1, unnest($2::text[])';
const USING_KEY = 'SELECT configuration_id FROM configuration_provider_keys WHERE provider_key_id = $1 ORDER BY configuration_id';
const USING_PROVIDER = 'SELECT configuration_id FROM configuration_providers WHERE provider_id = $1 ORDER BY configuration_id';

const row = (db: Db, id: string) => db.row<ConfigurationRow>(GET, [id]);
const ids = async (db: Db, sql: string, of: string) =>
  (await db.rows<{ configuration_id: string }>(sql, [of])).map((r) => r.configuration_id);

export function configurationsUsingProviderKey(db: Db, providerKeyId: string): Promise<string[]> {
  return ids(db, USING_KEY, providerKeyId);
}

export function configurationsUsingProvider(db: Db, providerId: string): Promise<string[]> {
  return ids(db, USING_PROVIDER, providerId);
}

/** Rewrites the rows that say what a configuration points at, from its access scope and router. */
async function writeReferences(db: Db, { id, access, router }: ConfigurationRecord): Promise<void> {
  const refs = configReferences(access, router);
  await db.run(CLEAR_KEY_REFS, [id]);
  await db.run(CLEAR_PROVIDER_REFS, [id]);
  if (refs.providerKeyIds.length) await db.run(INSERT_KEY_REFS, [id, [...new Set(refs.providerKeyIds)]]);
  if (refs.providers.length) await db.run(INSERT_PROVIDER_REFS, [id, [...new Set(refs.providers)]]);
}

export async function insertConfiguration(db: Db, record: ConfigurationRecord): Promise<void> {
  await db.run(INSERT, valuesOf(record));
  await writeReferences(db, record);
}

export async function getConfiguration(db: Db, id: string): Promise<ConfigurationRecord | undefined> {
  const found = await row(db, id);
  return found && toConfiguration(found);
}

export function listConfigurations(db: Db, query: PageQuery): Promise<Page<ConfigurationRecord>> {
  return db.page('SELECT * FROM access_key_configurations', 'id', query, {}, toConfiguration);
}

export async function allConfigurations(db: Db): Promise<ConfigurationRecord[]> {
  return (await db.rows<ConfigurationRow>(ALL)).map(toConfiguration);
}

export async function updateConfiguration(db: Db, id: string, patch: ConfigurationPatch, updatedAt: string): Promise<ConfigurationRecord | undefined> {
  if (!(await db.updateColumns('access_key_configurations', id, configurationColumns(patch), updatedAt))) return undefined;
  const updated = toConfiguration((await row(db, id))!);
  await writeReferences(db, updated);
  return updated;
}

export async function deleteConfiguration(db: Db, id: string): Promise<boolean> {
  return (await db.run(DELETE, [id])) > 0;
}
