import type { KeyTestResult } from '../../core/gateway-api.js';
import type { Store } from '../../store/types.js';
import type { GatewaySettings } from '../../core/gateway-config.js';
import type { RateLimitUse, SpendView } from '../../core/budgets.js';
import { systemClock, type Clock, type DisplayNames, type KeyTester, type LimitUsage, type SecretReader } from '../../app/ports.js';
import type { Logger } from '../log.js';
import { StoreDirectory } from './directory.js';
import { testProviderKey } from './key-test.js';
import { Governor } from './governor.js';
import { GatewayProxy } from './proxy.js';
import { SecretCache } from './secret-cache.js';
import { SnapshotHolder } from './snapshot.js';
import { UpstreamPools } from './upstream.js';
import { UsageRecorder } from './usage.js';
import type { GatewayMetrics } from './metrics.js';

/** The data plane's parts, built once per daemon; the composition hands it to the control plane as ports (app/ports.ts). */
export class Gateway implements KeyTester, DisplayNames, LimitUsage {
  readonly holder: SnapshotHolder;
  private readonly governor: Governor;
  readonly proxy: GatewayProxy;
  readonly usage: UsageRecorder;
  private readonly secrets: SecretCache;
  private readonly pools = new UpstreamPools();
  private readonly unsubscribe: () => void;

  constructor(
    store: Store,
    secretStore: SecretReader,
    settings: () => Promise<GatewaySettings>,
    log: Logger,
    clock: Clock = systemClock,
    metrics?: GatewayMetrics,
  ) {
    this.holder = new SnapshotHolder(new StoreDirectory(store, settings), log);
    this.secrets = new SecretCache(secretStore, log);
    this.usage = new UsageRecorder(store, log);
    this.governor = new Governor(store, () => this.usage.flush(), clock, log);
    this.holder.beforeSwap((snapshot) => this.governor.prepare(snapshot));
    // The routing snapshot follows the Store: every committed write (here, or another replica's) rebuilds it.
    this.unsubscribe = store.changes.subscribe(() => this.holder.invalidate());
    this.holder.onRebuild((snapshot) => this.secrets.retain(new Set([...snapshot.keys.values()].map((k) => k.secretRef))));
    this.proxy = new GatewayProxy({ holder: this.holder, secrets: this.secrets, pools: this.pools, usage: this.usage, log, governor: this.governor, clock, metrics });
  }

  /** Reads the routing snapshot in full; after that, the Store's change feed keeps it current. */
  load(): Promise<void> {
    return this.holder.invalidate();
  }

  testKey(id: string): Promise<KeyTestResult> {
    return testProviderKey({ holder: this.holder, secrets: this.secrets, pools: this.pools }, id);
  }

  displayName(providerId: string): string {
    return this.holder.current.providers.get(providerId)?.name ?? providerId;
  }

  spend(scopeId: string): SpendView | undefined {
    return this.governor.spend(scopeId);
  }

  rateLimitUse(scopeId: string): RateLimitUse | undefined {
    return this.governor.rateLimitUse(scopeId);
  }

  async close(): Promise<void> {
    this.unsubscribe();
    // Usage first: once this replica's counts leave the Store, the others count its spend from the Store's usage.
    await this.usage.flush();
    await this.governor.close();
    await this.pools.close();
  }
}
