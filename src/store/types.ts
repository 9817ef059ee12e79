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
  /** Every secret ref the store points at, for reconciling the secret store at start-up. */
  listSecretRefs(): Promise<Set<string>>;
  close(): Promise<void>;
}
