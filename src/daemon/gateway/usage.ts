import type { Store, UsageDraft } from '../../store/types.js';
import { UsagePacker, type PackedUsage } from '../../store/usage-batch.js';
import type { Logger } from '../log.js';

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
/** Batches the Store holds at once: one being written, one waiting, so its writer never waits for the main thread. */
const MAX_IN_FLIGHT = 2;
/**
 * Events the main thread keeps while the writer is behind (a lock held on the database, or cores too busy
 * for a background thread): ~10 MB of heap at most, at ~500 bytes an event. Past it, new events are
 * dropped and counted in the log: a writer that cannot keep up costs usage records, not the daemon's memory.
 */
const MAX_BUFFERED_EVENTS = 20_000;

/** Where usage batches go: the Store (SQLite writes them from a worker thread of its own). */
export type UsageSink = Pick<Store, 'appendUsage'>;

/**
 * Usage events, buffered in memory and appended to the Store in batches (every 250 ms or 500 events),
 * with the `lastUsed` times they imply, so recording an attempt costs the main thread a few array pushes
 * (see PackedUsage). The Store holds at most MAX_IN_FLIGHT batches; the rest wait here, up to
 * MAX_BUFFERED_EVENTS. A batch the Store could not write is logged as lost.
 */
export class UsageRecorder {
  private readonly batch = new UsagePacker();
  /** Whole batches waiting for the Store, oldest first. */
  private readonly queue: PackedUsage[] = [];
  private queuedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Batches appended and not yet settled. */
  private inFlight = 0;
  /** Events dropped since the writer last caught up. */
  private dropped = 0;
  /** Batches sealed so far, and how many of them the Store has written or lost: they finish in order. */
  private sealed = 0;
  private finished = 0;
  /** Callers of flush(), each waiting for the batches sealed before it to finish. */
  private readonly waiters: { batch: number; resolve: () => void }[] = [];

  constructor(
    private readonly sink: UsageSink,
    private readonly log: Logger,
    private readonly maxBuffered = MAX_BUFFERED_EVENTS,
  ) {}

  record(draft: UsageDraft): void {
    if (this.queuedEvents + this.batch.count >= this.maxBuffered) return this.drop();
    this.batch.add(draft);
    if (this.batch.count >= FLUSH_BATCH) this.seal();
    else this.timer ??= setTimeout(() => this.seal(), FLUSH_INTERVAL_MS);
  }

  /** Appends what is buffered; resolves once it (and every earlier batch) is written, or its failure logged. */
  flush(): Promise<void> {
    this.seal();
    const batch = this.sealed;
    if (this.finished >= batch) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ batch, resolve }));
  }

  private drop(): void {
    if (this.dropped++ === 0) {
      const buffered = this.queuedEvents + this.batch.count;
      this.log.error({ buffered }, 'the usage writer is behind; new usage events are dropped until it catches up');
    }
  }

  /** Ends the batch being filled and sends what the writer can take. */
  private seal(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.count > 0) {
      this.queuedEvents += this.batch.count;
      this.queue.push(this.batch.take());
      this.sealed++;
    }
    this.send();
  }

  /** Appends what the Store can take; flush() callers whose batches are done go on. Never throws: it runs inside requests. */
  private send(): void {
    while (this.queue.length > 0 && this.inFlight < MAX_IN_FLIGHT) {
      const batch = this.queue.shift()!;
      this.queuedEvents -= batch.count;
      this.inFlight++;
      this.append(batch);
    }
    if (this.queue.length === 0 && this.dropped > 0) {
      this.log.error({ events: this.dropped }, 'usage events dropped while the usage writer was behind');
      this.dropped = 0;
    }
    while (this.waiters.length > 0 && this.waiters[0]!.batch <= this.finished) this.waiters.shift()!.resolve();
  }

  private append(batch: PackedUsage): void {
    const settled = () => {
      this.inFlight--;
      this.finished++;
      this.send();
    };
    let written: Promise<void>;
    try {
      written = this.sink.appendUsage(batch);
    } catch (err) {
      written = Promise.reject(err);
    }
    written.then(settled, (err: Error) => {
      this.log.error({ err: err.message, events: batch.count }, 'could not write usage events');
      settled();
    });
  }
}
