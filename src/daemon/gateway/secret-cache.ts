import { randomBytes } from 'node:crypto';
import type { SecretReader } from '../../app/ports.js';
import type { Logger } from '../log.js';

/**
 * A value XORed with a random pad of its own length: a one-time pad whose key exists only in this process,
 * so the plaintext never sits in memory between requests.
 */
export class MaskedSecret {
  private readonly pad: Buffer;
  private readonly masked: Buffer;

  constructor(value: string) {
    this.masked = Buffer.from(value, 'utf8');
    this.pad = randomBytes(this.masked.length);
    for (let i = 0; i < this.masked.length; i++) this.masked[i]! ^= this.pad[i]!;
  }

  /** The value's length in UTF-8 bytes. */
  get byteLength(): number {
    return this.masked.length;
  }

  /** The plaintext, for one use. */
  reveal(): string {
    return this.unmask('utf8');
  }

  /** The plaintext's UTF-8 bytes as one latin1 character each (the form the echo scrubber compares), for one use. */
  revealLatin1(): string {
    return this.unmask('latin1');
  }

  private unmask(encoding: 'utf8' | 'latin1'): string {
    const { masked, pad } = this;
    const length = masked.length;
    if (scratch.length < length) scratch = Buffer.alloc(length);
    for (let i = 0; i < length; i++) scratch[i] = masked[i]! ^ pad[i]!;
    const value = scratch.toString(encoding, 0, length);
    scratch.fill(0, 0, length);
    return value;
  }
}

/** Where values are unmasked, zeroed after each use: one buffer for all, rather than one allocation per request. */
let scratch = Buffer.alloc(256);

/**
 * Provider key values in memory, never as plaintext at rest: each one is masked with its own random pad
 * (opening one costs well under a microsecond; an AES-GCM decipher per request cost ~7 µs). The secret store (often the OS keychain) is slow, so each value is fetched once; a
 * value is unmasked for one upstream request at a time. Entries are keyed by secret ref, which changes on
 * rotate, and dropped when the routing snapshot no longer mentions them (rotate, delete).
 */
export class SecretCache {
  private readonly entries = new Map<string, MaskedSecret>();
  private readonly loading = new Map<string, Promise<void>>();

  constructor(
    private readonly secrets: SecretReader,
    private readonly log: Logger,
  ) {}

  private load(ref: string): Promise<void> {
    let pending = this.loading.get(ref);
    if (!pending) {
      pending = this.secrets
        .get(ref)
        .then((value) => {
          if (value !== undefined) this.entries.set(ref, new MaskedSecret(value));
        })
        .finally(() => this.loading.delete(ref));
      this.loading.set(ref, pending);
    }
    return pending;
  }

  /** The masked value when it is already cached (the hot path: no promise, no await); else undefined. */
  get(ref: string): MaskedSecret | undefined {
    return this.entries.get(ref);
  }

  /** The masked value, fetched from the secret store when needed; undefined when the store has none. */
  async fetch(ref: string): Promise<MaskedSecret | undefined> {
    if (!this.entries.has(ref)) await this.load(ref);
    return this.entries.get(ref);
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
