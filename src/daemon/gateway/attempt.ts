import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ApiFormat } from '../../core/providers.js';
import { scrubSecret } from '../../core/scrub.js';
import { streamErrorEvent } from './errors.js';
import type { MaskedSecret } from './secret-cache.js';
import { forwardedResponseHeaders } from './upstream.js';
import { foldUsage, noTokens, SseUsageScanner, type TokenCounts } from './usage.js';
import { StreamUsageFilter } from './usage-injection.js';

/** Statuses after which the next key, step or model is tried (if nothing has reached the client yet). */
export function isRetryable(status: number): boolean {
  return status === 401 || status === 403 || status === 429 || status >= 500;
}

export interface AttemptPlan {
  format: ApiFormat;
  providerId: string;
  /** Until the answer is complete (or, for a stream, its first bytes are here). */
  budgetMs: number;
  /** How long a stream may go quiet before it counts as broken. */
  idleMs: number;
  /** Response headers of aigw's own (request id, attempt number), as a flat name/value list. */
  ownHeaders: readonly string[];
  /** The key the attempt uses, to scrub any echo of it from an error body. */
  secret: MaskedSecret | undefined;
  /** The gateway asked for stream usage the client did not: take it back out of the stream (see injectStreamUsage). */
  usageInjected: boolean;
}

/** How an attempt ended. Uncommitted: the client has seen nothing, so the next key may be tried. */
export type AttemptEnd =
  | { committed: false; status: number | null; error?: string; timedOut: boolean; retryAfter?: string }
  | { committed: true; status: number; tokens: TokenCounts; brokenBy?: string };

type Mode = 'waiting' | 'discard' | 'buffer' | 'stream';

const STREAM_HEADERS = ['cache-control', 'no-cache', 'x-accel-buffering', 'no'];

/**
 * One upstream call, as an undici dispatch handler: the answer goes to the client straight from the
 * socket callbacks (no intermediate stream, promise or header object per chunk). A retryable status is
 * drained and reported; any other answer is the client's — buffered whole (to count tokens and scrub
 * error bodies) or, for an SSE stream, passed through chunk by chunk with backpressure once its first bytes
 * arrive, so a stream that dies at once still fails over.
 */
