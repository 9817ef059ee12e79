// The PostgreSQL usage writer thread: the Store posts it packed batches, and it writes each in one
// transaction (its events with COPY, then the `lastUsed` times) on a pool of its own, one batch after
// another, so the gateway's main thread spends on usage only the cost of posting a batch.
import { finished } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PackedUsage } from '../usage-batch.js';
import type { UsageWriterReply } from '../writer-thread.js';
import { runCallingThreadInBackground } from '../background-priority.js';
import { COPY_USAGE, usageCopyRows, usageTouches } from './usage.js';

export interface UsageWriterData {
  url: string;
}

/** A batch that lost a deadlock to a management write (both touch `last_used`) is tried again this often. */
const ATTEMPTS = 3;
const DEADLOCK = '40P01';

const { url } = workerData as UsageWriterData;

// Building a batch's rows and talking to the server is work that can wait: like SQLite's writer, the
// thread runs only on what the gateway's requests leave of the cores.
runCallingThreadInBackground();
const pool = new pg.Pool({ connectionString: url, application_name: 'aigw-usage', max: 1, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 5000 });
// A connection the server dropped is replaced at the next batch; it must not end the thread.
pool.on('error', () => undefined);

async function write(batch: PackedUsage): Promise<void> {
  const rows = usageCopyRows(batch);
  const touches = usageTouches(batch);
  for (let attempt = 1; ; attempt++) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const copy = client.query(copyFrom(COPY_USAGE));
      copy.end(rows);
      await finished(copy);
      for (const touch of touches) await client.query(touch);
      await client.query('COMMIT');
      client.release();
      return;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err as Error);
      if ((err as { code?: string }).code !== DEADLOCK || attempt >= ATTEMPTS) throw err;
    }
  }
}

let tail: Promise<void> = Promise.resolve();
parentPort!.on('message', (batch: PackedUsage) => {
  tail = tail.then(() =>
    write(batch).then(
      () => parentPort!.postMessage({ error: null } satisfies UsageWriterReply),
      (err: Error) => parentPort!.postMessage({ error: err.message } satisfies UsageWriterReply),
    ),
  );
});
