import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretStore } from '../../secrets/types.js';
import type { Logger } from '../log.js';

interface Sealed {
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/**
 * Provider key values in memory, encrypted under a key that exists only in this process (AES-256-GCM).
 * The secret store (often the OS keychain) is slow, so each value is fetched once; a value is decrypted for
 * one upstream request at a time. Entries are keyed by secret ref, which changes on rotate, and dropped
 * when the routing snapshot no longer mentions them (rotate, delete).
 */
export class SecretCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, Sealed>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly secrets: SecretStore,
    private readonly log: Logger,
  ) {}

  private seal(ref: string, value: string): void {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(ref));
    const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    this.entries.set(ref, { iv, tag: cipher.getAuthTag(), ciphertext });
  }

  private open(ref: string, sealed: Sealed): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.iv).setAAD(Buffer.from(ref));
    decipher.setAuthTag(sealed.tag);
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]).toString('utf8');
  }

  private load(ref: string): Promise<void> {
    let pending = this.loading.get(ref);
    if (!pending) {
      pending = this.secrets
        .get(ref)
        .then((value) => {
          if (value !== undefined) this.seal(ref, value);
        })
        .finally(() => this.loading.delete(ref));
      this.loading.set(ref, pending);
    }
    return pending;
  }

  /** The plaintext value when it is already cached (the hot path: no promise, no await); else undefined. */
  peek(ref: string): string | undefined {
    const sealed = this.entries.get(ref);
    return sealed && this.open(ref, sealed);
  }

  /** The plaintext value, for building one upstream request; undefined when the secret store has none. */
  async reveal(ref: string): Promise<string | undefined> {
    if (!this.entries.has(ref)) await this.load(ref);
    const sealed = this.entries.get(ref);
    return sealed && this.open(ref, sealed);
  }

  /** Keeps only these refs, and fetches the missing ones in the background so first requests are fast. */
  retain(refs: ReadonlySet<string>): void {
    for (const ref of this.entries.keys()) if (!refs.has(ref)) this.entries.delete(ref);
    for (const ref of refs) {
      if (this.entries.has(ref)) continue;
      this.load(ref).catch((err) => this.log.warn({ ref, err: (err as Error).message }, 'could not prefetch a provider key'));
    }
  }
}