export class UpstreamAttempt implements Dispatcher.DispatchHandlers {
  readonly done: Promise<AttemptEnd>;
  private settle!: (end: AttemptEnd) => void;
  private abortUpstream: ((err: Error) => void) | undefined;
  private abortReason: Error | undefined;
  private mode: Mode = 'waiting';
  private status = 0;
  private headers: string[] = [];
  private contentType = '';
  private retryAfter: string | undefined;
  private chunks: Buffer[] = [];
  private committed = false;
  private timedOut = false;
  private stalled = false;
  private budget: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private resumeUpstream: (() => void) | undefined;
  private readonly tokens = noTokens();
  private scanner: SseUsageScanner | undefined;
  private usageFilter: StreamUsageFilter | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly plan: AttemptPlan,
  ) {
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.budget = setTimeout(() => {
      this.timedOut = true;
      this.abort(new Error('timed out'));
    }, plan.budgetMs);
  }

  /** Ends the attempt early (the client went away, or a clock ran out); undici then calls onError. */
  abort(reason: Error): void {
    this.abortReason ??= reason;
    this.abortUpstream?.(reason);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortUpstream = abort;
    if (this.abortReason) abort(this.abortReason);
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.status = status;
    this.resumeUpstream = resume;
    const forwarded = forwardedResponseHeaders(rawHeaders);
    this.contentType = forwarded.contentType;
    if (isRetryable(status)) {
      this.mode = 'discard';
      this.retryAfter = forwarded.retryAfter;
    } else if (this.contentType.includes('text/event-stream')) {
      this.mode = 'stream';
      this.headers = withoutHeader(forwarded.headers, 'cache-control');
      this.scanner = new SseUsageScanner(this.tokens);
      if (this.plan.usageInjected) this.usageFilter = new StreamUsageFilter();
    } else {
      this.mode = 'buffer';
      this.headers = forwarded.headers;
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.mode === 'buffer') this.chunks.push(chunk);
    else if (this.mode === 'stream') return this.forward(chunk);
    return true;
  }

  onComplete(): void {
    this.stopClocks();
    if (this.mode === 'discard') {
      this.settle({ committed: false, status: this.status, timedOut: false, ...(this.retryAfter ? { retryAfter: this.retryAfter } : {}) });
    } else if (this.mode === 'buffer') {
      this.answerWhole();
    } else {
      if (!this.committed) this.commitStream();
      this.res.end(this.usageFilter?.end());
      this.settle({ committed: true, status: this.status, tokens: this.tokens });
    }
  }

  onError(err: Error): void {
    this.stopClocks();
    if (this.committed) {
      const reason = this.stalled ? `no data for ${this.plan.idleMs} ms` : describe(err);
      const message = `the upstream stream from ${this.plan.providerId} broke off: ${reason}`;
      if (!this.res.destroyed) this.res.end(streamErrorEvent(this.plan.format, message));
      this.settle({ committed: true, status: this.status, tokens: this.tokens, brokenBy: reason });
      return;
    }
    if (this.mode === 'discard') return this.settle({ committed: false, status: this.status, timedOut: false });
    const error = this.timedOut ? `timed out after ${this.plan.budgetMs} ms` : describe(err);
    this.settle({ committed: false, status: null, error, timedOut: this.timedOut });
  }

  private answerWhole(): void {
    let body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    if (this.status >= 400 && this.plan.secret) body = scrubbed(body, this.plan.secret);
    if (this.status < 300 && this.contentType.includes('json')) {
      try {
        foldUsage(this.tokens, JSON.parse(body.toString('utf8')));
      } catch {
        // A body we cannot read as JSON still goes to the client as it is.
      }
    }
    this.res.writeHead(this.status, [...this.headers, ...this.plan.ownHeaders, 'content-length', String(body.length)]);
    this.res.end(body);
    this.settle({ committed: true, status: this.status, tokens: this.tokens });
  }

  private commitStream(): void {
    clearTimeout(this.budget);
    this.committed = true;
    this.res.writeHead(this.status, [...this.headers, ...this.plan.ownHeaders, ...STREAM_HEADERS]);
  }

  /** One SSE chunk to the client as it came; a slow client pauses the upstream instead of filling memory. */
  private forward(chunk: Buffer): boolean {
    if (!this.committed) this.commitStream();
    this.scanner!.feed(chunk);
    const out = this.usageFilter ? this.usageFilter.filter(chunk) : chunk;
    if (out.length === 0) {
      this.armIdle();
      return true;
    }
    if (!this.res.write(out)) {
      // A slow client is not a stalled upstream: the idle clock waits while the client drains.
      clearTimeout(this.idle);
      this.res.once('drain', this.onDrain);
      return false;
    }
    this.armIdle();
    return true;
  }

  private readonly onDrain = (): void => {
    this.armIdle();
    this.resumeUpstream?.();
  };

  private armIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      this.stalled = true;
      this.abort(new Error('stalled'));
    }, this.plan.idleMs);
  }

  private stopClocks(): void {
    clearTimeout(this.budget);
    clearTimeout(this.idle);
  }
}

/** A flat name/value header list without one header (SSE answers get aigw's own cache-control). */
function withoutHeader(list: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < list.length; i += 2) if (list[i] !== name) out.push(list[i]!, list[i + 1]!);
  return out;
}

function describe(err: Error): string {
  return `${(err as { code?: string }).code ?? 'error'}: ${err.message}`;
}

/** An upstream error body with any echo of the key (SCRUB_MIN_FRAGMENT characters or more) replaced. */
function scrubbed(body: Buffer, secret: MaskedSecret): Buffer {
  const text = body.toString('utf8');
  const clean = scrubSecret(text, secret.reveal());
  return clean === text ? body : Buffer.from(clean, 'utf8');
}
