import type { CustomProviderPatch, CustomProviderRecord, Page, PageQuery } from '../types.js';
import type { Connection } from './connection.js';
import { customProviderColumns, toCustomProvider, type CustomProviderRow } from '../rows.js';

const INSERT = `
  INSERT INTO custom_providers (id, provider_id, name, description, metadata, base_url, supported_api_surfaces,
                                models, created_at, updated_at)
  VALUES (@id, @providerId, @name, @description, @metadata, @baseUrl, @supportedApiSurfaces,
          @models, @createdAt, @updatedAt)`;
const BY_ID = 'SELECT * FROM custom_providers WHERE id = ?';
const BY_PROVIDER_ID = 'SELECT * FROM custom_providers WHERE provider_id = ?';
const ALL = 'SELECT * FROM custom_providers ORDER BY id';
const DELETE = 'DELETE FROM custom_providers WHERE id = ?';

const byId = (c: Connection, id: string) => c.sql<[string], CustomProviderRow>(BY_ID).get(id);

export function insertCustomProvider(c: Connection, record: CustomProviderRecord): void {
  c.sql(INSERT).run({
    ...record,
    supportedApiSurfaces: JSON.stringify(record.supportedApiSurfaces),
    models: JSON.stringify(record.models),
  });
}

export function getCustomProvider(c: Connection, idOrProviderId: string): CustomProviderRecord | undefined {
  const row = byId(c, idOrProviderId) ?? c.sql<[string], CustomProviderRow>(BY_PROVIDER_ID).get(idOrProviderId);
  return row && toCustomProvider(row);
}

export function listCustomProviders(c: Connection, query: PageQuery): Page<CustomProviderRecord> {
  return c.page('SELECT * FROM custom_providers', 'id', query, {}, toCustomProvider);
}

export function allCustomProviders(c: Connection): CustomProviderRecord[] {
  return c.sql<[], CustomProviderRow>(ALL).all().map(toCustomProvider);
}

export function updateCustomProvider(c: Connection, id: string, patch: CustomProviderPatch, updatedAt: string): CustomProviderRecord | undefined {
  if (!c.updateColumns('custom_providers', id, customProviderColumns(patch), updatedAt)) return undefined;
  return toCustomProvider(byId(c, id)!);
}

export function deleteCustomProvider(c: Connection, id: string): boolean {
  return c.sql(DELETE).run(id).changes > 0;
}
