import type { ChangeFeed, StoreChange, StoreChangeListener } from './types.js';

/** The change feed of one process: a Store publishes each committed write to the listeners it has here. */
export class LocalChangeFeed implements ChangeFeed {
  private readonly listeners = new Set<StoreChangeListener>();

  subscribe(listener: StoreChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once every listener has handled the change; one listener failing does not stop the others. */
  async publish(change: StoreChange): Promise<void> {
    await Promise.allSettled([...this.listeners].map(async (listener) => listener(change)));
  }
}
