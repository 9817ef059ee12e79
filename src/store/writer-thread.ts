import { Worker } from 'node:worker_threads';
import type { PackedUsage } from './usage-batch.js';

/** What a Store's usage worker answers for each batch, in the order the batches were posted. */
export interface UsageWriterReply {
  error: string | null;
}

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface WriterThreadOptions {
  /** The worker module, beside the Store that uses it. */
  worker: URL;
  workerData: unknown;
  resourceLimits: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number };
}

/**
 * The main thread's side of a Store's usage writer thread: batches are answered in the order they were
 * posted, so appends settle in the order they were made. The thread starts with the first batch, so an idle
 * daemon never pays for it; when it dies, the batches it had not answered fail and the next append starts a
 * new one.
 */
export class UsageWriterThread {
  private current: { worker: Worker; pending: Pending[] } | undefined;
  /** The newest append, settled either way: appends settle in order, so the others have then too. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: WriterThreadOptions) {}

  /** Resolves once the batch is written; rejects when it could not be posted, written, or the thread died. */
  append(batch: PackedUsage): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      const thread = (this.current ??= this.start());
      thread.worker.postMessage(batch);
      thread.pending.push({ resolve, reject });
    });
    this.last = written.catch(() => undefined);
    return written;
  }

  /** Resolves once every batch posted so far has been answered, written or not. */
  settled(): Promise<unknown> {
    return this.last;
  }

  /** Stops the thread: it would keep the process from exiting. */
  async close(): Promise<void> {
    const thread = this.current;
    this.current = undefined;
    await thread?.worker.terminate();
  }

  private start(): { worker: Worker; pending: Pending[] } {
    const { worker: url, workerData, resourceLimits } = this.options;
    const worker = new Worker(url, { workerData, resourceLimits });
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
