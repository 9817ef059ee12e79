import type { Page, Store, UsageBucketRow, UsageEventRecord, UsageOverviewQuery, UsageQuery } from '../store/types.js';
import type { DisplayNames, UsageFlush } from './ports.js';

export type { UsageEventRecord };

/** Usage as the Store holds it, after the gateway's buffered events are written: a query sees every answered request. */
export class UsageService {
  constructor(
    private readonly store: Store,
    private readonly buffered: UsageFlush,
    private readonly names: DisplayNames,
  ) {}

  async list(query: UsageQuery): Promise<Page<UsageEventRecord>> {
    await this.buffered.flush();
    return this.store.listUsage(query);
  }

  async overview(query: UsageOverviewQuery): Promise<UsageBucketRow[]> {
    await this.buffered.flush();
    return this.store.usageOverview(query);
  }

  providerDisplayName(providerId: string): string {
    return this.names.displayName(providerId);
  }
}
