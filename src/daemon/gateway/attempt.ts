import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { ApiFormat } from '../../core/providers.js';
import { EchoScrubber, type BodyScrubber } from './echo-scrub.js';
import { streamErrorEvent } from './errors.js';
import type { MaskedSecret } from './secret-cache.js';
import { forwardedResponseHeaders } from './upstream.js';
import { foldUsage, noTokens, SseUsageScanner, type TokenCounts } from './usage.js';
import { StreamUsageFilter } from './usage-injection.js';
import { foldUsageFromTail } from './usage-tail.js';

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
  /** Every key the request has tried, this attempt's included: echoes of any are scrubbed from what is passed on. */
  secrets: readonly MaskedSecret[];
  /** The last of them as revealed for this attempt's request (spares the scrubber revealing it again). */
  revealed: string | undefined;
  /** The gateway asked for stream usage the client did not: take it back out of the stream (see injectStreamUsage). */
  usageInjected: boolean;
}

/** How an attempt ended. Uncommitted: the client has seen nothing, so the next key may be tried. */
export type AttemptEnd =
  | { committed: false; status: number | null; error?: string; timedOut: boolean; retryAfter?: string }
  | { committed: true; status: number; tokens: TokenCounts; brokenBy?: string };

/**
 * - discard: a retryable answer, read (up to DISCARD_BYTES) and dropped;
 * - hold: an answer kept whole until it ends (to count its usage, and to fail over if it breaks), up to HOLD_BYTES;
 * - pipe: an answer past HOLD_BYTES, passed on as it arrives;
 * - stream: a 2xx SSE stream, passed on as it arrives.
 */
type Mode = 'waiting' | 'discard' | 'hold' | 'pipe' | 'stream';

/** The most of an answer held before it is passed on as it arrives: a huge answer must not fill the daemon. */
export const HOLD_BYTES = 1024 * 1024;
/** What is kept of a passed-on 2xx answer to read its usage from. */
const USAGE_TAIL_BYTES = 64 * 1024;
/** How much of a retryable error is read before it is cut off: nobody sees it, and the next key is waiting. */
export const DISCARD_BYTES = 64 * 1024;

const STREAM_HEADERS = ['cache-control', 'no-cache', 'x-accel-buffering', 'no'];

