import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { configReferences, withoutProviderKey, type AccessScope, type Router } from '../core/configs.js';
import type { UsageGroup } from '../core/gateway-api.js';
import { MIGRATIONS } from './migrations.js';
import { keep, pragmaValue, statementFor } from './sqlite-handles.js';
import type {
  AccessKeyPatch,
  AccessKeyRecord,
  ConfigurationPatch,
  ConfigurationRecord,
  CustomProviderPatch,
  CustomProviderRecord,
  DeletedAccessKey,
  Outcome,
  Page,
  PageQuery,
  ProviderKeyCreateChecks,
  ProviderKeyPatch,
  ProviderKeyQuery,
  ProviderKeyRecord,
  SecretSwap,
  Store,
  UsageBucketRow,
  UsageEventRecord,
  UsageOverviewQuery,
  UsageQuery,
} from './types.js';

type Params = Record<string, string | number | null>;

interface ProviderKeyRow {
  id: string;
  provider_id: string;
  name: string;
  description: string;
  metadata: string;
  key_redacted: string;
  access_key_id: string | null;
  secret_ref: string;
  created_at: string;
  updated_at: string;
  last_used: string | null;
}

interface AccessKeyRow {
  id: string;
  name: string;
  description: string;
  metadata: string;
  token_hash: string;
  key_redacted: string;
  access_key_configuration_id: string | null;
  configuration_name: string | null;
  created_at: string;
  updated_at: string;
  last_used: string | null;
}

interface ConfigurationRow {
  id: string;
  name: string;
  description: string;
  metadata: string;
  access: string | null;
  router: string | null;
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  created_at: string;
  updated_at: string;
}

interface CustomProviderRow {
  id: string;
  provider_id: string;
  name: string;
  description: string;
  metadata: string;
  base_url: string;
  supported_api_surfaces: string;
  models: string;
  created_at: string;
  updated_at: string;
}

function toProviderKey(row: ProviderKeyRow): ProviderKeyRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    keyRedacted: row.key_redacted,
    accessKeyId: row.access_key_id,
    secretRef: row.secret_ref,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsed: row.last_used,
  };
}

function toAccessKey(row: AccessKeyRow): AccessKeyRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    tokenHash: row.token_hash,
    keyRedacted: row.key_redacted,
    accessKeyConfigurationId: row.access_key_configuration_id,
    accessKeyConfigurationName: row.configuration_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsed: row.last_used,
  };
}

function toConfiguration(row: ConfigurationRow): ConfigurationRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    access: row.access === null ? null : (JSON.parse(row.access) as AccessScope),
    router: row.router === null ? null : (JSON.parse(row.router) as Router),
    maxInputTokens: row.max_input_tokens,
    maxOutputTokens: row.max_output_tokens,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toCustomProvider(row: CustomProviderRow): CustomProviderRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    baseUrl: row.base_url,
    supportedApiSurfaces: JSON.parse(row.supported_api_surfaces),
    models: JSON.parse(row.models),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

interface UsageRow {
  id: string;
  event_time: string;
  request_id: string;
  access_key_id: string;
  provider: string;
  model: string;
  attempt_number: number;
  is_final_attempt: number;
  status_code: number;
  timed_out: number;
  is_error: number;
  is_streaming: number;
  stop_reason: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  reasoning_tokens: number;
  provider_key_id: string | null;
  provider_key_redacted: string | null;
  latency_ms: number;
  error: string | null;
  cache_write_tokens: number;
  tokens_known: number;
  cost_usd: number | null;
}

/** What each overview grouping groups by; an attempt made without a key (a local server) groups under `none`. */
const USAGE_GROUP_COLUMNS: Record<UsageGroup, string> = {
  provider: 'provider',
  accessKey: 'access_key_id',
  providerKey: "coalesce(provider_key_id, 'none')",
  model: "provider || ':' || model",
};

