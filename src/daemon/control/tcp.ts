import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AigwError, ERRORS, errorBody } from '../../core/errors.js';
import { readStateFile, writeStateFile } from '../../core/state-files.js';
import { bearerToken } from '../bearer.js';
import { ensurePrivateFile } from '../fs.js';

/** The file, in the config dir, that holds the bearer token of the management API over TCP. */
export const CONTROL_TOKEN_FILE = 'control-token';

/** Reads the token, creating it (0600, 256 random bits) on first use; refuses a file others can read. */
export function loadControlToken(configDir: string): string {
  const file = join(configDir, CONTROL_TOKEN_FILE);
  if (!existsSync(file)) {
    try {
      writeStateFile(file, `${randomBytes(32).toString('base64url')}\n`, { exclusive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  ensurePrivateFile(file);
  const token = readStateFile(file).trim();
  if (token.length < 16) throw new Error(`${file} holds no usable token (16 characters at least); delete it to get a new one`);
  return token;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The onRequest hook of the TCP listener: `Authorization: Bearer <token>` or a coded 401. The presented and
 * expected tokens are compared as SHA-256 digests with timingSafeEqual, so neither the length nor a common
 * prefix shows in the timing.
 */
export function bearerTokenHook(token: string) {
  const expected = digest(token);
  const refuse = (reply: FastifyReply, why: string) => {
    const err = new AigwError(ERRORS.controlTokenInvalid, `${why}; send "Authorization: Bearer <token>" with the token in ${CONTROL_TOKEN_FILE} of the config directory`);
    reply.status(401).header('www-authenticate', 'Bearer').send(errorBody(err));
  };
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const presented = bearerToken(request.headers.authorization);
    if (!presented) return refuse(reply, 'the management API over TCP needs a bearer token');
    if (!timingSafeEqual(digest(presented), expected)) return refuse(reply, 'the bearer token is wrong');
    done();
  };
}
