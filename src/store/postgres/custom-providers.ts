import type { CustomProviderPatch, CustomProviderRecord, Page, PageQuery } from '../types.js';
import { insertSql, type Db, type Value } from './connection.js';
import { customProviderColumns, toCustomProvider, type CustomProviderRow } from '../rows.js';

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

export async function insertCustomProvider(db: Db, record: CustomProviderRecord): Promise<void> {
  await db.run(INSERT, valuesOf(record));
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
  if (!(await db.updateColumns('custom_providers', id, customProviderColumns(patch), updatedAt))) return undefined;
  return toCustomProvider((await byId(db, id))!);
}

export async function deleteCustomProvider(db: Db, id: string): Promise<boolean> {
  return (await db.run(DELETE, [id])) > 0;
}
