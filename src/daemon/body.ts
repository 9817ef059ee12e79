import type { IncomingMessage } from 'node:http';
import { AigwError, ERRORS } from '../core/errors.js';

const JSON_TYPE = /^application\/json\s*(;|$)/i;

/** The errors a JSON request body can earn, shared by the gateway and the management API. */
export const BODY_ERRORS = {
  notJson: new AigwError(ERRORS.unsupportedMediaType, 'send the body as application/json'),
  tooLarge: new AigwError(ERRORS.bodyTooLarge),
  empty: new AigwError(ERRORS.malformedJson, 'the request body is empty; send a JSON object'),
  malformed: new AigwError(ERRORS.malformedJson),
};

/**
 * Reads a request's JSON body, up to `limit` bytes, and hands over the parsed value or a coded error:
 * 415 when it is not sent as JSON, 413 when it is too large (said as soon as Content-Length or the bytes
 * so far show it), 400 when it is empty or not JSON. Plain JSON.parse is safe here: a `__proto__` key
 * becomes an own property, and bodies are only read and re-serialised, never merged into other objects.
 */
export function readJsonBody(req: IncomingMessage, limit: number, done: (err: AigwError | undefined, body?: unknown) => void): void {
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    req.resume();
    return done(BODY_ERRORS.notJson);
  }
  if (Number(req.headers['content-length']) > limit) return done(BODY_ERRORS.tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) {
      req.off('data', onData).off('end', onEnd);
      return done(BODY_ERRORS.tooLarge);
    }
    chunks.push(chunk);
  };
  const onEnd = () => {
    if (size === 0) return done(BODY_ERRORS.empty);
    let body: unknown;
    try {
      body = JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
    } catch {
      return done(BODY_ERRORS.malformed);
    }
    done(undefined, body);
  };
  req.on('data', onData).on('end', onEnd);
}
