import type { Budget, RateLimits } from '../core/budgets.js';
import type { AccessScope, Router } from '../core/configs.js';
import type { SupportedApiSurface } from '../core/custom-providers.js';
import type { UsageAttempt, UsageGroup } from '../core/gateway-api.js';
import type { PackedUsage } from './usage-batch.js';

/**
 * The Store: the daemon's metadata (never secret values). Methods return Promises although SQLite
 * answers synchronously, so a PostgreSQL implementation can follow behind the same interface.
 */
export interface ProviderKeyRecord {
  id: string;
  providerId: string;
  name: string;
  description: string;
  metadata: string;
  keyRedacted: string;
  accessKeyId: string | null;
  /** Names the secret in the SecretStore; changes on rotate so a crash can never leave neither value. */
  secretRef: string;
  createdAt: string;
  updatedAt: string;
  lastUsed: string | null;
  /** A disabled key stays in its router rules but the gateway skips it, as if it were absent. */
  disabled: boolean;
}

export interface PageQuery {
  limit: number;
  beforeId?: string | undefined;
}

export interface ProviderKeyQuery {
  limit: number;
  beforeId?: string | undefined;
  providerId?: string | undefined;
  accessKeyId?: string | undefined;
}

export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

export type ProviderKeyPatch = Partial<Pick<ProviderKeyRecord, 'name' | 'description' | 'metadata' | 'disabled'>>;

export interface SecretSwap {
  secretRef: string;
  keyRedacted: string;
  /** Rotate may rename the key in the same step, as ngrok's rotate body allows. */
  name?: string | undefined;
}

export interface AccessKeyRecord {
  id: string;
  name: string;
  description: string;
  metadata: string;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  tokenHash: string;
  keyRedacted: string;
  accessKeyConfigurationId: string | null;
  /** The linked configuration's name, read with the key. */
  accessKeyConfigurationName: string | null;
  createdAt: string;
  updatedAt: string;
  lastUsed: string | null;
  /** When the token stops working; null: never. */
  expiresAt: string | null;
  /** A disabled key is refused by the gateway until it is enabled again. */
  disabled: boolean;
  /**
   * The token the last rotation replaced (its SHA-256) and when it stops, or stopped, working: the gateway
   * accepts it until then, and afterwards can say that it was rotated out. Null before any rotation.
   */
  previousTokenHash: string | null;
  previousTokenExpiresAt: string | null;
  /** null: no budget, no rate limits of the key's own (its configuration's still apply). */
  budget: Budget | null;
  rateLimits: RateLimits | null;
}

export type AccessKeyPatch = Partial<
  Pick<
    AccessKeyRecord,
    'name' | 'description' | 'metadata' | 'accessKeyConfigurationId' | 'expiresAt' | 'disabled' | 'budget' | 'rateLimits'
  >
>;

/** A new token for an access key; the one it replaces keeps working until `previousTokenExpiresAt`. */
export interface TokenRotation {
  tokenHash: string;
  keyRedacted: string;
  previousTokenExpiresAt: string;
}

export interface ConfigurationRecord {
  id: string;
  name: string;
  description: string;
  metadata: string;
  /** null: no restriction. */
  access: AccessScope | null;
  router: Router | null;
  /** Token caps that win over the account-wide ones in the gateway settings; null: the account-wide cap. */
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  /** Shared by every access key linked to the configuration; null: none. */
  budget: Budget | null;
  rateLimits: RateLimits | null;
  createdAt: string;
  updatedAt: string;
}

export type ConfigurationPatch = Partial<
  Pick<
    ConfigurationRecord,
    'name' | 'description' | 'metadata' | 'access' | 'router' | 'maxInputTokens' | 'maxOutputTokens' | 'budget' | 'rateLimits'
  >
>;

export interface ProviderModelRecord {
  id: string;
  modelId: string;
}

export interface CustomProviderRecord {
  id: string;
  providerId: string;
  name: string;
  description: string;
  metadata: string;
  baseUrl: string;
  supportedApiSurfaces: SupportedApiSurface[];
  models: ProviderModelRecord[];
  createdAt: string;
  updatedAt: string;
}

