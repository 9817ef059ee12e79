import type { Endpoint } from './proxy.js';

/**
 * For an OpenAI-format stream whose client did not ask for usage, asks for it upstream
 * (`stream_options.include_usage`), so streamed attempts have token counts. Returns whether it did: the
 * answer then has to go through a StreamUsageFilter, so the client sees the stream it asked for.
 */
export function injectStreamUsage(endpoint: Endpoint, body: Record<string, unknown>): boolean {
  if (endpoint.format !== 'openai' || body.stream !== true) return false;
  if (endpoint.apiPath !== '/chat/completions' && endpoint.apiPath !== '/completions') return false;
  const options = body.stream_options;
  if (options !== undefined && (options === null || typeof options !== 'object' || Array.isArray(options))) return false;
  if ((options as { include_usage?: unknown } | undefined)?.include_usage === true) return false;
  body.stream_options = { ...(options as object | undefined), include_usage: true };
  return true;
}

const USAGE_NULL_LAST = ',"usage":null}';
const USAGE_NULL_FIRST = '{"usage":null,';

/** Whether a `data:` line is the usage-only chunk include_usage adds: no choices, and a usage object. */
function isUsageChunk(line: string): boolean {
  return line.includes('"choices":[]') && line.includes('"usage":{');
}

/** A `data:` line without the `"usage":null` member include_usage added, where it ends or starts the object. */
function withoutNullUsage(line: string): string {
  if (line.endsWith(USAGE_NULL_LAST)) return `${line.slice(0, -USAGE_NULL_LAST.length)}}`;
  const brace = line.indexOf('{');
  if (brace !== -1 && line.startsWith(USAGE_NULL_FIRST, brace)) return `${line.slice(0, brace + 1)}${line.slice(brace + USAGE_NULL_FIRST.length)}`;
  return line;
}

/**
 * Takes back from a stream what include_usage added: the usage-only chunk before `[DONE]` (with the blank
 * line that ends its event), and the `"usage":null` OpenAI puts in every other chunk. Works on whole lines:
 * a partial line waits for the rest of it, so what leaves is what the upstream sent without the option.
 * Bytes are read as latin1, one character each, so a UTF-8 character split across chunks goes out intact.
 */
export class StreamUsageFilter {
  private partial = '';
  private skipBlank = false;

  /** The bytes of `chunk` to send on; empty when all of it was held back or taken out. */
  filter(chunk: Buffer): Buffer {
    // Whole lines that never mention usage leave as they came (many OpenAI-compatible servers send no
    // `"usage":null`): only their last line's end and the absence of the word need checking.
    if (this.partial === '' && !this.skipBlank && chunk[chunk.length - 1] === 0x0a && !chunk.includes('usage')) return chunk;
    const data = this.partial + chunk.toString('latin1');
    let out = '';
    let start = 0;
    for (let nl = data.indexOf('\n'); nl !== -1; start = nl + 1, nl = data.indexOf('\n', start)) {
      const end = data.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (this.skipBlank) {
        this.skipBlank = false;
        if (end === start) continue;
      }
      if (!data.startsWith('data:', start)) {
        out += data.slice(start, nl + 1);
        continue;
      }
      const line = data.slice(start, end);
      if (isUsageChunk(line)) {
        this.skipBlank = true;
        continue;
      }
      out += withoutNullUsage(line) + data.slice(end, nl + 1);
    }
    this.partial = data.slice(start);
    return Buffer.from(out, 'latin1');
  }

  /** What is left at the end of the stream (a last line without a newline). */
  end(): Buffer {
    const rest = Buffer.from(this.partial, 'latin1');
    this.partial = '';
    return rest;
  }
}
