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

export type ProviderKeyPatch = Partial<Pick<ProviderKeyRecord, 'name' | 'description' | 'metadata'>>;

export interface SecretSwap {
  secretRef: string;
  keyRedacted: string;
  /** Rotate may rename the key in the same step, as ngrok's rotate body allows. */
  name?: string | undefined;
}

/** One upstream attempt made by the gateway; field names follow ngrok's AIGatewayUsageEvent. */
export interface UsageEventRecord {
  id: string;
  eventTime: string;
  requestId: string;
  accessKeyId: string;
  provider: string;
  model: string;
  attemptNumber: number;
  isFinalAttempt: boolean;
  statusCode: number;
  timedOut: boolean;
  isError: boolean;
  isStreaming: boolean;
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
  providerKeyId: string | null;
  providerKeyRedacted: string | null;
  latencyMs: number;
  /** Why the attempt failed when there was no HTTP status (connection error, timeout); never a secret. */
  error: string | null;
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
  groupBy: 'provider' | 'accessKey';
}

export interface UsageBucketRow {
  /** The UTC day, as YYYY-MM-DD. */
  day: string;
  groupKey: string;
  requests: number;
  errors: number;
}

/** `lastUsed` times gathered by the gateway and written in one batch. */
export interface LastUsedBatch {
  providerKeys: Map<string, string>;
  accessKeys: Map<string, string>;
}

export interface Store {
  /** Created with the store; scopes keychain items so two homes never touch each other's. */
  readonly installId: string;
  getSetting(name: string): Promise<string | undefined>;
  setSetting(name: string, value: string): Promise<void>;

  createProviderKey(record: ProviderKeyRecord): Promise<ProviderKeyRecord>;
  getProviderKey(id: string): Promise<ProviderKeyRecord | undefined>;
  listProviderKeys(query: ProviderKeyQuery): Promise<Page<ProviderKeyRecord>>;
  countProviderKeys(): Promise<number>;
  updateProviderKey(id: string, patch: ProviderKeyPatch, updatedAt: string): Promise<ProviderKeyRecord | undefined>;
  /** Points the key at a new secret; returns the record as it was before, so the caller can drop the old secret. */
  swapProviderKeySecret(id: string, swap: SecretSwap, updatedAt: string): Promise<{ before: ProviderKeyRecord; after: ProviderKeyRecord } | undefined>;
  deleteProviderKey(id: string): Promise<ProviderKeyRecord | undefined>;
  /** Every provider key, oldest first: the gateway's routing snapshot is built from it. */
  allProviderKeys(): Promise<ProviderKeyRecord[]>;
  /** Writes a batch of usage events and `lastUsed` times in one transaction. */
  recordUsage(events: readonly UsageEventRecord[], lastUsed: LastUsedBatch): Promise<void>;
  listUsage(query: UsageQuery): Promise<Page<UsageEventRecord>>;
  usageOverview(query: UsageOverviewQuery): Promise<UsageBucketRow[]>;
  /** Every secret ref the store points at, for reconciling the secret store at start-up. */
  listSecretRefs(): Promise<Set<string>>;
  close(): Promise<void>;
}
