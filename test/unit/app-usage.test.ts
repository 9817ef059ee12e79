import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageService } from '../../src/app/usage.js';
import type { Store } from '../../src/store/types.js';

/** A Store that answers usage queries and notes, in `calls`, when each was asked. */
function fakeStore(calls: string[]): Store {
  const usage = {
    listUsage: async () => (calls.push('listUsage'), { items: [], hasMore: false }),
    usageOverview: async () => (calls.push('usageOverview'), []),
  };
  return usage as unknown as Store;
}

test('a usage query waits for the events the gateway still buffers, then asks the Store', async () => {
  const calls: string[] = [];
  let release!: () => void;
  const buffered = {
    flush: () => (calls.push('flush'), new Promise<void>((resolve) => (release = resolve))),
  };
  const usage = new UsageService(fakeStore(calls), buffered, { displayName: (id) => `name of ${id}` });

  const listed = usage.list({ limit: 10, includeRetries: false });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(calls, ['flush'], 'the Store is not asked before the flush is done');
  release();
  assert.deepEqual(await listed, { items: [], hasMore: false });

  const overview = usage.overview({ startTime: '2025-01-01T00:00:00.000Z', endTime: '2025-01-02T00:00:00.000Z', groupBy: 'provider' });
  release();
  assert.deepEqual(await overview, []);
  assert.deepEqual(calls, ['flush', 'listUsage', 'flush', 'usageOverview']);
  assert.equal(usage.providerDisplayName('openai'), 'name of openai');
});
