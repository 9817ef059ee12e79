import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import type { Page, ProviderKeyPatch, ProviderKeyQuery, ProviderKeyRecord, SecretSwap, Store } from './types.js';

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

  async listSecretRefs(): Promise<Set<string>> {
    return new Set(this.stmt.secretRefs.all().map((r) => r.secret_ref));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
