import type { CustomProviderPatch, CustomProviderRecord, Outcome, Page, PageQuery } from '../types.js';
import { configurationsUsingProvider } from './configurations.js';
import { insertSql, type Db, type Value } from './connection.js';
import { keysOfProvider } from './provider-keys.js';
import { toCustomProvider, type CustomProviderRow } from '../rows.js';

// A new column goes in CustomProviderRow and toCustomProvider (../rows.ts), COLUMNS and valuesOf (and a migration), nowhere else.

const COLUMNS = [
  'id', 'provider_id', 'name', 'description', 'metadata', 'base_url', 'supported_api_surfaces', 'models', 'created_at', 'updated_at',
];
const valuesOf = (r: CustomProviderRecord): Value[] => [
  r.id, r.providerId, r.name, r.description, r.metadata, r.baseUrl, JSON.stringify(r.supportedApiSurfaces),
  JSON.stringify(r.models), r.createdAt, r.updatedAt,
];

const INSERT = insertSql('custom_providers', COLUMNS);
const BY_ID = 'SELECT * FROM custom_providers WHERE id = $1';
const BY_PROVIDER_ID = 'SELECT * FROM custom_providers WHERE provider_id = $1';
const ALL = 'SELECT * FROM custom_providers ORDER BY id';
const DELETE = 'DELETE FROM custom_providers WHERE id = $1';

const byId = (db: Db, id: string) => db.row<CustomProviderRow>(BY_ID, [id]);

/** Whether a custom provider with this providerId exists (references to it are checked with this). */
export async function customProviderExists(db: Db, providerId: string): Promise<boolean> {
  return (await db.row<CustomProviderRow>(BY_PROVIDER_ID, [providerId])) !== undefined;
}

export async function createCustomProvider(db: Db, record: CustomProviderRecord): Promise<Outcome<CustomProviderRecord>> {
  if (await customProviderExists(db, record.providerId)) return { refused: 'duplicateProvider', providerId: record.providerId };
  await db.run(INSERT, valuesOf(record));
  return record;
}

export async function getCustomProvider(db: Db, idOrProviderId: string): Promise<CustomProviderRecord | undefined> {
  const row = (await byId(db, idOrProviderId)) ?? (await db.row<CustomProviderRow>(BY_PROVIDER_ID, [idOrProviderId]));
  return row && toCustomProvider(row);
}

export function listCustomProviders(db: Db, query: PageQuery): Promise<Page<CustomProviderRecord>> {
  return db.page('SELECT * FROM custom_providers', 'id', query, {}, toCustomProvider);
}

export async function allCustomProviders(db: Db): Promise<CustomProviderRecord[]> {
  return (await db.rows<CustomProviderRow>(ALL)).map(toCustomProvider);
}

export async function updateCustomProvider(db: Db, id: string, patch: CustomProviderPatch, updatedAt: string): Promise<CustomProviderRecord | undefined> {
  const columns = {
    name: patch.name,
    description: patch.description,
    metadata: patch.metadata,
    base_url: patch.baseUrl,
    supported_api_surfaces: patch.supportedApiSurfaces && JSON.stringify(patch.supportedApiSurfaces),
    models: patch.models && JSON.stringify(patch.models),
  };
  if (!(await db.updateColumns('custom_providers', id, columns, updatedAt))) return undefined;
  return toCustomProvider((await byId(db, id))!);
}

export async function deleteCustomProvider(db: Db, id: string): Promise<Outcome<CustomProviderRecord> | undefined> {
  const row = await byId(db, id);
  if (!row) return undefined;
  const providerKeyIds = await keysOfProvider(db, row.provider_id);
  const configurationIds = await configurationsUsingProvider(db, row.provider_id);
  if (providerKeyIds.length || configurationIds.length) return { refused: 'providerInUse', providerKeyIds, configurationIds };
  await db.run(DELETE, [id]);
  return toCustomProvider(row);
}
