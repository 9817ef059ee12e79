import type { RewrapResult } from '../core/secret-rewrap.js';
import type { Logger as PinoLogger } from 'pino';
import type { RateLimitUse, SpendView } from '../core/budgets.js';
import type { KeyTestResult } from '../core/gateway-api.js';

/**
 * What the services (and the two faces of the daemon) need from outside. The daemon's composition
 * (src/daemon/main.ts) builds the real ones and hands each part the same instance, so control and
 * gateway share them without importing each other.
 */

/** The daemon's logger, as far as the services use it. */
export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error'>;

/** The current time, as the API shows it (RFC 3339, UTC), and as epoch ms (budget periods, rate windows, usage times). */
export interface Clock {
  now(): string;
  /** The same time in epoch milliseconds: what the gateway compares expiries against on every request. */
  nowMs(): number;
}

export const systemClock: Clock = { now: () => new Date().toISOString(), nowMs: () => Date.now() };

/** Reads a provider key's value: all the gateway ever does with the secret store. */
export interface SecretReader {
  /** Undefined when there is no such secret. */
  get(ref: string): Promise<string | undefined>;
}

/** Where provider key values live (the daemon hands in the SecretStore it chose). */
export interface SecretVault extends SecretReader {
  set(ref: string, value: string): Promise<void>;
  /**
   * Stores the value only where the ref holds none yet, so of replicas racing to create the same value the
   * first one's wins for all (the database secret store); a store only one daemon uses may not have it.
   */
  setIfAbsent?(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<void>;
  /** Every ref held for this home: for reconciling the vault with the Store. */
  list(): Promise<string[]>;
}

/** Re-wraps every stored value under the current master key, while the previous one still opens the rest. */
export interface SecretRewrap {
  rewrap(): Promise<RewrapResult>;
}

/** One cheap upstream call with a stored provider key (the gateway owns the upstream pools). */
export interface KeyTester {
  testKey(id: string): Promise<KeyTestResult>;
}

/** A provider's display name, from the gateway's routing snapshot (built-ins and custom providers). */
export interface DisplayNames {
  displayName(providerId: string): string;
}

/** Usage events buffered by the gateway: flushed so a usage query sees every request answered so far. */
export interface UsageFlush {
  flush(): Promise<void>;
}

/** What get/list show of an access key's or a configuration's budget and rate limits, from the gateway's counters. */
export interface LimitUsage {
  /** The budget's spend in its current period; undefined when the scope has no budget. */
  spend(scopeId: string): SpendView | undefined;
  /** The rate limits' use over the last minute; undefined when the scope has none. */
  rateLimitUse(scopeId: string): RateLimitUse | undefined;
}

/** What the data plane reads from the gateway settings (one type, in core). */
export type { GatewaySettings } from '../core/gateway-config.js';
