import { Worker } from 'node:worker_threads';
import type { PackedUsage } from '../usage-batch.js';
import type { UsageWriterData, UsageWriterReply } from './usage-worker.js';

// The writer thread holds one batch at a time: a small heap keeps what it adds to the daemon's RSS small.
const WRITER_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 };

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The main thread's side of the usage writer thread (usage-worker.ts): each batch posted is answered in
 * order, so each append's promise settles in the order it was made. The thread starts with the first batch,
 * so an idle daemon never pays for it; when it dies, the batches it had not answered fail and the next
 * append starts a new one.
 */
export class UsageWriterThread {
  private current: { worker: Worker; pending: Pending[] } | undefined;

  constructor(private readonly dbFile: string) {}

  /** Resolves once the batch is written; rejects when it could not be posted, written, or the thread died. */
  append(batch: PackedUsage): Promise<void> {
    return new Promise((resolve, reject) => {
      const thread = (this.current ??= this.start());
      thread.worker.postMessage(batch);
      thread.pending.push({ resolve, reject });
    });
  }

  /** Stops the thread: it would keep the process from exiting. Call once every append has settled. */
  async close(): Promise<void> {
    const thread = this.current;
    this.current = undefined;
    await thread?.worker.terminate();
  }

  private start(): { worker: Worker; pending: Pending[] } {
    const workerData: UsageWriterData = { dbFile: this.dbFile };
    const worker = new Worker(new URL('./usage-worker.js', import.meta.url), { workerData, resourceLimits: WRITER_LIMITS });
    const thread = { worker, pending: [] as Pending[] };
    let failure = 'lost with the usage writer thread';
    const forget = () => {
      if (this.current === thread) this.current = undefined;
    };
    worker.on('message', (reply: UsageWriterReply) => {
      const next = thread.pending.shift()!;
      if (reply.error === null) next.resolve();
      else next.reject(new Error(reply.error));
    });
    worker.on('error', (err) => {
      failure = `the usage writer thread failed: ${err.message}`;
      forget();
    });
    worker.on('exit', () => {
      forget();
      for (const lost of thread.pending.splice(0)) lost.reject(new Error(failure));
    });
    return thread;
  }
}
