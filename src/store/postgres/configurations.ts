import { configReferences, withoutProviderKey, type AccessScope, type Router } from '../../core/configs.js';
import type { ConfigurationPatch, ConfigurationRecord, Outcome, Page, PageQuery, Refusal } from '../types.js';
import { accessKeysLinking } from './access-keys.js';
import { insertSql, jsonOrNull, type Db, type Value } from './connection.js';
import { customProviderExists } from './custom-providers.js';
import { providerKeyExists } from './provider-keys.js';
import { toConfiguration, type ConfigurationRow } from '../rows.js';

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
const SET_ROUTER = 'UPDATE access_key_configurations SET router = $1, updated_at = $2 WHERE id = $3';
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

export async function configurationExists(db: Db, id: string): Promise<boolean> {
  return (await row(db, id)) !== undefined;
}

/** The configurations whose rules name a provider key. */
export function configurationsUsingKey(db: Db, providerKeyId: string): Promise<string[]> {
  return ids(db, USING_KEY, providerKeyId);
}

/** The configurations whose access scope or rules name a provider. */
export function configurationsUsingProvider(db: Db, providerId: string): Promise<string[]> {
  return ids(db, USING_PROVIDER, providerId);
}

/** Rewrites what a configuration points at, from its access scope and router. */
async function writeReferences(db: Db, id: string, access: AccessScope | null, router: Router | null): Promise<void> {
  const refs = configReferences(access, router);
  await db.run(CLEAR_KEY_REFS, [id]);
  await db.run(CLEAR_PROVIDER_REFS, [id]);
  if (refs.providerKeyIds.length) await db.run(INSERT_KEY_REFS, [id, [...new Set(refs.providerKeyIds)]]);
  if (refs.providers.length) await db.run(INSERT_PROVIDER_REFS, [id, [...new Set(refs.providers)]]);
}

/** Takes a provider key out of every configuration's rules, as its forced delete does. */
export async function detachFromConfigurations(db: Db, keyId: string, updatedAt: string): Promise<void> {
  for (const configurationId of await configurationsUsingKey(db, keyId)) {
    const configuration = toConfiguration((await row(db, configurationId))!);
    const router = configuration.router && withoutProviderKey(configuration.router, keyId);
    await db.run(SET_ROUTER, [jsonOrNull(router), updatedAt, configurationId]);
    await writeReferences(db, configurationId, configuration.access, router);
  }
}

/** The reason a configuration cannot point where it does. */
async function missingReferences(
  db: Db,
  access: AccessScope | null,
  router: Router | null,
  customProviderIds: readonly string[],
): Promise<Refusal | undefined> {
  const missingProviders: string[] = [];
  for (const p of customProviderIds) if (!(await customProviderExists(db, p))) missingProviders.push(p);
  if (missingProviders.length) return { refused: 'providerMissing', providerIds: missingProviders };
  const missingKeys: string[] = [];
  for (const k of configReferences(access, router).providerKeyIds) if (!(await providerKeyExists(db, k))) missingKeys.push(k);
  if (missingKeys.length) return { refused: 'providerKeysMissing', ids: missingKeys };
  return undefined;
}

export async function createConfiguration(db: Db, record: ConfigurationRecord, customProviderIds: readonly string[]): Promise<Outcome<ConfigurationRecord>> {
  const missing = await missingReferences(db, record.access, record.router, customProviderIds);
  if (missing) return missing;
  await db.run(INSERT, valuesOf(record));
  await writeReferences(db, record.id, record.access, record.router);
  return record;
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

export async function updateConfiguration(
  db: Db,
  id: string,
  patch: ConfigurationPatch,
  customProviderIds: readonly string[],
  updatedAt: string,
): Promise<Outcome<ConfigurationRecord> | undefined> {
  const found = await row(db, id);
  if (!found) return undefined;
  const current = toConfiguration(found);
  const access = patch.access === undefined ? current.access : patch.access;
  const router = patch.router === undefined ? current.router : patch.router;
  const missing = await missingReferences(db, access, router, customProviderIds);
  if (missing) return missing;
  const { name, description, metadata } = patch;
  const columns = {
    name,
    description,
    metadata,
    access: patch.access === undefined ? undefined : jsonOrNull(patch.access),
    router: patch.router === undefined ? undefined : jsonOrNull(patch.router),
    max_input_tokens: patch.maxInputTokens,
    max_output_tokens: patch.maxOutputTokens,
    budget: patch.budget === undefined ? undefined : jsonOrNull(patch.budget),
    rate_limits: patch.rateLimits === undefined ? undefined : jsonOrNull(patch.rateLimits),
  };
  await db.updateColumns('access_key_configurations', id, columns, updatedAt);
  await writeReferences(db, id, access, router);
  return toConfiguration((await row(db, id))!);
}

export async function deleteConfiguration(db: Db, id: string): Promise<Outcome<ConfigurationRecord> | undefined> {
  const found = await row(db, id);
  if (!found) return undefined;
  const linked = await accessKeysLinking(db, id);
  if (linked.length) return { refused: 'linkedAccessKeys', accessKeyIds: linked };
  await db.run(DELETE, [id]);
  return toConfiguration(found);
}
