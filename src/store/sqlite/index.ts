import Database from 'better-sqlite3';
import { LocalChangeFeed } from '../change-feed.js';
import type {
  AccessKeyPatch,
  AccessKeyRecord,
  ConfigurationPatch,
  ConfigurationRecord,
  CustomProviderPatch,
  CustomProviderRecord,
  ProviderKeyCreateChecks,
  ProviderKeyPatch,
  ProviderKeyQuery,
  ProviderKeyRecord,
  PageQuery,
  SecretSwap,
  SpendQuery,
  Store,
  TokenRotation,
  StoreResource,
  UsageOverviewQuery,
  UsageQuery,
} from '../types.js';
import type { PackedUsage } from '../usage-batch.js';
import * as accessKeys from './access-keys.js';
import * as configurations from './configurations.js';
import { Connection } from './connection.js';
import * as customProviders from './custom-providers.js';
import { keep, pragmaValue } from './handles.js';
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

/** A write that did nothing: the row was not there, or a rule refused it. */
function unchanged(outcome: unknown): boolean {
  return outcome === undefined || (typeof outcome === 'object' && outcome !== null && 'refused' in outcome);
}

// What each kind of write may change, as the change feed names it (a forced delete reaches further).
const PROVIDER_KEY_DELETE: StoreResource[] = ['providerKeys', 'configurations'];
const ACCESS_KEY_DELETE: StoreResource[] = ['accessKeys', 'providerKeys', 'configurations'];

/**
 * The embedded Store: one SQLite file. Every rule is checked inside the write's transaction, so two
 * requests racing cannot both pass it; each aggregate's statements live in a file of their own. Usage is
 * appended from a worker thread with its own connection, so the gateway's main thread never waits for it.
 */
export class SqliteStore implements Store {
  readonly installId: string;
  readonly changes = new LocalChangeFeed();
  private readonly c: Connection;
  private readonly usageWriter: UsageWriterThread;

  constructor(file: string) {
    const db = keep(new Database(file));
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000');
    migrate(db);
    this.c = new Connection(db);
    this.installId = settings.ensureInstallId(this.c);
    this.usageWriter = sqliteUsageWriter(file);
  }

  /** Runs a write in one transaction; when it changed something, the change feed hears of it before the caller does. */
  private async write<T>(resources: readonly StoreResource[], write: (c: Connection) => T): Promise<T> {
    const outcome = this.c.write(() => write(this.c));
    if (!unchanged(outcome)) await this.changes.publish({ resources });
    return outcome;
  }

  async getSetting(name: string) {
    return settings.getSetting(this.c, name);
  }

  async setSetting(name: string, value: string) {
    return this.setSettings({ [name]: value });
  }

  async setSettings(entries: Record<string, string | null>) {
    await this.write(['settings'], (c) => {
      settings.setSettings(c, entries);
      return true;
    });
  }

  async getSettings(prefix: string) {
    return settings.getSettings(this.c, prefix);
  }

  createProviderKey(record: ProviderKeyRecord, checks: ProviderKeyCreateChecks) {
    return this.write(['providerKeys'], (c) => providerKeys.createProviderKey(c, record, checks));
  }

  async getProviderKey(id: string) {
    return providerKeys.getProviderKey(this.c, id);
  }

  async getProviderKeys(ids: readonly string[]) {
    return providerKeys.getProviderKeys(this.c, ids);
  }

  async listProviderKeys(query: ProviderKeyQuery) {
    return providerKeys.listProviderKeys(this.c, query);
  }

  async countProviderKeys() {
    return providerKeys.countProviderKeys(this.c);
  }

  updateProviderKey(id: string, patch: ProviderKeyPatch, updatedAt: string) {
    return this.write(['providerKeys'], (c) => providerKeys.updateProviderKey(c, id, patch, updatedAt));
  }

  swapProviderKeySecret(id: string, swap: SecretSwap, updatedAt: string) {
    return this.write(['providerKeys'], (c) => providerKeys.swapProviderKeySecret(c, id, swap, updatedAt));
  }

  deleteProviderKey(id: string, options: { force: boolean }) {
    return this.write(PROVIDER_KEY_DELETE, (c) => providerKeys.deleteProviderKey(c, id, options));
  }

