import { ACCESS_TOKEN_PREFIX } from '../core/access-tokens.js';

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Whether `value` from `start` on is one or more printable ASCII characters other than a space. */
function isPlainToken(value: string, start: number): boolean {
  if (start >= value.length) return false;
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Whether `value` starts with "Bearer " in any letter case. */
function startsWithBearer(value: string): boolean {
  return value.length > 7 && value.charCodeAt(6) === 0x20 && (value.startsWith('Bearer') || value.slice(0, 6).toLowerCase() === 'bearer');
}

/**
 * The token of an `Authorization: Bearer <token>` header, for both the gateway and the management API over
 * TCP. The usual header, "Bearer " and a printable ASCII token, is read without the regular expression,
 * which runs only for the rest (other whitespace, trailing spaces).
 */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  if (startsWithBearer(authorization) && isPlainToken(authorization, 7)) return authorization.slice(7);
  return BEARER.exec(authorization)?.[1];
}

/**
 * bearerToken for the gateway, which reads each request's header twice (before its body and after) and gets
 * the same header on every call from a client: the last header that held an aigw access token is remembered
 * with its token, so the same token string, whose hash V8 has already computed, goes to the token-hash
 * lookup. Any other credential (a passthrough request's own provider key above all) is read anew and never
 * kept: provider key values are held only masked.
 */
export class AccessTokenReader {
  private header: string | undefined;
  private token: string | undefined;

  read(authorization: string | string[] | undefined): string | undefined {
    if (authorization !== undefined && authorization === this.header) return this.token;
    const bearer = bearerToken(authorization);
    const isToken = bearer?.startsWith(ACCESS_TOKEN_PREFIX) === true;
    this.header = isToken ? (authorization as string) : undefined;
    this.token = isToken ? bearer : undefined;
    return bearer;
  }
}
