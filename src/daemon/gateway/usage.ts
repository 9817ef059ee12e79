import { Worker } from 'node:worker_threads';
import type { UsageDraft } from '../../store/types.js';
import type { Logger } from '../log.js';
import { UsagePacker, type PackedUsage } from './usage-batch.js';
import type { UsageWriterData, UsageWriterReply } from './usage-writer.js';

export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  reasoningTokens: number;
  stopReason: string;
}

export function noTokens(): TokenCounts {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0, stopReason: '' };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
type Obj = Record<string, any>;

/**
 * Folds what one upstream JSON document (a whole response, or one SSE event) says about usage into `into`.
 * OpenAI chat/completions/embeddings (`prompt_tokens`…), the Responses API and Anthropic (`input_tokens`…,
 * split over `message_start` and `message_delta` when streaming) all report it differently.
 */
export function foldUsage(into: TokenCounts, doc: unknown): void {
  if (!doc || typeof doc !== 'object') return;
  const o = doc as Obj;
  const u: Obj | undefined = o.usage ?? o.message?.usage ?? o.response?.usage;
  if (u && typeof u === 'object') {
    const max = (field: keyof Omit<TokenCounts, 'stopReason'>, ...values: unknown[]) => {
      for (const v of values) {
        const n = num(v);
        if (n !== undefined) {
          into[field] = Math.max(into[field], n);
          return;
        }
      }
    };
    max('inputTokens', u.prompt_tokens, u.input_tokens);
    max('outputTokens', u.completion_tokens, u.output_tokens);
    max('cacheReadTokens', u.prompt_tokens_details?.cached_tokens, u.input_tokens_details?.cached_tokens, u.cache_read_input_tokens);
    max('reasoningTokens', u.completion_tokens_details?.reasoning_tokens, u.output_tokens_details?.reasoning_tokens);
  }
  const stop = o.choices?.[0]?.finish_reason ?? o.stop_reason ?? o.delta?.stop_reason ?? (o.response?.status !== 'in_progress' ? o.response?.status : undefined);
  if (typeof stop === 'string' && stop) into.stopReason = stop;
}

const MAX_LINE = 1 << 20;

/** Watches an SSE stream go by, chunk by chunk, and folds the usage its events report; never changes a byte. */
export class SseUsageScanner {
  private partial = '';
  constructor(readonly counts: TokenCounts) {}

  feed(chunk: Buffer): void {
    const text = this.partial + chunk.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    if (this.partial.length > MAX_LINE) this.partial = '';
    for (const line of lines) {
      if (!line.startsWith('data:')) continue;
      if (!line.includes('usage') && !line.includes('_reason') && !line.includes('"status"')) continue;
      try {
        foldUsage(this.counts, JSON.parse(line.slice(5)));
      } catch {
        // Not JSON (`[DONE]`, or a line we do not understand): nothing to count.
      }
    }
  }
}

const FLUSH_INTERVAL_MS = 250;
const FLUSH_BATCH = 500;
// The writer thread holds one batch at a time: a small heap keeps what it adds to the daemon's RSS small.
const WRITER_LIMITS = { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 1 };

interface Batch {
  events: number;
  done: () => void;
}

interface WriterThread {
  worker: Worker;
  /** Batches posted and not yet answered, oldest first: the thread answers them in order. */
  pending: Batch[];
}

/**
 * Usage events, buffered in memory and posted in batches (every 250 ms or 500 events) to a worker thread
 * that writes them and the `lastUsed` times they imply, so recording an attempt costs the main thread a
 * few array pushes (see PackedUsage) and, per batch, a structured clone. The thread starts with the first
 * batch, so an idle daemon never pays for it; when it dies, what it had not written is logged as lost and
 * the next batch starts a new one.
 */
export class UsageRecorder {
  private readonly batch = new UsagePacker();
  private timer: NodeJS.Timeout | undefined;
  private writer: WriterThread | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dbFile: string,
    private readonly log: Logger,
  ) {}

  record(draft: UsageDraft): void {
    this.batch.add(draft);
    if (this.batch.count >= FLUSH_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Posts what is buffered; resolves once it (and every earlier batch) is written, or its failure logged. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.count === 0) return this.flushing;
    const batch = this.batch.take();
    const written = this.post(batch).catch((err) =>
      this.log.error({ err: (err as Error).message, events: batch.count }, 'could not write usage events'),
    );
    this.flushing = Promise.all([this.flushing, written]).then(() => undefined);
    return this.flushing;
  }

  /** Writes what is buffered, then stops the writer thread: it would keep the daemon from exiting. */
  async close(): Promise<void> {
    await this.flush();
    const writer = this.writer;
    this.writer = undefined;
    await writer?.worker.terminate();
  }

  private post(batch: PackedUsage): Promise<void> {
    return new Promise((done) => {
      const writer = (this.writer ??= this.startWriter());
      // Posted first: a batch that cannot be posted must not wait for an answer that will never come.
      writer.worker.postMessage(batch);
      writer.pending.push({ events: batch.count, done });
    });
  }

  private startWriter(): WriterThread {
    const workerData: UsageWriterData = { dbFile: this.dbFile };
    const worker = new Worker(new URL('./usage-writer.js', import.meta.url), { workerData, resourceLimits: WRITER_LIMITS });
    const writer: WriterThread = { worker, pending: [] };
    worker.on('message', (reply: UsageWriterReply) => {
      const batch = writer.pending.shift()!;
      if (reply.error !== null) this.log.error({ err: reply.error, events: batch.events }, 'could not write usage events');
      batch.done();
    });
    worker.on('error', (err) => {
      this.log.error({ err: err.message }, 'the usage writer thread failed; the next batch starts a new one');
      this.forget(writer);
    });
    worker.on('exit', () => {
      this.forget(writer);
      const lost = writer.pending.splice(0);
      if (lost.length > 0) this.log.error({ events: lost.reduce((n, b) => n + b.events, 0) }, 'usage events lost with the writer thread');
      for (const batch of lost) batch.done();
    });
    return writer;
  }

  private forget(writer: WriterThread): void {
    if (this.writer === writer) this.writer = undefined;
  }
}