  /** Not on the change feed: nothing that routes requests reads it. */
  async setProviderKeyValueHmac(id: string, secretRef: string, valueHmac: string) {
    return this.c.write(() => providerKeys.setProviderKeyValueHmac(this.c, id, secretRef, valueHmac));
  }

  async findProviderKeysByValueHmac(valueHmac: string) {
    return providerKeys.findProviderKeysByValueHmac(this.c, valueHmac);
  }

  async providerKeysWithoutValueHmac() {
    return providerKeys.providerKeysWithoutValueHmac(this.c);
  }

  createAccessKey(record: AccessKeyRecord) {
    return this.write(['accessKeys'], (c) => accessKeys.createAccessKey(c, record));
  }

  async getAccessKey(id: string) {
    return accessKeys.getAccessKey(this.c, id);
  }

  async listAccessKeys(query: PageQuery) {
    return accessKeys.listAccessKeys(this.c, query);
  }

  updateAccessKey(id: string, patch: AccessKeyPatch, updatedAt: string) {
    return this.write(['accessKeys'], (c) => accessKeys.updateAccessKey(c, id, patch, updatedAt));
  }

  rotateAccessKeyToken(id: string, rotation: TokenRotation, updatedAt: string) {
    return this.write(['accessKeys'], (c) => accessKeys.rotateAccessKeyToken(c, id, rotation, updatedAt));
  }

  deleteAccessKey(id: string, options: { force: boolean }) {
    return this.write(ACCESS_KEY_DELETE, (c) => accessKeys.deleteAccessKey(c, id, options));
  }

  createConfiguration(record: ConfigurationRecord, customProviderIds: readonly string[]) {
    return this.write(['configurations'], (c) => configurations.createConfiguration(c, record, customProviderIds));
  }

  async getConfiguration(id: string) {
    return configurations.getConfiguration(this.c, id);
  }

  async listConfigurations(query: PageQuery) {
    return configurations.listConfigurations(this.c, query);
  }

  updateConfiguration(id: string, patch: ConfigurationPatch, customProviderIds: readonly string[], updatedAt: string) {
    return this.write(['configurations'], (c) => configurations.updateConfiguration(c, id, patch, customProviderIds, updatedAt));
  }

  deleteConfiguration(id: string) {
    return this.write(['configurations'], (c) => configurations.deleteConfiguration(c, id));
  }

  createCustomProvider(record: CustomProviderRecord) {
    return this.write(['customProviders'], (c) => customProviders.createCustomProvider(c, record));
  }

  async getCustomProvider(idOrProviderId: string) {
    return customProviders.getCustomProvider(this.c, idOrProviderId);
  }

  async listCustomProviders(query: PageQuery) {
    return customProviders.listCustomProviders(this.c, query);
  }

  updateCustomProvider(id: string, patch: CustomProviderPatch, updatedAt: string) {
    return this.write(['customProviders'], (c) => customProviders.updateCustomProvider(c, id, patch, updatedAt));
  }

  deleteCustomProvider(id: string) {
    return this.write(['customProviders'], (c) => customProviders.deleteCustomProvider(c, id));
  }

  async allProviderKeys() {
    return providerKeys.allProviderKeys(this.c);
  }

  async allAccessKeys() {
    return accessKeys.allAccessKeys(this.c);
  }

  async allConfigurations() {
    return configurations.allConfigurations(this.c);
  }

  async allCustomProviders() {
    return customProviders.allCustomProviders(this.c);
  }

  appendUsage(batch: PackedUsage): Promise<void> {
    return this.usageWriter.append(batch);
  }

  async listUsage(query: UsageQuery) {
    return usage.listUsage(this.c, query);
  }

  async usageOverview(query: UsageOverviewQuery) {
    return usage.usageOverview(this.c, query);
  }

  async spendSince(query: SpendQuery) {
    return usage.spendSince(this.c, query);
  }

  async listSecretRefs() {
    return providerKeys.secretRefs(this.c);
  }

  /** Stops the usage writer thread (appends still pending fail) and closes the connection. */
  async close(): Promise<void> {
    await this.usageWriter.close();
    this.c.db.close();
  }
}
