import { within } from '../core/deadline.js';
import { AigwError, ERRORS } from '../core/errors.js';
import type { SecretStore } from './types.js';

type Keytar = typeof import('keytar');

export const KEYCHAIN_SERVICE = 'aigw';

/**
 * Keychain calls that timed out but have not returned. Each holds one of libuv's few worker threads, which
 * the whole process shares, and blocks the process from exiting until D-Bus gives up (about 25 s).
 */
let stuckCalls = 0;

export function hasStuckKeychainCalls(): boolean {
  return stuckCalls > 0;
}

/** Loads keytar, which is optional: it is absent where its native build failed. */
export async function loadKeytar(): Promise<Keytar> {
  const mod = (await import('keytar')) as Keytar & { default?: Keytar };
  return mod.default ?? mod;
}

class KeychainTimeout extends Error {}

/**
 * One OS keychain item per secret: service `aigw`, account `<install id>/<ref>`.
 * Every call is bounded, because a keychain whose daemon stopped answering blocks for ~50 s.
 */
export class KeychainSecretStore implements SecretStore {
  readonly kind = 'keychain';

  constructor(
    private readonly keytar: Keytar,
    private readonly installId: string,
    private readonly timeoutMs: number,
  ) {}

  private account(ref: string): string {
    return `${this.installId}/${ref}`;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    // Fail fast while an earlier call is stuck, rather than pile more blocked threads on a dead keychain.
    if (stuckCalls > 0) {
      throw new AigwError(ERRORS.secretStoreUnavailable, 'the OS keychain is not answering; try again shortly');
    }
    const pending = fn();
    try {
      return await within(pending, this.timeoutMs, () =>
        Promise.reject(new KeychainTimeout(`the keychain (${what}) did not answer within ${this.timeoutMs} ms`)),
      );
    } catch (err) {
      if (err instanceof KeychainTimeout) {
        stuckCalls++;
        pending.then(
          () => stuckCalls--,
          () => stuckCalls--,
        );
      }
      const reason = (err as Error).message;
      throw new AigwError(ERRORS.secretStoreUnavailable, `the OS keychain failed: ${reason}`, { reason });
    }
  }

  async set(ref: string, value: string): Promise<void> {
    // A locked collection rejects the write (it is reads that come back empty), so no read-back is needed.
    await this.call('set', () => this.keytar.setPassword(KEYCHAIN_SERVICE, this.account(ref), value));
  }

  async get(ref: string): Promise<string | undefined> {
    const value = await this.call('get', () => this.keytar.getPassword(KEYCHAIN_SERVICE, this.account(ref)));
    return value ?? undefined;
  }

  async delete(ref: string): Promise<void> {
    await this.call('delete', () => this.keytar.deletePassword(KEYCHAIN_SERVICE, this.account(ref)));
  }

  /**
   * Only called once the probe has shown the keychain unlocked: keytar's findCredentials crashes the
   * process on a locked collection.
   */
  async list(): Promise<string[]> {
    const prefix = `${this.installId}/`;
    const credentials = await this.call('list', () => this.keytar.findCredentials(KEYCHAIN_SERVICE));
    return credentials.filter((c) => c.account.startsWith(prefix)).map((c) => c.account.slice(prefix.length));
  }

  /** A set/get/delete round trip: proves the keychain is reachable and unlocked. */
  async probe(): Promise<void> {
    const ref = `probe-${process.pid}-${Date.now()}`;
    await this.set(ref, 'aigw-probe');
    await this.delete(ref);
  }
}
