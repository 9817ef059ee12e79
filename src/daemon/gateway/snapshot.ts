import type { Budget, RateLimits } from '../../core/budgets.js';
import type { KeySelectionStrategy } from '../../core/configs.js';
import { defaultGatewaySettings, type GatewaySettings } from '../../core/gateway-config.js';
import type { ApiFormat, AuthStyle } from '../../core/providers.js';
import type { Logger } from '../log.js';
import { PriceBook } from '../../core/price-book.js';

/** A provider the gateway can route to: a built-in (base URL possibly overridden) or a custom one. */
export interface GatewayProvider {
  /** The id used in model strings (`openai`, `my-vllm`). */
  id: string;
  /** The `aigp_…` resource id of a custom provider; null for built-ins. */
  resourceId: string | null;
  name: string;
  baseUrl: string;
  formats: readonly ApiFormat[];
  auth: AuthStyle;
  /** Models listed by `/v1/models`; bare names in this list resolve to this provider. */
  models: readonly string[];
}

export interface GatewayProviderKey {
  id: string;
  providerId: string;
  name: string;
  keyRedacted: string;
  /** The access key this key is attached to; null for an account-wide key. */
  accessKeyId: string | null;
  secretRef: string;
  /** Skipped by routing as if absent; it stays in its router rules. */
  disabled: boolean;
}

/** Allow lists; undefined means no restriction on that dimension, an empty list means nothing. */
export interface AccessRules {
  providers?: readonly string[] | undefined;
  models?: readonly string[] | undefined;
}

/** One router step: its provider key ids, and how the first one tried is picked (the rest follow in order). */
export interface RouterStep {
  strategy: KeySelectionStrategy;
  keys: readonly string[];
  /** For a weighted step, each key's weight, in the order of `keys`. */
  weights?: readonly number[] | undefined;
  /**
   * For a round-robin step, where the next request starts: shared by the configuration's access keys, and
   * carried over when the snapshot is rebuilt.
   */
  position: { next: number };
}

export interface RouterRule {
  provider?: string | undefined;
  model?: string | undefined;
  steps: readonly RouterStep[];
}

/** Token caps; null is no cap. */
export interface TokenCaps {
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
}

/** The budget and rate limits of an access key, or of its configuration (shared by the keys linked to it). */
export interface ScopeLimits {
  id: string;
  kind: 'accessKey' | 'configuration';
  budget: Budget | null;
  rateLimits: RateLimits | null;
}

export interface GatewayAccessKey {
  id: string;
  /** The key's own limits and its configuration's, those that are set; null when neither has any. */
  limits: readonly ScopeLimits[] | null;
  access: AccessRules;
  rules: readonly RouterRule[];
  /** The caps in force for this key: its configuration's where it sets them, else the account-wide ones. */
  caps: TokenCaps;
  /** When the token stops working, in epoch ms; null: never. Compared with the clock on every request. */
  expiresAtMs: number | null;
  disabled: boolean;
}

/** A token a rotation replaced: it still opens its access key until `untilMs`, and is refused as rotated out after. */
export interface PreviousToken {
  accessKey: GatewayAccessKey;
  untilMs: number;
}

/** Everything a request needs, in memory: the hot path reads this and never awaits the database. */
export interface RoutingSnapshot {
  /** Access keys by the hash of their token. */
  accessKeys: ReadonlyMap<string, GatewayAccessKey>;
  /** Tokens the last rotation of each access key replaced, by their hash. */
  previousTokens: ReadonlyMap<string, PreviousToken>;
  providers: ReadonlyMap<string, GatewayProvider>;
  keys: ReadonlyMap<string, GatewayProviderKey>;
  /** Each provider's keys in creation order. */
  keysByProvider: ReadonlyMap<string, readonly GatewayProviderKey[]>;
  settings: GatewaySettings;
  /** Prices attempts: the user's own prices over the bundled table. */
  prices: PriceBook;
}

/** Where the snapshot comes from: the Store's data, read in full when its change feed says something changed. */
export interface GatewayDirectory {
  load(): Promise<RoutingSnapshot>;
  /** The lookup key of an access key token (its hash); undefined when it cannot be a token at all. */
  tokenHash(token: string): string | undefined;
}

export function emptySnapshot(): RoutingSnapshot {
  return {
    accessKeys: new Map(),
    previousTokens: new Map(),
    providers: new Map(),
    keys: new Map(),
    keysByProvider: new Map(),
    settings: defaultGatewaySettings(),
    prices: new PriceBook(new Map()),
  };
}

const RECENT_TOKENS = 1024;

/**
 * Holds the current snapshot and rebuilds it when the Store's change feed says something changed. The Store
 * awaits `invalidate()` before a write resolves, so once a management call has answered, the gateway
 * already sees its effect.
 */
export class SnapshotHolder {
  current: RoutingSnapshot = emptySnapshot();
  private running: Promise<void> | undefined;
  private again = false;
  private readonly listeners: ((snapshot: RoutingSnapshot) => void)[] = [];
  private readonly preparers: ((snapshot: RoutingSnapshot) => Promise<void>)[] = [];
  private readonly recentHashes = new Map<string, string>();

  constructor(
    private readonly directory: GatewayDirectory,
    private readonly log: Logger,
  ) {}

  onRebuild(listener: (snapshot: RoutingSnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** Runs on each new snapshot before requests see it (the budget counters load its scopes' spend); must not throw. */
  beforeSwap(preparer: (snapshot: RoutingSnapshot) => Promise<void>): void {
    this.preparers.push(preparer);
  }

  /**
   * The lookup key of a token. Recent ones are remembered (a client sends the same token on every call, and
   * the checksum check plus SHA-256 showed in the gateway's profile); bounded, so junk tokens cannot grow it.
   */
  tokenHash(token: string): string | undefined {
    const known = this.recentHashes.get(token);
    if (known) return known;
    const hash = this.directory.tokenHash(token);
    if (hash) {
      if (this.recentHashes.size >= RECENT_TOKENS) this.recentHashes.clear();
      this.recentHashes.set(token, hash);
    }
    return hash;
  }

  /** Rebuilds now; calls made while a rebuild runs share one more rebuild after it. */
  invalidate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          const next = await this.directory.load();
          for (const prepare of this.preparers) await prepare(next);
          this.current = next;
          for (const listener of this.listeners) listener(this.current);
        } while (this.again);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not rebuild the routing snapshot; keeping the previous one');
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }
}