export type CustomProviderPatch = Partial<
  Pick<CustomProviderRecord, 'name' | 'description' | 'metadata' | 'baseUrl' | 'supportedApiSurfaces' | 'models'>
>;

/** One upstream attempt made by the gateway, as stored. */
export interface UsageEventRecord extends UsageAttempt {
  providerKeyId: string | null;
  providerKeyRedacted: string | null;
  /** USD; null when unknown. */
  costUsd: number | null;
}

/**
 * A usage event as the gateway's hot path makes it: the time is epoch ms, and the writer formats
 * `eventTime` (and `lastUsed`) from it, off the main thread.
 */
export interface UsageDraft extends Omit<UsageEventRecord, 'eventTime'> {
  timeMs: number;
}

export interface UsageQuery {
  limit: number;
  /** Only events older than this id (ids sort by time): the next page. */
  cursor?: string | undefined;
  startTime?: string | undefined;
  endTime?: string | undefined;
  accessKeyId?: string | undefined;
  includeRetries: boolean;
}

export interface UsageOverviewQuery {
  startTime: string;
  endTime: string;
  groupBy: UsageGroup;
}

export interface UsageBucketRow {
  /** The UTC day, as YYYY-MM-DD. */
  day: string;
  groupKey: string;
  requests: number;
  errors: number;
  /** The sum over the requests whose cost is known. */
  costUsd: number;
  unpricedRequests: number;
  inputTokens: number;
  outputTokens: number;
}

/** Spend per access key since a time: what budgets are counted from (see Store.spendSince). */
export interface SpendQuery {
  /** RFC 3339; attempts whose eventTime is at or after it count. */
  since: string;
  accessKeyIds: readonly string[];
}

export interface AccessKeySpend {
  accessKeyId: string;
  /** The sum of the known costs, USD. */
  costUsd: number;
  /** Attempts whose cost is unknown (null): not in costUsd. */
  unpricedAttempts: number;
}

/**
 * One replica's counts for one budget or rate-limit scope (an access key or a configuration), shared through
 * a Store several gateways use, so that they enforce one limit (see Store.exchangeLimitCounts).
 */
export interface ReplicaLimitCounts {
  scopeId: string;
  /** The epoch second, on the replica's clock, that the last of `requests` and `tokens` counts. */
  second: number;
  /** One count per second up to `second`, oldest first (at most 60), or none when the scope has no rate limits. */
  requests: number[];
  tokens: number[];
  inFlight: number;
  /** The start (epoch ms) of the budget period the USD figures are for. */
  periodStart: number;
  /** The reservations of this replica's requests in flight. */
  reservedUsd: number;
  /** What this replica charged in the period, and how much of that it knows the Store's usage already holds. */
  chargedUsd: number;
  storedUsd: number;
}

export interface LimitCountsExchange {
  /** Random per daemon process. */
  replicaId: string;
  /** Replaces this replica's counts: a scope left out is removed. */
  counts: readonly ReplicaLimitCounts[];
  /** Counts of other replicas not written for this long are left out of the answer (their daemon stopped, or is cut off). */
  liveMs: number;
}

export type RemoteLimitCounts = ReplicaLimitCounts & { replicaId: string };

/** What a Store's data is made of, as its change feed names it. */
export type StoreResource = 'settings' | 'providerKeys' | 'accessKeys' | 'configurations' | 'customProviders';

/**
 * A change on the feed: the resources one committed write changed, or `reload` when the feed may have
 * missed changes (a PostgreSQL listener that reconnected) and a reader must read everything again.
 */
export type StoreChange = { resources: readonly StoreResource[] } | { reload: true };

export type StoreChangeListener = (change: StoreChange) => void | Promise<void>;

/**
 * Which resources changed, for readers that keep a copy (the gateway's routing snapshot). A write made
 * through this Store resolves only after this process's listeners have handled its change, so a caller
 * that has heard back from a write knows the gateway sees it; writes made elsewhere (other replicas on a
 * shared database) arrive when the implementation hears of them. Usage appends are not on the feed.
 */
