import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { within } from '../../core/deadline.js';
import { LocalChangeFeed } from '../change-feed.js';
import { onConnection, type Statements } from '../statements.js';
import type {
  LimitCountsExchange,
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
import { CHANGE_CHANNEL, ChangeListener, type ChangeNotice } from './change-listener.js';
import * as configurations from './configurations.js';
import { Db, rethrowUnavailable } from './connection.js';
import * as customProviders from './custom-providers.js';
import { exchangeLimitCounts } from './limit-counts.js';
import { LOCKS, migrate } from './migrate.js';
import * as providerKeys from './provider-keys.js';
import { SealedSecretTable } from './secret-rows.js';
import * as settings from './settings.js';
import * as usage from './usage.js';
import type { UsageWriterThread } from '../writer-thread.js';
import { postgresUsageWriter } from './usage-thread.js';

export { SealedSecretTable, type SealedSecretRow } from './secret-rows.js';

/** The aggregates' functions are named as the primitives they provide. */
const STATEMENTS: Statements<Db> = { ...providerKeys, ...accessKeys, ...configurations, ...customProviders };
/** An unreachable server fails a request after this long rather than holding it until TCP gives up. */
const CONNECT_TIMEOUT_MS = 5000;

export interface PostgresStoreOptions {
  /** Told when the change listener's connection is lost or a pooled connection fails; the store recovers by itself. */
  onConnectionError?: (err: Error) => void;
  /** Connections in the pool (the change listener has one more of its own). */
  poolSize?: number;
}

/**
 * The Store on a PostgreSQL database that several daemons (replicas) may share. Every write runs in one
 * transaction that first takes one advisory lock, so writes run one after another across all replicas, as
 * SQLite's BEGIN IMMEDIATE makes them in one file: the rules (src/app/rules.ts) check the 15-keys limit and
 * every reference with nothing else writing. The transaction NOTIFYs which resources it changed; each replica's
 * ChangeListener hands the other replicas' notices to its change feed. Usage appends take no lock.
 */
export class PostgresStore implements Store {
  readonly changes = new LocalChangeFeed();
  /** Names this process's writes in their notices, so its listener does not hand them on a second time. */
  private readonly origin = randomUUID();
  private readonly db: Db;
  private readonly reads: StoreTransaction;
  private listener: ChangeListener | undefined;
  private readonly usageWriter: UsageWriterThread;

  private constructor(
    private readonly pool: pg.Pool,
    readonly installId: string,
    url: string,
  ) {
    this.db = new Db(pool);
    this.reads = onConnection(STATEMENTS, this.db);
    this.usageWriter = postgresUsageWriter(url);
  }

  /** Connects, migrates (once across replicas), and listens for other replicas' writes. */
  static async open(url: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const onError = options.onConnectionError ?? (() => undefined);
    const config: pg.ClientConfig = { connectionString: url, application_name: 'aigw', connectionTimeoutMillis: CONNECT_TIMEOUT_MS };
    const pool = new pg.Pool({ ...config, max: options.poolSize ?? 8, idleTimeoutMillis: 30_000 });
    // An idle connection the server dropped (a restart) is taken out of the pool; it must not end the process.
    pool.on('error', onError);
    try {
      const client = await pool.connect();
      let installId: string;
      try {
        await migrate(client);
        installId = await settings.ensureInstallId(new Db(client));
      } finally {
        client.release();
      }
      const store = new PostgresStore(pool, installId, url);
      store.listener = new ChangeListener(config, store.origin, (change) => store.changes.publish(change), onError);
      await store.listener.start();
      return store;
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
  }

  /**
   * Why this replica should not serve now: the database does not answer within `timeoutMs`, or the
   * listener is reconnecting (other replicas' writes may not have reached the routing snapshot yet).
   */
  async notReady(timeoutMs = 2000): Promise<string | undefined> {
    if (!this.listener?.listening) return 'the PostgreSQL change listener is reconnecting';
    const ping = this.db.run('SELECT 1').then(
      () => undefined,
      (err: Error) => `PostgreSQL does not answer: ${err.message}`,
    );
    return within(ping, timeoutMs, () => `PostgreSQL did not answer within ${timeoutMs} ms`);
  }

  /** The table the database secret store keeps its ciphertext in. */
  sealedSecrets(): SealedSecretTable {
    return new SealedSecretTable(this.db);
  }

  /**
   * Runs `work` in one transaction that first takes the write lock every replica's writes take, so it runs
   * after every other replica's; when it wrote something, it NOTIFYs the other replicas as it commits, and
   * this process's change feed hears of it before the caller does.
   */
  transaction<T>(resources: readonly StoreResource[], work: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.write(resources, (db) => work(onConnection(STATEMENTS, db)));
  }

  private async write<T>(resources: readonly StoreResource[], work: (db: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch(rethrowUnavailable);
    // The statements `work` runs map a lost server themselves; its refusals pass through as they are.
    const run = (sql: string, params?: unknown[]) => client.query(sql, params).catch(rethrowUnavailable);
    const db = new Db(client);
    let result: T;
    try {
      await run('BEGIN');
      await run('SELECT pg_advisory_xact_lock($1)', [LOCKS.write]);
      result = await work(db);
      if (db.changed && resources.length) {
        const notice: ChangeNotice = { origin: this.origin, resources };
        await run('SELECT pg_notify($1, $2)', [CHANGE_CHANNEL, JSON.stringify(notice)]);
      }
      await run('COMMIT');
    } catch (err) {
      // A rule that threw (a refusal) leaves a healthy connection; one that cannot roll back is dropped.
      const rolledBack = await client.query('ROLLBACK').then(() => true, () => false);
      client.release(rolledBack ? undefined : (err as Error));
      throw err;
    }
    client.release();
    if (db.changed && resources.length) await this.changes.publish({ resources });
    return result;
  }

  async getSetting(name: string) {
    return settings.getSetting(this.db, name);
  }

  async setSetting(name: string, value: string) {
    return this.setSettings({ [name]: value });
  }

  async setSettings(entries: Record<string, string | null>) {
    await this.write(['settings'], (db) => settings.setSettings(db, entries));
  }

  async getSettings(prefix: string) {
    return settings.getSettings(this.db, prefix);
  }

  getProviderKey(id: string) {
    return this.reads.getProviderKey(id);
  }

  getProviderKeys(ids: readonly string[]) {
    return this.reads.getProviderKeys(ids);
  }

  listProviderKeys(query: ProviderKeyQuery) {
    return providerKeys.listProviderKeys(this.db, query);
  }

  countProviderKeys() {
    return providerKeys.countProviderKeys(this.db);
  }

  /**
   * Not on the change feed: nothing that routes requests reads it. One UPDATE that checks the secret ref
   * is atomic on its own, so it needs neither the write lock nor a NOTIFY.
   */
  async setProviderKeyValueHmac(id: string, secretRef: string, valueHmac: string) {
    return providerKeys.setProviderKeyValueHmac(this.db, id, secretRef, valueHmac);
  }

  findProviderKeysByValueHmac(valueHmac: string) {
    return providerKeys.findProviderKeysByValueHmac(this.db, valueHmac);
  }

  providerKeysWithoutValueHmac() {
    return providerKeys.providerKeysWithoutValueHmac(this.db);
  }

  getAccessKey(id: string) {
    return this.reads.getAccessKey(id);
  }

  listAccessKeys(query: PageQuery) {
    return accessKeys.listAccessKeys(this.db, query);
  }

  getConfiguration(id: string) {
    return this.reads.getConfiguration(id);
  }

  listConfigurations(query: PageQuery) {
    return configurations.listConfigurations(this.db, query);
  }

  getCustomProvider(idOrProviderId: string) {
    return this.reads.getCustomProvider(idOrProviderId);
  }

  listCustomProviders(query: PageQuery) {
    return customProviders.listCustomProviders(this.db, query);
  }

  allProviderKeys() {
    return providerKeys.allProviderKeys(this.db);
  }

  allAccessKeys() {
    return accessKeys.allAccessKeys(this.db);
  }

  allConfigurations() {
    return configurations.allConfigurations(this.db);
  }

  allCustomProviders() {
    return customProviders.allCustomProviders(this.db);
  }

  /** Appends settle in order; the usage writer thread builds and sends each batch's statements, off the gateway's thread. */
  appendUsage(batch: PackedUsage): Promise<void> {
    return this.usageWriter.append(batch);
  }

  listUsage(query: UsageQuery) {
    return usage.listUsage(this.db, query);
  }

  usageOverview(query: UsageOverviewQuery) {
    return usage.usageOverview(this.db, query);
  }

  /** Reads every replica's appends: the budget counters of all gateways on this database are rebuilt from it. */
  spendSince(query: SpendQuery) {
    return usage.spendSince(this.db, query);
  }

  /** Every replica's counts in one table; no write lock and no NOTIFY: the counts are not routing state. */
  exchangeLimitCounts(exchange: LimitCountsExchange) {
    return exchangeLimitCounts(this.db, exchange);
  }

  listSecretRefs() {
    return providerKeys.secretRefs(this.db);
  }

  /** Waits for the usage appends already made, stops listening and closes the pool. */
  async close(): Promise<void> {
    await this.usageWriter.settled();
    await this.usageWriter.close();
    await this.listener?.close();
    await this.pool.end();
  }
}
