/**
 * Upstream providers sometimes echo the key they were sent in an error ("Incorrect API key provided:
 * sk-proj-ab****wxyz", or the whole key). Before an upstream error body or message is logged or returned,
 * every run of text that matches a key for SCRUB_MIN_FRAGMENT characters or more is replaced by
 * SCRUB_MARK. Keys shorter than that are removed wherever they appear whole.
 *
 * Sound because any substring of a key of length ≥ N is covered by the key's N-character windows: each
 * window is searched for and marked, and marked spans are replaced. The search runs over whichever is
 * shorter, the key's windows or the text's, so a short header value costs a few lookups.
 */
export const SCRUB_MIN_FRAGMENT = 8;
export const SCRUB_MARK = '[REDACTED]';

const widthOf = (secret: string) => Math.min(SCRUB_MIN_FRAGMENT, secret.length);

/**
 * Whether `secret` holds `text[at, at + width)`, compared where it stands: every forwarded response header
 * value shorter than the key is checked this way on every request, and a substring per window was most of
 * what that cost.
 */
export function holdsWindow(secret: string, text: string, at: number, width: number): boolean {
  const first = text[at]!;
  for (let p = secret.indexOf(first); p !== -1 && p + width <= secret.length; p = secret.indexOf(first, p + 1)) {
    let k = 1;
    while (k < width && secret.charCodeAt(p + k) === text.charCodeAt(at + k)) k++;
    if (k === width) return true;
  }
  return false;
}

/**
 * Marks every character of `text` inside an echo of one of the secrets, in `marked` (made on the first
 * echo when not given: most texts hold none); undefined when there is no echo.
 */
function markEchoes(text: string, secrets: readonly string[], marked?: Uint8Array): Uint8Array | undefined {
  let any = false;
  const mark = (at: number, width: number) => {
    (marked ??= new Uint8Array(text.length)).fill(1, at, at + width);
    any = true;
  };
  for (const secret of secrets) {
    const width = widthOf(secret);
    if (width === 0 || text.length < width) continue;
    if (text.length < secret.length) {
      for (let at = 0; at + width <= text.length; at++) {
        if (holdsWindow(secret, text, at, width)) mark(at, width);
      }
      continue;
    }
    for (let start = 0; start + width <= secret.length; start++) {
      const window = secret.slice(start, start + width);
      for (let at = text.indexOf(window); at !== -1; at = text.indexOf(window, at + 1)) mark(at, width);
    }
  }
  return any ? marked : undefined;
}

/** `text[from, to)` with each marked run replaced by one SCRUB_MARK (none when `afterMark` and it starts marked). */
function render(text: string, marked: Uint8Array, from: number, to: number, afterMark: boolean): string {
  let out = '';
  for (let i = from; i < to; ) {
    if (!marked[i]) {
      let j = i;
      while (j < to && !marked[j]) j++;
      out += text.slice(i, j);
      i = j;
    } else {
      if (!(afterMark && i === from)) out += SCRUB_MARK;
      while (i < to && marked[i]) i++;
    }
  }
  return out;
}

export function scrubSecrets(text: string, secrets: readonly string[]): string {
  if (!text || secrets.length === 0) return text;
  const marked = markEchoes(text, secrets);
  return marked ? render(text, marked, 0, text.length, false) : text;
}

export function scrubSecret(text: string, secret: string | undefined): string {
  return secret ? scrubSecrets(text, [secret]) : text;
}

/**
 * The scrub rule over a body that arrives in chunks: an echo split across chunks is still found. Each call
 * returns what can no longer be part of an echo; the last (widest window − 1) characters wait for the next
 * chunk, and what is known to be marked among them stays marked. Works on latin1 strings (one character per
 * byte), so multi-byte characters split across chunks pass through intact; the secrets must be given in
 * the same form (`toLatin1`).
 */
export class StreamScrubber {
  private pending = '';
  private carried: Uint8Array = new Uint8Array(0);
  private endedInMark = false;
  private readonly hold: number;

  constructor(private readonly secrets: readonly string[]) {
    this.hold = Math.max(1, ...secrets.map(widthOf)) - 1;
  }

  push(text: string): string {
    this.pending += text;
    const cut = this.pending.length - this.hold;
    return cut > 0 ? this.emit(cut) : '';
  }

  end(): string {
    return this.emit(this.pending.length);
  }

  private emit(cut: number): string {
    const text = this.pending;
    const marked = new Uint8Array(text.length);
    marked.set(this.carried);
    const any = markEchoes(text, this.secrets, marked) !== undefined || this.carried.includes(1);
    const out = any ? render(text, marked, 0, cut, this.endedInMark) : text.slice(0, cut);
    if (cut > 0) this.endedInMark = marked[cut - 1] === 1;
    this.carried = marked.slice(cut);
    this.pending = text.slice(cut);
    return out;
  }
}

/** A secret in the form StreamScrubber compares: its UTF-8 bytes, one latin1 character each. */
export const toLatin1 = (secret: string): string => Buffer.from(secret, 'utf8').toString('latin1');
