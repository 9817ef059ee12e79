import { SCRUB_MIN_FRAGMENT, scrubSecrets, StreamScrubber } from '../../core/scrub.js';
import type { MaskedSecret } from './secret-cache.js';

/**
 * The scrub rule for one attempt, over every key the request has tried so far: a key that failed over may
 * be quoted by the next provider's answer. Values are revealed only when something needs scrubbing, once;
 * the attempt's own key, revealed already for its request, is not revealed again when it is plain ASCII
 * (then its UTF-8 bytes read as latin1 are the same string).
 */
export class EchoScrubber {
  private plain: string[] | undefined;
  private readonly shortest: number;

  constructor(
    private readonly secrets: readonly MaskedSecret[],
    private readonly lastRevealed?: string,
  ) {
    let shortest = SCRUB_MIN_FRAGMENT;
    for (const s of secrets) shortest = Math.min(shortest, s.byteLength);
    this.shortest = shortest;
  }

  private get keys(): string[] {
    const last = this.secrets.length - 1;
    const known = this.lastRevealed;
    return (this.plain ??= this.secrets.map((s, i) => (i === last && known !== undefined && known.length === s.byteLength ? known : s.revealLatin1())));
  }

  /** A response header value (latin1, as it came); too short to hold an echo costs nothing. */
  header(value: string): string {
    if (this.secrets.length === 0 || value.length < this.shortest) return value;
    return scrubSecrets(value, this.keys);
  }

  /** A scrubber for a body that arrives in chunks. */
  body(): BodyScrubber {
    return new BodyScrubber(this.secrets.length ? new StreamScrubber(this.keys) : undefined);
  }
}

/** Buffers in, scrubbed buffers out; without a key it passes them through. */
export class BodyScrubber {
  constructor(private readonly inner: StreamScrubber | undefined) {}

  push(chunk: Buffer): Buffer {
    return this.inner ? Buffer.from(this.inner.push(chunk.toString('latin1')), 'latin1') : chunk;
  }

  end(): Buffer {
    return this.inner ? Buffer.from(this.inner.end(), 'latin1') : Buffer.alloc(0);
  }
}
