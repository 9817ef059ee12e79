import { UsageWriterThread } from '../writer-thread.js';
import type { UsageWriterData } from './usage-worker.js';

// The writer thread holds a batch or two at a time: a small heap keeps what it adds to the daemon's RSS small.
// A batch's parameters are garbage the moment they are sent, so a young generation smaller than a few
// batches' worth spends much of the thread's time in scavenges.
const WRITER_LIMITS = { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 };

/** PostgreSQL's usage writer thread (usage-worker.ts), with a connection of its own. */
export function postgresUsageWriter(url: string): UsageWriterThread {
  const workerData: UsageWriterData = { url };
  return new UsageWriterThread({ worker: new URL('./usage-worker.js', import.meta.url), workerData, resourceLimits: WRITER_LIMITS });
}
