import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * Access key tokens, shaped like GitHub's so secret scanners can recognise a leaked one without asking
 * anybody: a fixed prefix, 30 base62 random characters (178 bits) and a 6-character base62 CRC32 of the
 * random part. `aigw_` + 30 + 6 = 41 characters, matched by ACCESS_TOKEN_PATTERN.
 */
export const ACCESS_TOKEN_PREFIX = 'aigw_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_CHARS = 30;
const CHECKSUM_CHARS = 6;
export const ACCESS_TOKEN_PATTERN = /^aigw_[0-9A-Za-z]{30}[0-9A-Za-z]{6}$/;

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/** Uniform base62 characters: bytes of 248 and above are dropped rather than folded, so no bias. */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

function checksumOf(random: string): string {
  return base62(crc32(random), CHECKSUM_CHARS);
}

export function generateAccessToken(): string {
  const random = randomBase62(RANDOM_CHARS);
  return ACCESS_TOKEN_PREFIX + random + checksumOf(random);
}

/** True when the token has the right shape and its checksum matches: a cheap offline check, no lookup. */
export function isWellFormedAccessToken(token: string): boolean {
  if (!ACCESS_TOKEN_PATTERN.test(token)) return false;
  const random = token.slice(ACCESS_TOKEN_PREFIX.length, ACCESS_TOKEN_PREFIX.length + RANDOM_CHARS);
  return token.slice(-CHECKSUM_CHARS) === checksumOf(random);
}

/** What the store keeps instead of the token; the gateway looks tokens up by this. */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
