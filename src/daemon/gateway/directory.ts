import { createHash } from 'node:crypto';
import { BUILTIN_PROVIDERS } from '../../core/providers.js';
import type { Store } from '../../store/types.js';
import { DEFAULT_SETTINGS, type GatewayDirectory, type GatewayProvider, type GatewayProviderKey, type RoutingSnapshot } from './snapshot.js';

/** Reads the whole routing picture from the Store, for the snapshot; runs only after a write. */
export class StoreDirectory implements GatewayDirectory {
  constructor(private readonly store: Store) {}

  tokenHash(token: string): string | undefined {
    return createHash('sha256').update(token).digest('hex');
  }

  async load(): Promise<RoutingSnapshot> {
    const providers = new Map<string, GatewayProvider>();
    for (const p of BUILTIN_PROVIDERS) {
      providers.set(p.id, { id: p.id, resourceId: null, name: p.name, baseUrl: p.baseUrl, formats: p.formats, auth: p.auth, models: p.models });
    }
    const keys = new Map<string, GatewayProviderKey>();
    const keysByProvider = new Map<string, GatewayProviderKey[]>();
    for (const r of await this.store.allProviderKeys()) {
      const key: GatewayProviderKey = {
        id: r.id,
        providerId: r.providerId,
        name: r.name,
        keyRedacted: r.keyRedacted,
        accessKeyId: r.accessKeyId,
        secretRef: r.secretRef,
      };
      keys.set(key.id, key);
      const list = keysByProvider.get(key.providerId) ?? [];
      list.push(key);
      keysByProvider.set(key.providerId, list);
    }
    return { accessKeys: new Map(), providers, keys, keysByProvider, settings: DEFAULT_SETTINGS };
  }
}
