import type { IncomingMessage } from 'node:http';
import { AigwError, ERRORS } from '../core/errors.js';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The errors a JSON request body can earn, shared by the gateway and the management API. */
export const BODY_ERRORS = {
  notJson: new AigwError(ERRORS.unsupportedMediaType, 'send the body as application/json'),
  tooLarge: new AigwError(ERRORS.bodyTooLarge),
  empty: new AigwError(ERRORS.malformedJson, 'the request body is empty; send a JSON object'),
  malformed: new AigwError(ERRORS.malformedJson),
  tooDeep: new AigwError(ERRORS.jsonTooDeep),
  busy: new AigwError(ERRORS.bodiesInFlight, 'the gateway holds as many request bytes as it may at once; retry in a moment'),
};

/**
 * The deepest nesting of arrays and objects a body may have. Serialising a parsed body recurses once a
 * level, so a body of 100,000 `[` would overflow the stack far from here; real requests nest a few dozen.
 */
export const MAX_JSON_DEPTH = 256;

/** Whether JSON text nests arrays and objects deeper than `max` (strings skipped): one pass over the bytes. */
export function nestsDeeperThan(buf: Buffer, max: number): boolean {
  if (buf.length <= max) return false;
  let depth = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x22) {
      // A string: skip to its closing quote, past escaped characters.
      for (i++; i < buf.length && buf[i] !== 0x22; i++) if (buf[i] === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Bytes a body may claim from a budget shared by every request in flight; false when none is left. */
export type BodyClaim = (bytes: number) => boolean;

/**
 * Reads a request's JSON body, up to `limit` bytes, and hands over the parsed value or a coded error:
 * 415 when it is not sent as JSON, 413 when it is too large (said as soon as Content-Length or the bytes
 * so far show it), 400 when it is empty, not JSON or nested too deeply, 503 when `claim` refuses its
 * bytes (a declared Content-Length is claimed whole, before any byte is read). Plain JSON.parse is safe
 * here: a `__proto__` key becomes an own property, and bodies are only read and re-serialised, never
 * merged into other objects.
 */
export function readJsonBody(
  req: IncomingMessage,
  limit: number,
  done: (err: AigwError | undefined, body?: unknown) => void,
  claim: BodyClaim = () => true,
): void {
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    req.resume();
    return done(BODY_ERRORS.notJson);
  }
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return done(BODY_ERRORS.tooLarge);
  if (declared > 0 && !claim(declared)) return done(BODY_ERRORS.busy);
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = (err: AigwError) => {
    req.off('data', onData).off('end', onEnd);
    done(err);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) return stop(BODY_ERRORS.tooLarge);
    if (!(declared > 0) && !claim(chunk.length)) return stop(BODY_ERRORS.busy);
    chunks.push(chunk);
  };
  const onEnd = () => {
    if (size === 0) return done(BODY_ERRORS.empty);
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (nestsDeeperThan(raw, MAX_JSON_DEPTH)) return done(BODY_ERRORS.tooDeep);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return done(BODY_ERRORS.malformed);
    }
    done(undefined, body);
  };
  req.on('data', onData).on('end', onEnd);
}
