import { AigwError, ERRORS } from '../core/errors.js';
import type { SecretStore } from './types.js';

type Keytar = typeof import('keytar');

export const KEYCHAIN_SERVICE = 'aigw';

/** Loads keytar, which is optional: it is absent where its native build failed. */
export async function loadKeytar(): Promise<Keytar> {
  const mod = (await import('keytar')) as Keytar & { default?: Keytar };
  return mod.default ?? mod;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

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
    try {
      return await withTimeout(fn(), this.timeoutMs, `the keychain (${what})`);
    } catch (err) {
      throw new AigwError(
        ERRORS.secretStoreUnavailable,
        `the OS keychain failed: ${(err as Error).message}; run \`aigw daemon status\` for details`,
      );
    }
  }

  async set(ref: string, value: string): Promise<void> {
    await this.call('set', () => this.keytar.setPassword(KEYCHAIN_SERVICE, this.account(ref), value));
    // A locked collection can accept nothing yet report no error on read; confirm the write landed.
    const stored = await this.call('get', () => this.keytar.getPassword(KEYCHAIN_SERVICE, this.account(ref)));
    if (stored !== value) {
      throw new AigwError(ERRORS.secretStoreUnavailable, 'the OS keychain did not keep the value (is it locked?)');
    }
  }

  async get(ref: string): Promise<string | undefined> {
    const value = await this.call('get', () => this.keytar.getPassword(KEYCHAIN_SERVICE, this.account(ref)));
    return value ?? undefined;
  }

  async delete(ref: string): Promise<void> {
    await this.call('delete', () => this.keytar.deletePassword(KEYCHAIN_SERVICE, this.account(ref)));
  }

  /** A set/get/delete round trip: proves the keychain is reachable and unlocked. */
  async probe(): Promise<void> {
    const ref = `probe-${process.pid}-${Date.now()}`;
    await this.set(ref, 'aigw-probe');
    await this.delete(ref);
  }
}
