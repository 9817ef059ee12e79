// The usage writer thread: UsageRecorder posts it batches of usage drafts, and it writes each in one
// transaction, so the gateway's main thread never spends time in SQLite for usage.
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteUsageWriter } from './usage-writer.js';
import { runCallingThreadInBackground } from '../background-priority.js';
import type { PackedUsage } from '../usage-batch.js';
import type { UsageWriterReply } from '../writer-thread.js';

export interface UsageWriterData {
  dbFile: string;
}

const { dbFile } = workerData as UsageWriterData;

runCallingThreadInBackground();

// Opened on the first batch; when opening fails, the next batch tries again.
let writer: SqliteUsageWriter | undefined;

parentPort!.on('message', (batch: PackedUsage) => {
  const reply: UsageWriterReply = { error: null };
  try {
    writer ??= new SqliteUsageWriter(dbFile);
    writer.write(batch);
  } catch (err) {
    reply.error = (err as Error).message;
  }
  parentPort!.postMessage(reply);
});
