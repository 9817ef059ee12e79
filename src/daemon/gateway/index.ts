import type { KeyTestResult } from '../../core/gateway-api.js';
import type { Store } from '../../store/types.js';
import type { GatewaySettings } from '../../core/gateway-config.js';
import { systemClock, type Clock, type DisplayNames, type KeyTester, type SecretReader } from '../../app/ports.js';
import type { Logger } from '../log.js';
import { StoreDirectory } from './directory.js';
import { testProviderKey } from './key-test.js';
import { GatewayProxy } from './proxy.js';
import { SecretCache } from './secret-cache.js';
import { SnapshotHolder } from './snapshot.js';
import { UpstreamPools } from './upstream.js';
import { UsageRecorder } from './usage.js';

/** The data plane's parts, built once per daemon; the composition hands it to the control plane as ports (app/ports.ts). */
export class Gateway implements KeyTester, DisplayNames {
  readonly holder: SnapshotHolder;
  readonly proxy: GatewayProxy;
  readonly usage: UsageRecorder;
  private readonly secrets: SecretCache;
  private readonly pools = new UpstreamPools();
  private readonly unsubscribe: () => void;

  constructor(store: Store, secretStore: SecretReader, settings: () => Promise<GatewaySettings>, log: Logger, clock: Clock = systemClock) {
    this.holder = new SnapshotHolder(new StoreDirectory(store, settings), log);
    this.secrets = new SecretCache(secretStore, log);
    this.usage = new UsageRecorder(store, log);
    // The routing snapshot follows the Store: every committed write (here, or another replica's) rebuilds it.
    this.unsubscribe = store.changes.subscribe(() => this.holder.invalidate());
    this.holder.onRebuild((snapshot) => this.secrets.retain(new Set([...snapshot.keys.values()].map((k) => k.secretRef))));
    this.proxy = new GatewayProxy({ holder: this.holder, secrets: this.secrets, pools: this.pools, usage: this.usage, log, clock });
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

  async close(): Promise<void> {
    this.unsubscribe();
    await this.usage.flush();
    await this.pools.close();
  }
}
