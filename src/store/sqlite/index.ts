import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import { LocalChangeFeed } from '../change-feed.js';
import { onConnection, type Statements } from '../statements.js';
import type {
  PageQuery,
  ProviderKeyQuery,
  SpendQuery,
  Store,
  StoreResource,
  StoreTransaction,
  UsageOverviewQuery,
  UsageQuery,
} from '../types.js';
import type { PackedUsage } from '../usage-batch.js';
import * as accessKeys from './access-keys.js';
import * as configurations from './configurations.js';
import { Connection } from './connection.js';
import * as customProviders from './custom-providers.js';
import { keep, pragmaValue, statementFor } from './handles.js';
import { MIGRATIONS } from './migrations.js';
import * as providerKeys from './provider-keys.js';
import * as settings from './settings.js';
import * as usage from './usage.js';
import type { UsageWriterThread } from '../writer-thread.js';
import { sqliteUsageWriter } from './usage-thread.js';

function migrate(db: Database.Database): void {
  const current = pragmaValue(db, 'user_version') as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    })();
  }
}

/**
 * The last write queued on each file by this process. A transaction awaits between its statements, and a
 * second connection's BEGIN IMMEDIATE on the same thread would wait for the first synchronously (it can
 * never finish), so every store on a file in this process queues on one chain; other processes and
 * threads wait for the file's lock as usual.
 */
const writeQueues = new Map<string, Promise<void>>();

/** The rows the connection has changed so far: a transaction that did not move it wrote nothing. */
const totalChanges = (db: Database.Database) => statementFor(db, 'SELECT total_changes()').pluck().get() as number;

/** The aggregates' functions are named as the primitives they provide. */
const STATEMENTS: Statements<Connection> = { ...providerKeys, ...accessKeys, ...configurations, ...customProviders };

/**
 * The embedded Store: one SQLite file, of which this daemon is the only writer (one daemon per home holds
 * its lock). Writes run one at a time, each in BEGIN IMMEDIATE … COMMIT on the write connection; reads go
 * to a connection of their own, which sees only what was committed, so a read made while a write's
 * transaction is open never sees half of it. Usage is appended from a worker thread with its own
 * connection, so the gateway's main thread never waits for it.
 */
export class SqliteStore implements Store {
  readonly installId: string;
  readonly changes = new LocalChangeFeed();
  private readonly w: Connection;
  private readonly r: Connection;
  private readonly tx: StoreTransaction;
  private readonly reads: StoreTransaction;
  private readonly file: string;
  /** This store's last write, settled: close waits for it. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly usageWriter: UsageWriterThread;

  constructor(file: string) {
    this.file = resolve(file);
    const db = keep(new Database(file));
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000');
    migrate(db);
    this.w = new Connection(db);
    this.installId = settings.ensureInstallId(this.w);
    const reader = keep(new Database(file, { fileMustExist: true }));
    reader.exec('PRAGMA query_only = ON; PRAGMA busy_timeout = 5000');
    this.r = new Connection(reader);
    this.tx = onConnection(STATEMENTS, this.w);
    this.reads = onConnection(STATEMENTS, this.r);
    this.usageWriter = sqliteUsageWriter(file);
  }

  async transaction<T>(resources: readonly StoreResource[], work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const { result, changed } = await this.exclusive(work);
    if (changed && resources.length) await this.changes.publish({ resources });
    return result;
  }

  /** Runs `work` in one transaction after every write queued before it; `changed`: it wrote a row. */
  private exclusive<T>(work: (tx: StoreTransaction) => Promise<T>): Promise<{ result: T; changed: boolean }> {
    const run = (writeQueues.get(this.file) ?? Promise.resolve()).then(async () => {
      const db = this.w.db;
      const before = totalChanges(db);
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.tx);
        const changed = totalChanges(db) !== before;
        db.exec('COMMIT');
        return { result, changed };
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
    });
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    writeQueues.set(this.file, settled);
    this.queue = settled.then(() => {
      if (writeQueues.get(this.file) === settled) writeQueues.delete(this.file);
    });
    return run;
  }

  async getSetting(name: string) {
    return settings.getSetting(this.r, name);
  }

  async setSetting(name: string, value: string) {
    return this.setSettings({ [name]: value });
  }

  async setSettings(entries: Record<string, string | null>) {
    await this.transaction(['settings'], async () => settings.setSettings(this.w, entries));
  }

  async getSettings(prefix: string) {
    return settings.getSettings(this.r, prefix);
  }

  getProviderKey(id: string) {
    return this.reads.getProviderKey(id);
  }

  getProviderKeys(ids: readonly string[]) {
    return this.reads.getProviderKeys(ids);
  }

  async listProviderKeys(query: ProviderKeyQuery) {
    return providerKeys.listProviderKeys(this.r, query);
  }

  async countProviderKeys() {
    return providerKeys.countProviderKeys(this.r);
  }

  async setProviderKeyValueHmac(id: string, secretRef: string, valueHmac: string) {
    return (await this.exclusive(async () => providerKeys.setProviderKeyValueHmac(this.w, id, secretRef, valueHmac))).result;
  }

  async findProviderKeysByValueHmac(valueHmac: string) {
    return providerKeys.findProviderKeysByValueHmac(this.r, valueHmac);
  }

  async providerKeysWithoutValueHmac() {
    return providerKeys.providerKeysWithoutValueHmac(this.r);
  }

  getAccessKey(id: string) {
    return this.reads.getAccessKey(id);
  }

  async listAccessKeys(query: PageQuery) {
    return accessKeys.listAccessKeys(this.r, query);
  }

  getConfiguration(id: string) {
    return this.reads.getConfiguration(id);
  }

  async listConfigurations(query: PageQuery) {
    return configurations.listConfigurations(this.r, query);
  }

  getCustomProvider(idOrProviderId: string) {
    return this.reads.getCustomProvider(idOrProviderId);
  }

  async listCustomProviders(query: PageQuery) {
    return customProviders.listCustomProviders(this.r, query);
  }

  async allProviderKeys() {
    return providerKeys.allProviderKeys(this.r);
  }

  async allAccessKeys() {
    return accessKeys.allAccessKeys(this.r);
  }

  async allConfigurations() {
    return configurations.allConfigurations(this.r);
  }

  async allCustomProviders() {
    return customProviders.allCustomProviders(this.r);
  }

  appendUsage(batch: PackedUsage): Promise<void> {
    return this.usageWriter.append(batch);
  }

  async listUsage(query: UsageQuery) {
    return usage.listUsage(this.r, query);
  }

  async usageOverview(query: UsageOverviewQuery) {
    return usage.usageOverview(this.r, query);
  }

  async spendSince(query: SpendQuery) {
    return usage.spendSince(this.r, query);
  }

  async listSecretRefs() {
    return providerKeys.secretRefs(this.r);
  }

  /** Waits for the writes queued, stops the usage writer thread (appends still pending fail) and closes the connections. */
  async close(): Promise<void> {
    await this.queue;
    await this.usageWriter.close();
    this.r.db.close();
    this.w.db.close();
  }
}
