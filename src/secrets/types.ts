export type SecretStoreKind = 'keychain' | 'file' | 'database';

/** Where provider key values live. Values go in and come out; nothing else ever sees them. */
export interface SecretStore {
  readonly kind: SecretStoreKind;
  set(ref: string, value: string): Promise<void>;
  /** Stores the value only where the ref holds none yet (see SecretVault.setIfAbsent). */
  setIfAbsent?(ref: string, value: string): Promise<void>;
  /** Undefined when there is no such secret. */
  get(ref: string): Promise<string | undefined>;
  delete(ref: string): Promise<void>;
  /** Every ref this store holds for this home: for reconciling it with the database at start-up. */
  list(): Promise<string[]>;
}
