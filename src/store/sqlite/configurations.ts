import { configReferences, withoutProviderKey, type AccessScope, type Router } from '../../core/configs.js';
import type { ConfigurationPatch, ConfigurationRecord, Outcome, Page, PageQuery, Refusal } from '../types.js';
import { accessKeysLinking } from './access-keys.js';
import { jsonOrNull, type Connection } from './connection.js';
import { customProviderExists } from './custom-providers.js';
import { providerKeyExists } from './provider-keys.js';
import { toConfiguration, type ConfigurationRow } from '../rows.js';

const INSERT = `
  INSERT INTO access_key_configurations (id, name, description, metadata, access, router, max_input_tokens,
                                         max_output_tokens, budget, rate_limits, created_at, updated_at)
  VALUES (@id, @name, @description, @metadata, @access, @router, @maxInputTokens, @maxOutputTokens, @budget, @rateLimits,
          @createdAt, @updatedAt)`;
const GET = 'SELECT * FROM access_key_configurations WHERE id = ?';
const ALL = 'SELECT * FROM access_key_configurations ORDER BY id';
const SET_ROUTER = 'UPDATE access_key_configurations SET router = ?, updated_at = ? WHERE id = ?';
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

export function configurationExists(c: Connection, id: string): boolean {
  return row(c, id) !== undefined;
}

/** The configurations whose rules name a provider key. */
export function configurationsUsingKey(c: Connection, providerKeyId: string): string[] {
  return ids(c, USING_KEY, providerKeyId);
}

/** The configurations whose access scope or rules name a provider. */
export function configurationsUsingProvider(c: Connection, providerId: string): string[] {
  return ids(c, USING_PROVIDER, providerId);
}

/** Rewrites what a configuration points at, from its access scope and router. */
function writeReferences(c: Connection, id: string, access: AccessScope | null, router: Router | null): void {
  const refs = configReferences(access, router);
  c.sql(CLEAR_KEY_REFS).run(id);
  c.sql(CLEAR_PROVIDER_REFS).run(id);
  for (const keyId of refs.providerKeyIds) c.sql(INSERT_KEY_REF).run(id, keyId);
  for (const providerId of refs.providers) c.sql(INSERT_PROVIDER_REF).run(id, providerId);
}

/** Takes a provider key out of every configuration's rules, as its forced delete does. */
export function detachFromConfigurations(c: Connection, keyId: string, updatedAt: string): void {
  for (const configurationId of configurationsUsingKey(c, keyId)) {
    const configuration = toConfiguration(row(c, configurationId)!);
    const router = configuration.router && withoutProviderKey(configuration.router, keyId);
    c.sql(SET_ROUTER).run(jsonOrNull(router), updatedAt, configurationId);
    writeReferences(c, configurationId, configuration.access, router);
  }
}

/** The reason a configuration cannot point where it does. */
function missingReferences(
  c: Connection,
  access: AccessScope | null,
  router: Router | null,
  customProviderIds: readonly string[],
): Refusal | undefined {
  const missingProviders = customProviderIds.filter((p) => !customProviderExists(c, p));
  if (missingProviders.length) return { refused: 'providerMissing', providerIds: missingProviders };
  const missingKeys = configReferences(access, router).providerKeyIds.filter((k) => !providerKeyExists(c, k));
  if (missingKeys.length) return { refused: 'providerKeysMissing', ids: missingKeys };
  return undefined;
}

export function createConfiguration(c: Connection, record: ConfigurationRecord, customProviderIds: readonly string[]): Outcome<ConfigurationRecord> {
  const missing = missingReferences(c, record.access, record.router, customProviderIds);
  if (missing) return missing;
  c.sql(INSERT).run({
    ...record,
    access: jsonOrNull(record.access),
    router: jsonOrNull(record.router),
    budget: jsonOrNull(record.budget),
    rateLimits: jsonOrNull(record.rateLimits),
  });
  writeReferences(c, record.id, record.access, record.router);
  return record;
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

export function updateConfiguration(
  c: Connection,
  id: string,
  patch: ConfigurationPatch,
  customProviderIds: readonly string[],
  updatedAt: string,
): Outcome<ConfigurationRecord> | undefined {
  const found = row(c, id);
  if (!found) return undefined;
  const current = toConfiguration(found);
  const access = patch.access === undefined ? current.access : patch.access;
  const router = patch.router === undefined ? current.router : patch.router;
  const missing = missingReferences(c, access, router, customProviderIds);
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
  c.updateColumns('access_key_configurations', id, columns, updatedAt);
  writeReferences(c, id, access, router);
  return toConfiguration(row(c, id)!);
}

export function deleteConfiguration(c: Connection, id: string): Outcome<ConfigurationRecord> | undefined {
  const found = row(c, id);
  if (!found) return undefined;
  const linked = accessKeysLinking(c, id);
  if (linked.length) return { refused: 'linkedAccessKeys', accessKeyIds: linked };
  c.sql(DELETE).run(id);
  return toConfiguration(found);
}