/**
 * One upstream call, as an undici dispatch handler: the answer goes to the client straight from the
 * socket callbacks (no intermediate stream, promise or header object per chunk). A retryable status is
 * drained and reported; any other answer is the client's — held whole while small (to count tokens, and to
 * fail over if it breaks), passed on as it arrives past HOLD_BYTES, or, for a 2xx SSE stream, passed through
 * chunk by chunk with backpressure once its first bytes arrive, so a stream that dies at once still fails
 * over. Non-2xx bodies are scrubbed of every key the request tried, however they are sent.
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
  private held = 0;
  /** Set for non-2xx answers: every byte of them goes through it, whatever their content type. */
  private scrubber: BodyScrubber | undefined;
  private committed = false;
  private timedOut = false;
  private stalled = false;
  private budget: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private resumeUpstream: (() => void) | undefined;
  private readonly tokens = noTokens();
  /** When the answer's first byte went to the client (performance.now()), once it has. */
  firstByteAt: number | undefined;
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
    const scrub = new EchoScrubber(this.plan.secrets, this.plan.revealed);
    const forwarded = forwardedResponseHeaders(rawHeaders, scrub);
    this.contentType = forwarded.contentType;
    if (isRetryable(status)) {
      this.mode = 'discard';
      this.retryAfter = forwarded.retryAfter;
    } else if (status < 300 && this.contentType.includes('text/event-stream')) {
      this.mode = 'stream';
      this.headers = withoutHeader(forwarded.headers, 'cache-control');
      this.scanner = new SseUsageScanner(this.tokens);
      if (this.plan.usageInjected) this.usageFilter = new StreamUsageFilter();
    } else {
      this.mode = 'hold';
      this.headers = forwarded.headers;
      if (status >= 300) this.scrubber = scrub.body();
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    switch (this.mode) {
      case 'hold':
        this.chunks.push(chunk);
        this.held += chunk.length;
        return this.held > HOLD_BYTES ? this.startPipe() : true;
      case 'pipe':
      case 'stream':
        return this.forward(chunk);
      case 'discard':
        this.held += chunk.length;
        if (this.held > DISCARD_BYTES) this.abort(new Error('error body too large to read'));
        return true;
      default:
        return true;
    }
  }

  onComplete(): void {
    this.stopClocks();
    if (this.mode === 'discard') {
      this.settle({ committed: false, status: this.status, timedOut: false, ...(this.retryAfter ? { retryAfter: this.retryAfter } : {}) });
    } else if (this.mode === 'hold') {
      this.answerWhole();
    } else {
      if (!this.committed) this.commitStream();
      if (this.scrubber) this.res.write(this.scrubber.end());
      if (this.mode === 'pipe' && this.status < 300) foldUsageFromTail(this.tokens, Buffer.concat(this.chunks).toString('utf8'));
      this.chunks = [];
      this.res.end(this.usageFilter?.end());
      this.settle({ committed: true, status: this.status, tokens: this.tokens });
    }
  }

  onError(err: Error): void {
    this.stopClocks();
    if (this.committed) {
      const reason = this.stalled ? `no data for ${this.plan.idleMs} ms` : describe(err);
      const message = `the upstream stream from ${this.plan.providerId} broke off: ${reason}`;
      // Only an SSE stream can carry an error event; a cut connection tells any other client its answer is short.
      if (this.mode === 'pipe') this.res.destroy();
      else if (!this.res.destroyed) this.res.end(streamErrorEvent(this.plan.format, message));
      this.settle({ committed: true, status: this.status, tokens: this.tokens, brokenBy: reason });
      return;
    }
    if (this.mode === 'discard') return this.settle({ committed: false, status: this.status, timedOut: false });
    const error = this.timedOut ? `timed out after ${this.plan.budgetMs} ms` : describe(err);
    this.settle({ committed: false, status: null, error, timedOut: this.timedOut });
  }

  private answerWhole(): void {
    this.firstByteAt = performance.now();
    let body = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    if (this.scrubber) body = Buffer.concat([this.scrubber.push(body), this.scrubber.end()]);
    const headers = appendHeaders(this.headers, this.plan.ownHeaders);
    headers.push('content-length', String(body.length));
    this.res.writeHead(this.status, headers);
    this.res.end(body);
    // Read for its usage once it is on its way: the client need not wait for the parse.
    if (this.status < 300 && this.contentType.includes('json')) {
      try {
        foldUsage(this.tokens, JSON.parse(body.toString('utf8')));
      } catch {
        // A body we cannot read as JSON still went to the client as it was.
      }
    }
    this.settle({ committed: true, status: this.status, tokens: this.tokens });
  }

  private commitStream(): void {
    this.firstByteAt = performance.now();
    clearTimeout(this.budget);
    this.committed = true;
    const headers = appendHeaders(this.headers, this.plan.ownHeaders);
    this.res.writeHead(this.status, this.mode === 'stream' ? appendHeaders(headers, STREAM_HEADERS) : headers);
  }

  /** An answer grown past HOLD_BYTES: what was held goes out now, the rest as it arrives. */
  private startPipe(): boolean {
    this.mode = 'pipe';
    const held = Buffer.concat(this.chunks);
    this.chunks = [];
    this.held = 0;
    return this.forward(held);
  }

  /** The last USAGE_TAIL_BYTES of a piped 2xx answer, at most a chunk more. */
  private keepTail(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held - this.chunks[0]!.length >= USAGE_TAIL_BYTES) this.held -= this.chunks.shift()!.length;
  }

  /** One chunk to the client as it came (scrubbed, if it is an error); a slow client pauses the upstream instead of filling memory. */
  private forward(chunk: Buffer): boolean {
    if (!this.committed) this.commitStream();
    const upstreamChunk = chunk;
    if (this.scrubber) chunk = this.scrubber.push(chunk);
    else if (!this.scanner) this.keepTail(chunk);
    if (this.usageFilter) chunk = this.usageFilter.filter(chunk);
    const flowing = chunk.length === 0 || this.res.write(chunk);
    // Node holds a response's writes (corks its socket) until the next tick: the chunk goes now, and the
    // usage scan and the rest of this upstream read happen once it is on its way.
    if (chunk.length > 0) this.res.socket?.uncork();
    this.scanner?.feed(upstreamChunk);
    if (!flowing) {
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

/** Adds a flat name/value list to the attempt's own header list (made for this answer, so it is not copied). */
function appendHeaders(list: string[], more: readonly string[]): string[] {
  for (const item of more) list.push(item);
  return list;
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
