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

const USAGE_NULL_LAST = Buffer.from(',"usage":null}');
const USAGE_NULL_FIRST = Buffer.from('{"usage":null,');

/** Whether a `data:` line is the usage-only chunk include_usage adds: no choices, and a usage object. */
function isUsageChunk(line: Buffer): boolean {
  const text = line.toString('utf8');
  return /^data: ?\{/.test(text) && text.includes('"choices":[]') && /"usage":\{/.test(text);
}

/**
 * Takes back from a stream what include_usage added: the usage-only chunk before `[DONE]` (with the blank
 * line that ends its event), and the `"usage":null` OpenAI puts in every other chunk. Works on whole lines:
 * a partial line waits for the rest of it, so what leaves is what the upstream sent without the option.
 */
export class StreamUsageFilter {
  private partial: Buffer | undefined;
  private skipBlank = false;

  /** The bytes of `chunk` to send on; empty when all of it was held back or taken out. */
  filter(chunk: Buffer): Buffer {
    const data = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = undefined;
    const out: Buffer[] = [];
    let start = 0;
    for (let nl = data.indexOf(10); nl !== -1; start = nl + 1, nl = data.indexOf(10, start)) {
      const line = data.subarray(start, nl + 1);
      const content = line.subarray(0, line.length - (line.at(-2) === 13 ? 2 : 1));
      if (this.skipBlank) {
        this.skipBlank = false;
        if (content.length === 0) continue;
      }
      if (content.length > 5 && content.subarray(0, 5).toString() === 'data:') {
        if (isUsageChunk(content)) {
          this.skipBlank = true;
          continue;
        }
        out.push(withoutNullUsage(line, content.length));
        continue;
      }
      out.push(line);
    }
    if (start < data.length) this.partial = Buffer.from(data.subarray(start));
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** What is left at the end of the stream (a last line without a newline). */
  end(): Buffer {
    const rest = this.partial ?? Buffer.alloc(0);
    this.partial = undefined;
    return rest;
  }
}

/** A `data:` line without the `"usage":null` member include_usage added, where it ends or starts the object. */
function withoutNullUsage(line: Buffer, contentLength: number): Buffer {
  const content = line.subarray(0, contentLength);
  const eol = line.subarray(contentLength);
  if (content.subarray(content.length - USAGE_NULL_LAST.length).equals(USAGE_NULL_LAST)) {
    return Buffer.concat([content.subarray(0, content.length - USAGE_NULL_LAST.length), Buffer.from('}'), eol]);
  }
  const json = content.indexOf(123); // the object's opening brace
  if (json !== -1 && content.subarray(json, json + USAGE_NULL_FIRST.length).equals(USAGE_NULL_FIRST)) {
    return Buffer.concat([content.subarray(0, json + 1), content.subarray(json + USAGE_NULL_FIRST.length), eol]);
  }
  return line;
}