export interface ChangeFeed {
  /** Listeners handle their own errors; the returned function unsubscribes. */
  subscribe(listener: StoreChangeListener): () => void;
}

/**
 * What a write can do inside Store.transaction: small reads and writes of single rows, and the questions
 * "what points at this", which every implementation answers from its own tables. They check nothing: the
 * domain's rules (limits, references, cascades) are written once above them, in src/app/rules.ts. A write
 * answers what it wrote (undefined or false: there was no such row).
 */
export interface StoreTransaction {
  getProviderKey(id: string): Promise<ProviderKeyRecord | undefined>;
  /** In the order asked for, without the ids that are not there. */
  getProviderKeys(ids: readonly string[]): Promise<ProviderKeyRecord[]>;
  getAccessKey(id: string): Promise<AccessKeyRecord | undefined>;
  getConfiguration(id: string): Promise<ConfigurationRecord | undefined>;
  /** By `aigp_…` id or by providerId. */
  getCustomProvider(idOrProviderId: string): Promise<CustomProviderRecord | undefined>;

  /** How many of a provider's keys are attached to an access key. */
  countAttachedProviderKeys(accessKeyId: string, providerId: string): Promise<number>;
  /** The keys attached to an access key, oldest first. */
  attachedProviderKeys(accessKeyId: string): Promise<ProviderKeyRecord[]>;
  /** The ids of a provider's keys, oldest first. */
  providerKeyIdsOf(providerId: string): Promise<string[]>;
  /** The configurations whose router rules name a provider key, by id. */
  configurationsUsingProviderKey(providerKeyId: string): Promise<string[]>;
  /** The configurations whose access scope or router rules name a provider, by id. */
  configurationsUsingProvider(providerId: string): Promise<string[]>;
  /** The access keys linked to a configuration, by id. */
  accessKeysLinking(configurationId: string): Promise<string[]>;

  insertProviderKey(record: ProviderKeyRecord): Promise<void>;
  updateProviderKey(id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined>;
  /** Points the key at a new secret and forgets the old value's HMAC. */
  swapProviderKeySecret(id: string, swap: SecretSwap, updatedAt: string): Promise<ProviderKeyRecord | undefined>;
  deleteProviderKey(id: string): Promise<boolean>;
  /** Answers the record as read back (with its configuration's name). */
  insertAccessKey(record: AccessKeyRecord): Promise<AccessKeyRecord>;
  updateAccessKey(id: string, patch: AccessKeyPatch, updatedAt: string): Promise<AccessKeyRecord | undefined>;
  /**
   * Gives the key a new token and keeps everything else (id, configuration link, limits, spend); the token it
   * replaces becomes the previous one, and an older previous token stops at once.
   */
  rotateAccessKeyToken(id: string, rotation: TokenRotation, updatedAt: string): Promise<AccessKeyRecord | undefined>;
  deleteAccessKey(id: string): Promise<boolean>;
  insertConfiguration(record: ConfigurationRecord): Promise<void>;
  updateConfiguration(id: string, patch: ConfigurationPatch, updatedAt: string): Promise<ConfigurationRecord | undefined>;
  deleteConfiguration(id: string): Promise<boolean>;
  insertCustomProvider(record: CustomProviderRecord): Promise<void>;
  updateCustomProvider(id: string, patch: CustomProviderPatch, updatedAt: string): Promise<CustomProviderRecord | undefined>;
  deleteCustomProvider(id: string): Promise<boolean>;
}

export interface Store {
  /** Created with the store; scopes keychain items so two homes never touch each other's. */
  readonly installId: string;
  readonly changes: ChangeFeed;
  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;

  /** Several settings in one transaction; null removes one. */
  setSettings(entries: Record<string, string | null>): Promise<void>;
  /** Every setting whose name starts with the prefix. */
  getSettings(prefix: string): Promise<Record<string, string>>;

