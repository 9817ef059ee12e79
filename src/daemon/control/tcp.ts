import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { join } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AigwError, ERRORS, errorBody } from '../../core/errors.js';
import { checkControlTls } from '../../core/listen.js';
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

/** Tells whether a presented bearer token is a named control token (see ControlTokenService.verify). */
export type NamedTokenCheck = (presented: string) => Promise<{ name: string } | undefined>;

/**
 * The onRequest hook of the TCP listener: `Authorization: Bearer <token>` or a coded 401. The token is the
 * one in control-token, or a named one (`aigw daemon tokens create`), looked up on each request so a deleted
 * one is refused at once. The control-token comparison is of SHA-256 digests with timingSafeEqual, so
 * neither the length nor a common prefix shows in the timing. Neither the token nor its name is logged.
 */
export function bearerTokenHook(token: string, named: NamedTokenCheck) {
  const expected = digest(token);
  const refuse = (reply: FastifyReply, why: string) => {
    const err = new AigwError(
      ERRORS.controlTokenInvalid,
      `${why}; send "Authorization: Bearer <token>" with a token from \`aigw daemon tokens create\` or the one in ${CONTROL_TOKEN_FILE} of the config directory`,
    );
    return reply.status(401).header('www-authenticate', 'Bearer').send(errorBody(err));
  };
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const presented = bearerToken(request.headers.authorization);
    if (!presented) return refuse(reply, 'the management API over TCP needs a bearer token');
    if (timingSafeEqual(digest(presented), expected)) return undefined;
    if (await named(presented)) return undefined;
    return refuse(reply, 'the bearer token is wrong or was deleted');
  };
}

/**
 * The certificate and key of the management API over TCP, read and checked before anything listens (see
 * checkControlTls for when they are needed); a key file everyone can read is refused.
 */
export function controlTls(
  listenHost: string | undefined,
  certFile: string | undefined,
  keyFile: string | undefined,
): { cert: Buffer; key: Buffer } | undefined {
  if (!checkControlTls(listenHost, certFile, keyFile) || !certFile || !keyFile) return undefined;
  let tls;
  try {
    // Links (as certbot's live/ folder has) and a group such as Debian's ssl-cert are fine; everyone is not.
    if (statSync(keyFile).mode & 0o007) throw new Error(`others can read it; run \`chmod o-rwx ${keyFile}\``);
    tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
    createSecureContext(tls);
  } catch (err) {
    throw new AigwError(ERRORS.controlTlsUnreadable, `cannot use the TLS certificate ${certFile} with the key ${keyFile}: ${(err as Error).message.split('\n')[0]}`);
  }
  return tls;
}
