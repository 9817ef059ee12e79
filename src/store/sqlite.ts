import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import type {
  LastUsedBatch,
  Page,
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

function toRecord(row: ProviderKeyRow): ProviderKeyRecord {
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
}

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
    reasoningTokens: row.reasoning_tokens,
    providerKeyId: row.provider_key_id,
    providerKeyRedacted: row.provider_key_redacted,
    latencyMs: row.latency_ms,
    error: row.error,
  };
}

function usageParams(e: UsageEventRecord) {
  return {
    ...e,
    isFinalAttempt: e.isFinalAttempt ? 1 : 0,
    timedOut: e.timedOut ? 1 : 0,
    isError: e.isError ? 1 : 0,
    isStreaming: e.isStreaming ? 1 : 0,
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

const INSTALL_ID = 'install_id';

export class SqliteStore implements Store {
  readonly installId: string;
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly listStatements = new Map<string, Database.Statement<Record<string, string | number>, ProviderKeyRow>>();

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.stmt = this.prepare();
    this.installId = this.ensureInstallId();
  }

  private prepare() {
    const db = this.db;
    return {
      getSetting: db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE name = ?'),
      setSetting: db.prepare(
        'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
      insertKey: db.prepare(`
        INSERT INTO provider_keys (id, provider_id, name, description, metadata, key_redacted, access_key_id,
                                   secret_ref, created_at, updated_at, last_used)
        VALUES (@id, @providerId, @name, @description, @metadata, @keyRedacted, @accessKeyId,
                @secretRef, @createdAt, @updatedAt, @lastUsed)`),
      getKey: db.prepare<[string], ProviderKeyRow>('SELECT * FROM provider_keys WHERE id = ?'),
      countKeys: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM provider_keys'),
      deleteKey: db.prepare('DELETE FROM provider_keys WHERE id = ?'),
      swapSecret: db.prepare(
        `UPDATE provider_keys SET secret_ref = @secretRef, key_redacted = @keyRedacted,
                name = coalesce(@name, name), updated_at = @updatedAt WHERE id = @id`,
      ),
      allKeys: db.prepare<[], ProviderKeyRow>('SELECT * FROM provider_keys ORDER BY id'),
      touchKey: db.prepare(
        'UPDATE provider_keys SET last_used = @lastUsed WHERE id = @id AND (last_used IS NULL OR last_used < @lastUsed)',
      ),
      insertUsage: db.prepare(`
        INSERT INTO usage_events (id, event_time, request_id, access_key_id, provider, model, attempt_number,
          is_final_attempt, status_code, timed_out, is_error, is_streaming, stop_reason, input_tokens, output_tokens,
          cache_read_tokens, reasoning_tokens, provider_key_id, provider_key_redacted, latency_ms, error)
        VALUES (@id, @eventTime, @requestId, @accessKeyId, @provider, @model, @attemptNumber, @isFinalAttempt,
          @statusCode, @timedOut, @isError, @isStreaming, @stopReason, @inputTokens, @outputTokens, @cacheReadTokens,
          @reasoningTokens, @providerKeyId, @providerKeyRedacted, @latencyMs, @error)`),
      secretRefs: db.prepare<[], { secret_ref: string }>('SELECT secret_ref FROM provider_keys'),
    };
  }

  private ensureInstallId(): string {
    const existing = this.stmt.getSetting.get(INSTALL_ID)?.value;
    if (existing) return existing;
    const id = randomUUID();
    this.stmt.setSetting.run(INSTALL_ID, id);
    return id;
  }

  async getSetting(name: string): Promise<string | undefined> {
    return this.stmt.getSetting.get(name)?.value;
  }

  async setSetting(name: string, value: string): Promise<void> {
    this.stmt.setSetting.run(name, value);
  }

  async createProviderKey(record: ProviderKeyRecord): Promise<ProviderKeyRecord> {
    this.db.transaction(() => this.stmt.insertKey.run(record))();
    return record;
  }

  async getProviderKey(id: string): Promise<ProviderKeyRecord | undefined> {
    const row = this.stmt.getKey.get(id);
    return row && toRecord(row);
  }

  async listProviderKeys(query: ProviderKeyQuery): Promise<Page<ProviderKeyRecord>> {
    const where: string[] = [];
    const params: Record<string, string | number> = { limit: query.limit + 1 };
    if (query.beforeId !== undefined) {
      where.push('id < @beforeId');
      params.beforeId = query.beforeId;
    }
    if (query.providerId !== undefined) {
      where.push('provider_id = @providerId');
      params.providerId = query.providerId;
    }
    if (query.accessKeyId !== undefined) {
      where.push('access_key_id = @accessKeyId');
      params.accessKeyId = query.accessKeyId;
    }
    const sql =
      'SELECT * FROM provider_keys' +
      (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY id DESC LIMIT @limit';
    let statement = this.listStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<Record<string, string | number>, ProviderKeyRow>(sql);
      this.listStatements.set(sql, statement);
    }
    const rows = statement.all(params);
    const hasMore = rows.length > query.limit;
    return { items: rows.slice(0, query.limit).map(toRecord), hasMore };
  }

  async countProviderKeys(): Promise<number> {
    return this.stmt.countKeys.get()!.n;
  }

  async updateProviderKey(id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined> {
    const columns = { name: 'name', description: 'description', metadata: 'metadata' } as const;
    const sets = (Object.keys(patch) as (keyof ProviderKeyPatch)[])
      .filter((k) => patch[k] !== undefined)
      .map((k) => `${columns[k]} = @${k}`);
    sets.push('updated_at = @updatedAt');
    const update = this.db.prepare(`UPDATE provider_keys SET ${sets.join(', ')} WHERE id = @id`);
    return this.db.transaction(() => {
      if (update.run({ ...patch, updatedAt, id }).changes === 0) return undefined;
      return toRecord(this.stmt.getKey.get(id)!);
    })();
  }

  async swapProviderKeySecret(id: string, swap: SecretSwap, updatedAt: string) {
    return this.db.transaction(() => {
      const row = this.stmt.getKey.get(id);
      if (!row) return undefined;
      this.stmt.swapSecret.run({ ...swap, name: swap.name ?? null, updatedAt, id });
      return { before: toRecord(row), after: toRecord(this.stmt.getKey.get(id)!) };
    })();
  }

  async deleteProviderKey(id: string): Promise<ProviderKeyRecord | undefined> {
    return this.db.transaction(() => {
      const row = this.stmt.getKey.get(id);
      if (!row) return undefined;
      this.stmt.deleteKey.run(id);
      return toRecord(row);
    })();
  }

  async allProviderKeys(): Promise<ProviderKeyRecord[]> {
    return this.stmt.allKeys.all().map(toRecord);
  }

  async recordUsage(events: readonly UsageEventRecord[], lastUsed: LastUsedBatch): Promise<void> {
    this.db.transaction(() => {
      for (const event of events) this.stmt.insertUsage.run(usageParams(event));
      for (const [id, at] of lastUsed.providerKeys) this.stmt.touchKey.run({ id, lastUsed: at });
    })();
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
    const rows = this.db.prepare<Record<string, string | number>, UsageRow>(sql).all(params);
    return { items: rows.slice(0, query.limit).map(toUsageEvent), hasMore: rows.length > query.limit };
  }

  async usageOverview(query: UsageOverviewQuery): Promise<UsageBucketRow[]> {
    const group = query.groupBy === 'accessKey' ? 'access_key_id' : 'provider';
    return this.db
      .prepare<{ startTime: string; endTime: string }, UsageBucketRow>(
        `SELECT substr(event_time, 1, 10) AS day, ${group} AS groupKey, count(*) AS requests, sum(is_error) AS errors
           FROM usage_events
          WHERE is_final_attempt = 1 AND event_time >= @startTime AND event_time < @endTime
          GROUP BY day, groupKey ORDER BY day, groupKey`,
      )
      .all({ startTime: query.startTime, endTime: query.endTime });
  }

  async listSecretRefs(): Promise<Set<string>> {
    return new Set(this.stmt.secretRefs.all().map((r) => r.secret_ref));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