  getProviderKey(id: string): Promise<ProviderKeyRecord | undefined>;
  getProviderKeys(ids: readonly string[]): Promise<ProviderKeyRecord[]>;
  listProviderKeys(query: ProviderKeyQuery): Promise<Page<ProviderKeyRecord>>;
  countProviderKeys(): Promise<number>;
  /**
   * Records the keyed HMAC of a provider key's value (computed by the caller under a per-install key, never
   * a plain hash), so a value can be found again without reading every secret. Only while the key still
   * points at `secretRef`, the value it was computed from (a rotate in between wins); false otherwise.
   * Not on the change feed: nothing that routes requests reads it.
   */
  setProviderKeyValueHmac(id: string, secretRef: string, valueHmac: string): Promise<boolean>;
  /** The provider keys whose value has this HMAC, oldest first. */
  findProviderKeysByValueHmac(valueHmac: string): Promise<ProviderKeyRecord[]>;
  /** The provider keys with no value HMAC yet (stored by an older aigw, or cut off by a crash), oldest first. */
  providerKeysWithoutValueHmac(): Promise<ProviderKeyRecord[]>;

  getAccessKey(id: string): Promise<AccessKeyRecord | undefined>;
  listAccessKeys(query: PageQuery): Promise<Page<AccessKeyRecord>>;
  getConfiguration(id: string): Promise<ConfigurationRecord | undefined>;
  listConfigurations(query: PageQuery): Promise<Page<ConfigurationRecord>>;
  /** By `aigp_…` id or by providerId. */
  getCustomProvider(idOrProviderId: string): Promise<CustomProviderRecord | undefined>;
  listCustomProviders(query: PageQuery): Promise<Page<CustomProviderRecord>>;

  /**
   * Runs `work` as one transaction: it sees its own writes and no other writer's uncommitted ones, and no
   * other write of any process on the same data runs between its first read and its commit, so a check it
   * makes still holds when it writes (the 15-keys limit under racing creates, a reference to a row being
   * deleted). Readers outside it never see its uncommitted writes. When `work` throws, nothing it wrote
   * stays and the error is rethrown. When it returns and wrote something, the commit is published on the
   * change feed as `resources` (and to other replicas) before the returned promise resolves.
   * `work` must await nothing but `tx`: the transaction holds the write lock while it runs.
   * The domain's rules stand on this, once, in src/app/rules.ts.
   */
  transaction<T>(resources: readonly StoreResource[], work: (tx: StoreTransaction) => Promise<T>): Promise<T>;

  /** Every provider key, oldest first: the gateway's routing snapshot is built from it. */
  allProviderKeys(): Promise<ProviderKeyRecord[]>;
  allAccessKeys(): Promise<AccessKeyRecord[]>;
  allConfigurations(): Promise<ConfigurationRecord[]>;
  allCustomProviders(): Promise<CustomProviderRecord[]>;
  /**
   * Writes a batch of usage events and the `lastUsed` times they imply (a provider key's only for attempts
   * that reached its provider), all or nothing. Appends settle in the order they were made.
   */
  appendUsage(batch: PackedUsage): Promise<void>;
  listUsage(query: UsageQuery): Promise<Page<UsageEventRecord>>;
  usageOverview(query: UsageOverviewQuery): Promise<UsageBucketRow[]>;
  /**
   * The spend of each listed access key since a time, over every attempt appended so far (any replica's):
   * the budget counters of every gateway sharing the Store are rebuilt from it. An access key with no
   * attempts in the range is left out. Must be cheap for a few keys (an index on access key and time).
   */
  spendSince(query: SpendQuery): Promise<AccessKeySpend[]>;
  /**
   * Only for a Store several daemons share: publishes this replica's limit counts and answers every other
   * live replica's. Not on the change feed (it is not routing state); called from a timer, never per request.
   * A Store used by one daemon alone (SQLite) leaves it out, and the gateway then shares nothing.
   */
  exchangeLimitCounts?(exchange: LimitCountsExchange): Promise<RemoteLimitCounts[]>;
  /** Every secret ref the store points at, for reconciling the secret store at start-up. */
  listSecretRefs(): Promise<Set<string>>;
  close(): Promise<void>;
}
