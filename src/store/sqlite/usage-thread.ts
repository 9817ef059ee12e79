import { UsageWriterThread } from '../writer-thread.js';
import type { UsageWriterData } from './usage-worker.js';

// The writer thread holds one batch at a time: a small heap keeps what it adds to the daemon's RSS small.
const WRITER_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 };

/** SQLite's usage writer thread (usage-worker.ts), which opens the database file itself. */
export function sqliteUsageWriter(dbFile: string): UsageWriterThread {
  const workerData: UsageWriterData = { dbFile };
  return new UsageWriterThread({ worker: new URL('./usage-worker.js', import.meta.url), workerData, resourceLimits: WRITER_LIMITS });
}