function toUsageEvent(row: UsageRow): UsageEventRecord {
  return {
    id: row.id,
    eventTime: row.event_time,
    requestId: row.request_id,
    accessKeyId: row.access_key_id,
    provider: row.provider,
    model: row.model,
    attemptNumber: row.attempt_number,
    isFinalAttempt: row.is_final_attempt === 1,
    statusCode: row.status_code,
    timedOut: row.timed_out === 1,
    isError: row.is_error === 1,
    isStreaming: row.is_streaming === 1,
    stopReason: row.stop_reason,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    tokensKnown: row.tokens_known === 1,
    costUsd: row.cost_usd,
    providerKeyId: row.provider_key_id,
    providerKeyRedacted: row.provider_key_redacted,
    latencyMs: row.latency_ms,
    error: row.error,
  };
}

function migrate(db: Database.Database): void {
  const current = pragmaValue(db, 'user_version') as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    })();
  }
}

const INSTALL_ID = 'install_id';
const ACCESS_KEY_SELECT = `
  SELECT a.*, c.name AS configuration_name FROM access_keys a
  LEFT JOIN access_key_configurations c ON c.id = a.access_key_configuration_id`;

export class SqliteStore implements Store {
  readonly installId: string;
  private readonly db: Database.Database;
  private readonly stmt;

  constructor(file: string) {
    this.db = keep(new Database(file));
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000');
    migrate(this.db);
    this.stmt = this.prepare();
    this.installId = this.ensureInstallId();
  }

  private prepare() {
    const db = this.db;
    const prepare = <P extends unknown[] | {} = unknown[], R = unknown>(sql: string) => statementFor<P, R>(db, sql);
    return {
      getSetting: prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?'),
      setSetting: prepare(
        'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
      deleteSetting: prepare('DELETE FROM settings WHERE name = ?'),
      settingsLike: prepare<{ prefix: string }, { name: string; value: string }>(
        'SELECT name, value FROM settings WHERE substr(name, 1, length(@prefix)) = @prefix',
      ),
      insertKey: prepare(`
        INSERT INTO provider_keys (id, provider_id, name, description, metadata, key_redacted, access_key_id,
                                   secret_ref, created_at, updated_at, last_used)
        VALUES (@id, @providerId, @name, @description, @metadata, @keyRedacted, @accessKeyId,
                @secretRef, @createdAt, @updatedAt, @lastUsed)`),
      getKey: prepare<[string], ProviderKeyRow>('SELECT * FROM provider_keys WHERE id = ?'),
      countKeys: prepare<[], { n: number }>('SELECT count(*) AS n FROM provider_keys'),
      countAttached: prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM provider_keys WHERE access_key_id = ? AND provider_id = ?',
      ),
      attachedKeys: prepare<[string], ProviderKeyRow>('SELECT * FROM provider_keys WHERE access_key_id = ? ORDER BY id'),
      deleteKey: prepare('DELETE FROM provider_keys WHERE id = ?'),
      swapSecret: prepare(
        `UPDATE provider_keys SET secret_ref = @secretRef, key_redacted = @keyRedacted,
                name = coalesce(@name, name), updated_at = @updatedAt WHERE id = @id`,
      ),
      allKeys: prepare<[], ProviderKeyRow>('SELECT * FROM provider_keys ORDER BY id'),
      allAccessKeys: prepare<[], AccessKeyRow>(`${ACCESS_KEY_SELECT} ORDER BY a.id`),
      allConfigurations: prepare<[], ConfigurationRow>('SELECT * FROM access_key_configurations ORDER BY id'),
      allProviders: prepare<[], CustomProviderRow>('SELECT * FROM custom_providers ORDER BY id'),
      secretRefs: prepare<[], { secret_ref: string }>('SELECT secret_ref FROM provider_keys'),
      configurationsUsingKey: prepare<[string], { configuration_id: string }>(
        'SELECT configuration_id FROM configuration_provider_keys WHERE provider_key_id = ? ORDER BY configuration_id',
      ),
      insertAccessKey: prepare(`
        INSERT INTO access_keys (id, name, description, metadata, token_hash, key_redacted,
                                 access_key_configuration_id, created_at, updated_at, last_used)
        VALUES (@id, @name, @description, @metadata, @tokenHash, @keyRedacted,
                @accessKeyConfigurationId, @createdAt, @updatedAt, @lastUsed)`),
      getAccessKey: prepare<[string], AccessKeyRow>(`${ACCESS_KEY_SELECT} WHERE a.id = ?`),
      getAccessKeyByHash: prepare<[string], AccessKeyRow>(`${ACCESS_KEY_SELECT} WHERE a.token_hash = ?`),
      deleteAccessKey: prepare('DELETE FROM access_keys WHERE id = ?'),
      accessKeysLinking: prepare<[string], { id: string }>(
        'SELECT id FROM access_keys WHERE access_key_configuration_id = ? ORDER BY id',
      ),
      insertConfiguration: prepare(`
        INSERT INTO access_key_configurations (id, name, description, metadata, access, router, max_input_tokens,
                                               max_output_tokens, created_at, updated_at)
        VALUES (@id, @name, @description, @metadata, @access, @router, @maxInputTokens, @maxOutputTokens, @createdAt, @updatedAt)`),
      getConfiguration: prepare<[string], ConfigurationRow>('SELECT * FROM access_key_configurations WHERE id = ?'),
      setConfigurationRouter: prepare('UPDATE access_key_configurations SET router = ?, updated_at = ? WHERE id = ?'),
      deleteConfiguration: prepare('DELETE FROM access_key_configurations WHERE id = ?'),
      clearKeyRefs: prepare('DELETE FROM configuration_provider_keys WHERE configuration_id = ?'),
      insertKeyRef: prepare('INSERT INTO configuration_provider_keys (configuration_id, provider_key_id) VALUES (?, ?)'),
      clearProviderRefs: prepare('DELETE FROM configuration_providers WHERE configuration_id = ?'),
      insertProviderRef: prepare('INSERT INTO configuration_providers (configuration_id, provider_id) VALUES (?, ?)'),
      configurationsUsingProvider: prepare<[string], { configuration_id: string }>(
        'SELECT configuration_id FROM configuration_providers WHERE provider_id = ? ORDER BY configuration_id',
      ),
      keysOfProvider: prepare<[string], { id: string }>('SELECT id FROM provider_keys WHERE provider_id = ? ORDER BY id'),
      insertProvider: prepare(`
        INSERT INTO custom_providers (id, provider_id, name, description, metadata, base_url, supported_api_surfaces,
                                      models, created_at, updated_at)
        VALUES (@id, @providerId, @name, @description, @metadata, @baseUrl, @supportedApiSurfaces,
                @models, @createdAt, @updatedAt)`),
      getProviderById: prepare<[string], CustomProviderRow>('SELECT * FROM custom_providers WHERE id = ?'),
      getProviderByProviderId: prepare<[string], CustomProviderRow>('SELECT * FROM custom_providers WHERE provider_id = ?'),
      deleteProvider: prepare('DELETE FROM custom_providers WHERE id = ?'),
    };
  }

