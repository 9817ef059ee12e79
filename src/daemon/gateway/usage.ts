import type { LastUsedBatch, Store, UsageEventRecord } from '../../store/types.js';
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

/**
 * Usage events and `lastUsed` times, buffered in memory and written in batches (every 250 ms or 500
 * events), so recording an attempt never waits for the database.
 */
export class UsageRecorder {
  private events: UsageEventRecord[] = [];
  private lastUsed: LastUsedBatch = { providerKeys: new Map(), accessKeys: new Map() };
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
  ) {}

  record(event: UsageEventRecord): void {
    this.events.push(event);
    if (event.providerKeyId && event.statusCode > 0) this.lastUsed.providerKeys.set(event.providerKeyId, event.eventTime);
    this.lastUsed.accessKeys.set(event.accessKeyId, event.eventTime);
    if (this.events.length >= FLUSH_BATCH) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  /** Writes what is buffered; resolves once it (and any earlier batch) is in the store. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.events;
    const lastUsed = this.lastUsed;
    this.events = [];
    this.lastUsed = { providerKeys: new Map(), accessKeys: new Map() };
    if (events.length === 0 && lastUsed.providerKeys.size === 0 && lastUsed.accessKeys.size === 0) return this.flushing;
    this.flushing = this.flushing.then(() =>
      this.store.recordUsage(events, lastUsed).catch((err) => {
        this.log.error({ err: (err as Error).message, events: events.length }, 'could not write usage events');
      }),
    );
    return this.flushing;
  }
}
