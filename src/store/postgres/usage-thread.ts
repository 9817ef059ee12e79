import { Worker } from 'node:worker_threads';
import type { PackedUsage } from '../usage-batch.js';
import type { UsageWriterData, UsageWriterReply } from './usage-worker.js';

// The writer thread holds a batch or two at a time: a small heap keeps what it adds to the daemon's RSS small.
// A batch's parameters are garbage the moment they are sent, so a young generation smaller than a few
// batches' worth spends much of the thread's time in scavenges.
const WRITER_LIMITS = { maxOldGenerationSizeMb: 24, maxYoungGenerationSizeMb: 4 };

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * The main thread's side of the usage writer thread (usage-worker.ts): batches are answered in the order
 * they were posted, so appends settle in the order they were made. The thread starts with the first batch,
 * so an idle daemon never pays for it; when it dies, the batches it had not answered fail and the next
 * append starts a new one.
 */
export class UsageWriterThread {
  private current: { worker: Worker; pending: Pending[] } | undefined;
  /** The newest append, settled either way: appends settle in order, so the others have then too. */
  private last: Promise<unknown> = Promise.resolve();

  constructor(private readonly url: string) {}

  append(batch: PackedUsage): Promise<void> {
    const written = new Promise<void>((resolve, reject) => {
      const thread = (this.current ??= this.start());
      thread.worker.postMessage(batch);
      thread.pending.push({ resolve, reject });
    });
    this.last = written.catch(() => undefined);
    return written;
  }

  /** Waits for the batches posted, then stops the thread (it would keep the process from exiting). */
  async close(): Promise<void> {
    await this.last;
    const thread = this.current;
    this.current = undefined;
    await thread?.worker.terminate();
  }

  private start(): { worker: Worker; pending: Pending[] } {
    const workerData: UsageWriterData = { url: this.url };
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