  private ensureInstallId(): string {
    const existing = this.stmt.getSetting.get(INSTALL_ID)?.value;
    if (existing) return existing;
    const id = randomUUID();
    this.stmt.setSetting.run(INSTALL_ID, id);
    return id;
  }

  /** Statements built from column lists and filters, kept by their SQL like every other (see sqlite-handles). */
  private statement(sql: string) {
    return statementFor<Params, unknown>(this.db, sql);
  }

  /** Newest first by id, one more row than asked for to tell whether there is a next page. */
  private page<Row, T>(select: string, idColumn: string, query: PageQuery, filters: Params, map: (row: Row) => T): Page<T> {
    const where: string[] = [];
    const params: Params = { limit: query.limit + 1 };
    if (query.beforeId !== undefined) {
      where.push(`${idColumn} < @beforeId`);
      params.beforeId = query.beforeId;
    }
    for (const [column, value] of Object.entries(filters)) {
      where.push(`${column} = @${column}`);
      params[column] = value;
    }
    const sql = `${select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${idColumn} DESC LIMIT @limit`;
    const rows = this.statement(sql).all(params) as Row[];
    return { items: rows.slice(0, query.limit).map(map), hasMore: rows.length > query.limit };
  }

  /** Sets the given columns (undefined = unchanged) and updated_at; false when there is no such row. */
  private updateColumns(table: string, id: string, values: Record<string, string | number | null | undefined>, updatedAt: string): boolean {
    const given = Object.entries(values).filter(([, v]) => v !== undefined) as [string, string | number | null][];
    const sets = [...given.map(([column]) => `${column} = @${column}`), 'updated_at = @updatedAt'];
    const sql = `UPDATE ${table} SET ${sets.join(', ')} WHERE id = @id`;
    return this.statement(sql).run({ ...Object.fromEntries(given), updatedAt, id }).changes > 0;
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.stmt.getSetting.get(name)?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.stmt.setSetting.run(name, value);
  }

