import { createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AigwError, ERRORS } from '../core/errors.js';
import type { RewrapResult } from '../core/secret-rewrap.js';
import { seal } from './file.js';
import type { SecretStore } from './types.js';

/** One sealed secret as a table keeps it (the PostgreSQL Store's sealed_secrets): ciphertext only. */
export interface SealedSecret {
  ref: string;
  /** Which master key wrapped the data key (`masterKeyId`). */
  keyId: string;
  wrappedKey: Buffer;
  wrapIv: Buffer;
  wrapTag: Buffer;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Where the sealed secrets live; the daemon's composition hands over the Store's table. */
export interface SealedSecretRows {
  put(row: SealedSecret): Promise<void>;
  /** Inserts the row only where its ref has none. */
  add(row: SealedSecret): Promise<void>;
  get(ref: string): Promise<SealedSecret | undefined>;
  delete(ref: string): Promise<void>;
  /** Every ref a provider key points at, and the others once written at least this long ago. */
  refs(orphanAfterSeconds: number): Promise<string[]>;
  /** The master key ids the stored secrets are wrapped under. */
  keyIds(): Promise<string[]>;
  /** Replaces a row only while it is still wrapped under `keyId` (not deleted or re-wrapped meanwhile). */
  replace(row: SealedSecret, keyId: string): Promise<boolean>;
}

/** How old a value with no key pointing at it must be before it counts as an orphan. */
const ORPHAN_AFTER_SECONDS = 600;

/** A master key's public name: a digest, so it identifies the key without revealing anything of it. */
export function masterKeyId(masterKey: Buffer): string {
  return createHash('sha256').update('aigw-master-key-id\0').update(masterKey).digest('hex').slice(0, 16);
}

/** The ref and the master key id are bound into both ciphertexts: a row copied to another ref, or relabelled, does not open. */
function additionalData(ref: string, keyId: string): Buffer {
  return Buffer.from(`aigw-secret/1\0${ref}\0${keyId}`);
}

function unseal(key: Buffer, iv: Buffer, tag: Buffer, ciphertext: Buffer, aad: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
}

/**
 * Provider key values as AES-256-GCM ciphertext in the shared database, so every replica can read what any
 * replica stored (no OS keychain is shared between machines). Envelope encryption: each value has a random
 * data key of its own, wrapped by the master key, which never leaves this process; the plaintext never
 * reaches the database.
 */
export class DatabaseSecretStore implements SecretStore {
  readonly kind = 'database';
  readonly keyId: string;
  /** The master keys this daemon can unwrap with, by id: the current one, and the previous one while a rewrap runs. */
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly rows: SealedSecretRows,
    private readonly masterKey: Buffer,
    previousMasterKey?: Buffer,
  ) {
    this.keyId = masterKeyId(masterKey);
    this.keys = new Map([[this.keyId, masterKey]]);
    if (previousMasterKey) this.keys.set(masterKeyId(previousMasterKey), previousMasterKey);
  }

  /** Whether values wrapped under this master key id can be read here. */
  opens(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  private sealed(ref: string, value: string): SealedSecret {
    const aad = additionalData(ref, this.keyId);
    const dataKey = randomBytes(32);
    const wrapped = seal(this.masterKey, dataKey, aad);
    const sealed = seal(dataKey, Buffer.from(value, 'utf8'), aad);
    dataKey.fill(0);
    return {
      ref, keyId: this.keyId, wrappedKey: wrapped.ciphertext, wrapIv: wrapped.iv, wrapTag: wrapped.tag,
      iv: sealed.iv, tag: sealed.tag, ciphertext: sealed.ciphertext,
    };
  }

  private opened(row: SealedSecret): string {
    const masterKey = this.keys.get(row.keyId);
    try {
      if (!masterKey) throw new Error('no such master key');
      const aad = additionalData(row.ref, row.keyId);
      const dataKey = unseal(masterKey, row.wrapIv, row.wrapTag, row.wrappedKey, aad);
      return unseal(dataKey, row.iv, row.tag, row.ciphertext, aad).toString('utf8');
    } catch {
      throw new AigwError(
        ERRORS.secretStoreUnavailable,
        `a stored secret does not decrypt: it was wrapped by master key ${row.keyId}, and this daemon's is ${this.keyId}; ` +
          'give every replica the same AIGW_MASTER_KEY or master key file',
      );
    }
  }

  async set(ref: string, value: string): Promise<void> {
    await this.rows.put(this.sealed(ref, value));
  }

  /** The first replica's value wins: what the value HMAC key, made on first use by any replica, needs. */
  async setIfAbsent(ref: string, value: string): Promise<void> {
    await this.rows.add(this.sealed(ref, value));
  }

  async get(ref: string): Promise<string | undefined> {
    const row = await this.rows.get(ref);
    return row && this.opened(row);
  }

  /**
   * Seals every value wrapped under the previous master key again under the current one, one row at a
   * time, each only if no one changed it meanwhile; reads keep working throughout, as both keys open.
   */
  async rewrap(): Promise<RewrapResult> {
    let rewrapped = 0;
    let remaining = 0;
    for (const ref of await this.rows.refs(0)) {
      const row = await this.rows.get(ref);
      if (!row || row.keyId === this.keyId) continue;
      if (!this.keys.has(row.keyId)) {
        remaining++;
        continue;
      }
      if (await this.rows.replace(this.sealed(ref, this.opened(row)), row.keyId)) rewrapped++;
    }
    return { keyId: this.keyId, rewrapped, remaining };
  }

  delete(ref: string): Promise<void> {
    return this.rows.delete(ref);
  }

  /**
   * Leaves out values no key points at yet that were written in the last minutes: another replica may be
   * between writing a value and its key's row, and reconciling at this replica's start must not take that
   * value for an orphan.
   */
  list(): Promise<string[]> {
    return this.rows.refs(ORPHAN_AFTER_SECONDS);
  }
}