  async setSettings(entries: Record<string, string | null>): Promise<void> {
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(entries)) {
        if (value === null) this.stmt.deleteSetting.run(name);
        else this.stmt.setSetting.run(name, value);
      }
    })();
  }

  async getSettings(prefix: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.stmt.settingsLike.all({ prefix }).map((r) => [r.name, r.value]));
  }

  // Provider keys

  async createProviderKey(record: ProviderKeyRecord, checks: ProviderKeyCreateChecks): Promise<Outcome<ProviderKeyRecord>> {
    return this.db.transaction((): Outcome<ProviderKeyRecord> => {
      if (checks.customProviderId !== undefined && !this.stmt.getProviderByProviderId.get(checks.customProviderId)) {
        return { refused: 'providerMissing', providerIds: [checks.customProviderId] };
      }
      if (record.accessKeyId !== null) {
        if (!this.stmt.getAccessKey.get(record.accessKeyId)) return { refused: 'accessKeyMissing', id: record.accessKeyId };
        const { n } = this.stmt.countAttached.get(record.accessKeyId, record.providerId)!;
        if (n >= checks.maxPerAccessKey) {
          const { providerId, accessKeyId } = record;
          return { refused: 'tooManyKeys', limit: checks.maxPerAccessKey, providerId, accessKeyId };
        }
      }
      this.stmt.insertKey.run(record);
      return record;
    }).immediate();
  }

  async getProviderKey(id: string): Promise<ProviderKeyRecord | undefined> {
    const row = this.stmt.getKey.get(id);
    return row && toProviderKey(row);
  }

  async getProviderKeys(ids: readonly string[]): Promise<ProviderKeyRecord[]> {
    return ids.flatMap((id) => {
      const row = this.stmt.getKey.get(id);
      return row ? [toProviderKey(row)] : [];
    });
  }

  async listProviderKeys(query: ProviderKeyQuery): Promise<Page<ProviderKeyRecord>> {
    const filters: Params = {};
    if (query.providerId !== undefined) filters.provider_id = query.providerId;
    if (query.accessKeyId !== undefined) filters.access_key_id = query.accessKeyId;
    return this.page('SELECT * FROM provider_keys', 'id', query, filters, toProviderKey);
  }

  async countProviderKeys(): Promise<number> {
    return this.stmt.countKeys.get()!.n;
  }

  async updateProviderKey(id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined> {
    return this.db.transaction(() => {
      const { name, description, metadata } = patch;
      if (!this.updateColumns('provider_keys', id, { name, description, metadata }, updatedAt)) return undefined;
      return toProviderKey(this.stmt.getKey.get(id)!);
    })();
  }

  async swapProviderKeySecret(id: string, swap: SecretSwap, updatedAt: string) {
    return this.db.transaction(() => {
      const row = this.stmt.getKey.get(id);
      if (!row) return undefined;
      this.stmt.swapSecret.run({ ...swap, name: swap.name ?? null, updatedAt, id });
      return { before: toProviderKey(row), after: toProviderKey(this.stmt.getKey.get(id)!) };
    }).immediate();
  }

  /** Takes a provider key out of every configuration's rules; runs inside the caller's transaction. */
  private detachFromConfigurations(keyId: string, updatedAt: string): void {
    for (const { configuration_id } of this.stmt.configurationsUsingKey.all(keyId)) {
      const row = this.stmt.getConfiguration.get(configuration_id)!;
      const configuration = toConfiguration(row);
      const router = configuration.router && withoutProviderKey(configuration.router, keyId);
      this.stmt.setConfigurationRouter.run(jsonOrNull(router), updatedAt, configuration_id);
      this.writeReferences(configuration_id, configuration.access, router);
    }
  }

  async deleteProviderKey(id: string, options: { force: boolean }): Promise<Outcome<ProviderKeyRecord> | undefined> {
    return this.db.transaction((): Outcome<ProviderKeyRecord> | undefined => {
      const row = this.stmt.getKey.get(id);
      if (!row) return undefined;
      const users = this.stmt.configurationsUsingKey.all(id).map((r) => r.configuration_id);
      if (users.length > 0 && !options.force) return { refused: 'referencedByConfigurations', configurationIds: users };
      this.detachFromConfigurations(id, new Date().toISOString());
      this.stmt.deleteKey.run(id);
      return toProviderKey(row);
    }).immediate();
  }

  async allProviderKeys(): Promise<ProviderKeyRecord[]> {
    return this.stmt.allKeys.all().map(toProviderKey);
  }

  async allAccessKeys(): Promise<AccessKeyRecord[]> {
    return this.stmt.allAccessKeys.all().map(toAccessKey);
  }

  async allConfigurations(): Promise<ConfigurationRecord[]> {
    return this.stmt.allConfigurations.all().map(toConfiguration);
  }

  async allCustomProviders(): Promise<CustomProviderRecord[]> {
    return this.stmt.allProviders.all().map(toCustomProvider);
  }

  async listUsage(query: UsageQuery): Promise<Page<UsageEventRecord>> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    const filters: [keyof UsageQuery, string][] = [
      ['cursor', 'id < @cursor'],
      ['startTime', 'event_time >= @startTime'],
      ['endTime', 'event_time < @endTime'],
      ['accessKeyId', 'access_key_id = @accessKeyId'],
    ];
    for (const [field, clause] of filters) {
      const value = query[field];
      if (typeof value !== 'string') continue;
      where.push(clause);
      params[field] = value;
    }
    if (!query.includeRetries) where.push('is_final_attempt = 1');
    const sql =
      'SELECT * FROM usage_events' + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + ' ORDER BY id DESC LIMIT @limit';
    const rows = this.statement(sql).all(params) as UsageRow[];
    return { items: rows.slice(0, query.limit).map(toUsageEvent), hasMore: rows.length > query.limit };
  }

  async usageOverview(query: UsageOverviewQuery): Promise<UsageBucketRow[]> {
    const group = USAGE_GROUP_COLUMNS[query.groupBy];
    return statementFor<{ startTime: string; endTime: string }, UsageBucketRow>(
      this.db,
      `SELECT substr(event_time, 1, 10) AS day, ${group} AS groupKey, count(*) AS requests, sum(is_error) AS errors,
              total(cost_usd) AS costUsd, sum(cost_usd IS NULL) AS unpricedRequests,
              sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens
           FROM usage_events
          WHERE is_final_attempt = 1 AND event_time >= @startTime AND event_time < @endTime
          GROUP BY day, groupKey ORDER BY day, groupKey`,
    ).all({ startTime: query.startTime, endTime: query.endTime });
  }

  async listSecretRefs(): Promise<Set<string>> {
    return new Set(this.stmt.secretRefs.all().map((r) => r.secret_ref));
  }

  // Access keys

  async createAccessKey(record: AccessKeyRecord): Promise<Outcome<AccessKeyRecord>> {
    return this.db.transaction((): Outcome<AccessKeyRecord> => {
      if (record.accessKeyConfigurationId !== null && !this.stmt.getConfiguration.get(record.accessKeyConfigurationId)) {
        return { refused: 'configurationMissing', id: record.accessKeyConfigurationId };
      }
      const { accessKeyConfigurationName: _name, ...columns } = record;
      this.stmt.insertAccessKey.run(columns);
      return toAccessKey(this.stmt.getAccessKey.get(record.id)!);
    }).immediate();
  }

  async getAccessKey(id: string): Promise<AccessKeyRecord | undefined> {
    const row = this.stmt.getAccessKey.get(id);
    return row && toAccessKey(row);
  }

  async getAccessKeyByTokenHash(tokenHash: string): Promise<AccessKeyRecord | undefined> {
    const row = this.stmt.getAccessKeyByHash.get(tokenHash);
    return row && toAccessKey(row);
  }

  async listAccessKeys(query: PageQuery): Promise<Page<AccessKeyRecord>> {
    return this.page(ACCESS_KEY_SELECT, 'a.id', query, {}, toAccessKey);
  }

  async updateAccessKey(id: string, patch: AccessKeyPatch, updatedAt: string): Promise<Outcome<AccessKeyRecord> | undefined> {
    return this.db.transaction((): Outcome<AccessKeyRecord> | undefined => {
      const configurationId = patch.accessKeyConfigurationId;
      if (typeof configurationId === 'string' && !this.stmt.getConfiguration.get(configurationId)) {
        if (!this.stmt.getAccessKey.get(id)) return undefined;
        return { refused: 'configurationMissing', id: configurationId };
      }
      const { name, description, metadata } = patch;
      const columns = { name, description, metadata, access_key_configuration_id: configurationId };
      if (!this.updateColumns('access_keys', id, columns, updatedAt)) return undefined;
      return toAccessKey(this.stmt.getAccessKey.get(id)!);
    }).immediate();
  }

  async deleteAccessKey(id: string, options: { force: boolean }): Promise<Outcome<DeletedAccessKey> | undefined> {
    return this.db.transaction((): Outcome<DeletedAccessKey> | undefined => {
      const row = this.stmt.getAccessKey.get(id);
      if (!row) return undefined;
      const attached = this.stmt.attachedKeys.all(id).map(toProviderKey);
      if (attached.length > 0 && !options.force) {
        return { refused: 'attachedProviderKeys', providerKeyIds: attached.map((k) => k.id) };
      }
      const now = new Date().toISOString();
      for (const key of attached) {
        this.detachFromConfigurations(key.id, now);
        this.stmt.deleteKey.run(key.id);
      }
      this.stmt.deleteAccessKey.run(id);
      return { record: toAccessKey(row), providerKeys: attached };
    }).immediate();
  }

  // Access key configurations

  /** Rewrites what a configuration points at, from its access scope and router. */
  private writeReferences(id: string, access: AccessScope | null, router: Router | null): void {
    const refs = configReferences(access, router);
    this.stmt.clearKeyRefs.run(id);
    this.stmt.clearProviderRefs.run(id);
    for (const keyId of refs.providerKeyIds) this.stmt.insertKeyRef.run(id, keyId);
    for (const providerId of refs.providers) this.stmt.insertProviderRef.run(id, providerId);
  }

  /** The reason a configuration cannot point where it does, checked inside the write's transaction. */
  private missingReferences(access: AccessScope | null, router: Router | null, customProviderIds: readonly string[]) {
    const missingProviders = customProviderIds.filter((p) => !this.stmt.getProviderByProviderId.get(p));
    if (missingProviders.length) return { refused: 'providerMissing' as const, providerIds: missingProviders };
    const missingKeys = configReferences(access, router).providerKeyIds.filter((k) => !this.stmt.getKey.get(k));
    if (missingKeys.length) return { refused: 'providerKeysMissing' as const, ids: missingKeys };
    return undefined;
  }

  async createConfiguration(record: ConfigurationRecord, customProviderIds: readonly string[]): Promise<Outcome<ConfigurationRecord>> {
    return this.db.transaction((): Outcome<ConfigurationRecord> => {
      const missing = this.missingReferences(record.access, record.router, customProviderIds);
      if (missing) return missing;
      this.stmt.insertConfiguration.run({ ...record, access: jsonOrNull(record.access), router: jsonOrNull(record.router) });
      this.writeReferences(record.id, record.access, record.router);
      return record;
    }).immediate();
  }

  async getConfiguration(id: string): Promise<ConfigurationRecord | undefined> {
    const row = this.stmt.getConfiguration.get(id);
    return row && toConfiguration(row);
  }

  async listConfigurations(query: PageQuery): Promise<Page<ConfigurationRecord>> {
    return this.page('SELECT * FROM access_key_configurations', 'id', query, {}, toConfiguration);
  }

  async updateConfiguration(
    id: string,
    patch: ConfigurationPatch,
    customProviderIds: readonly string[],
    updatedAt: string,
  ): Promise<Outcome<ConfigurationRecord> | undefined> {
    return this.db.transaction((): Outcome<ConfigurationRecord> | undefined => {
      const row = this.stmt.getConfiguration.get(id);
      if (!row) return undefined;
      const current = toConfiguration(row);
      const access = patch.access === undefined ? current.access : patch.access;
      const router = patch.router === undefined ? current.router : patch.router;
      const missing = this.missingReferences(access, router, customProviderIds);
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
      };
      this.updateColumns('access_key_configurations', id, columns, updatedAt);
      this.writeReferences(id, access, router);
      return toConfiguration(this.stmt.getConfiguration.get(id)!);
    }).immediate();
  }

  async deleteConfiguration(id: string): Promise<Outcome<ConfigurationRecord> | undefined> {
    return this.db.transaction((): Outcome<ConfigurationRecord> | undefined => {
      const row = this.stmt.getConfiguration.get(id);
      if (!row) return undefined;
      const linked = this.stmt.accessKeysLinking.all(id).map((r) => r.id);
      if (linked.length) return { refused: 'linkedAccessKeys', accessKeyIds: linked };
      this.stmt.deleteConfiguration.run(id);
      return toConfiguration(row);
    }).immediate();
  }

  // Custom providers

  async createCustomProvider(record: CustomProviderRecord): Promise<Outcome<CustomProviderRecord>> {
    return this.db.transaction((): Outcome<CustomProviderRecord> => {
      if (this.stmt.getProviderByProviderId.get(record.providerId)) return { refused: 'duplicateProvider', providerId: record.providerId };
      this.stmt.insertProvider.run({
        ...record,
        supportedApiSurfaces: JSON.stringify(record.supportedApiSurfaces),
        models: JSON.stringify(record.models),
      });
      return record;
    }).immediate();
  }

  async getCustomProvider(idOrProviderId: string): Promise<CustomProviderRecord | undefined> {
    const row = this.stmt.getProviderById.get(idOrProviderId) ?? this.stmt.getProviderByProviderId.get(idOrProviderId);
    return row && toCustomProvider(row);
  }

  async listCustomProviders(query: PageQuery): Promise<Page<CustomProviderRecord>> {
    return this.page('SELECT * FROM custom_providers', 'id', query, {}, toCustomProvider);
  }

  async updateCustomProvider(id: string, patch: CustomProviderPatch, updatedAt: string): Promise<CustomProviderRecord | undefined> {
    return this.db.transaction(() => {
      const columns = {
        name: patch.name,
        description: patch.description,
        metadata: patch.metadata,
        base_url: patch.baseUrl,
        supported_api_surfaces: patch.supportedApiSurfaces && JSON.stringify(patch.supportedApiSurfaces),
        models: patch.models && JSON.stringify(patch.models),
      };
      if (!this.updateColumns('custom_providers', id, columns, updatedAt)) return undefined;
      return toCustomProvider(this.stmt.getProviderById.get(id)!);
    })();
  }

  async deleteCustomProvider(id: string): Promise<Outcome<CustomProviderRecord> | undefined> {
    return this.db.transaction((): Outcome<CustomProviderRecord> | undefined => {
      const row = this.stmt.getProviderById.get(id);
      if (!row) return undefined;
      const providerKeyIds = this.stmt.keysOfProvider.all(row.provider_id).map((r) => r.id);
      const configurationIds = this.stmt.configurationsUsingProvider.all(row.provider_id).map((r) => r.configuration_id);
      if (providerKeyIds.length || configurationIds.length) return { refused: 'providerInUse', providerKeyIds, configurationIds };
      this.stmt.deleteProvider.run(id);
      return toCustomProvider(row);
    }).immediate();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
