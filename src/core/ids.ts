import { randomFillSync } from 'node:crypto';

// Crockford base32, lower case: ids sort by creation time as plain strings, so `beforeId`
// pagination works even when the item it names has since been deleted.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

export const ID_PREFIX = {
  providerKey: 'aigpk_',
  accessKey: 'aigk_',
  accessKeyConfiguration: 'aigac_',
  provider: 'aigp_',
  providerModel: 'aigpm_',
  usageEvent: 'aigue_',
  controlToken: 'aigct_',
} as const;
export type IdKind = keyof typeof ID_PREFIX;

let lastTime = -1;
let timePart = '';
const digits = new Uint8Array(RANDOM_CHARS);
/** The random part but its last character: most increments change only that one. */
let head = '';

// Random bytes are drawn a few kilobytes at a time: one call into OpenSSL per id made most of its cost.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** Where `count` fresh random bytes start in `pool`; they are the caller's until its next call. */
function takeRandom(count: number): number {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  poolOffset += count;
  return poolOffset - count;
}

/** Character codes of ids being made: one string is built from them, not one per character. */
const codes: number[] = [];

function encodeTime(ms: number): string {
  for (let i = TIME_CHARS - 1; i >= 0; i--) {
    codes[i] = ALPHABET_CODES[ms % 32]!;
    ms = Math.floor(ms / 32);
  }
  codes.length = TIME_CHARS;
  return String.fromCharCode.apply(null, codes);
}

function encodeHead(): string {
  for (let i = 0; i < RANDOM_CHARS - 1; i++) codes[i] = ALPHABET_CODES[digits[i]!]!;
  codes.length = RANDOM_CHARS - 1;
  return String.fromCharCode.apply(null, codes);
}

function freshRandom(): void {
  const at = takeRandom(RANDOM_CHARS);
  // 256 is a multiple of 32, so the low five bits of a random byte are a uniform base32 digit.
  for (let i = 0; i < RANDOM_CHARS; i++) digits[i] = pool[at + i]! & 31;
  head = encodeHead();
}

/** Increments the random part so ids made in the same millisecond still sort in creation order. */
function increment(): void {
  let i = RANDOM_CHARS - 1;
  while (i >= 0 && digits[i] === 31) digits[i--] = 0;
  if (i < 0) return freshRandom();
  digits[i]++;
  if (i < RANDOM_CHARS - 1) head = encodeHead();
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now <= lastTime) {
    increment();
  } else {
    lastTime = now;
    timePart = encodeTime(now);
    freshRandom();
  }
  return ID_PREFIX[kind] + timePart + head + ALPHABET[digits[RANDOM_CHARS - 1]!];
}

const REQUEST_ID_BYTES = 12;

/** A gateway request's id: random, not time-ordered (it names one request in logs and headers). */
export function newRequestId(): string {
  const at = takeRandom(REQUEST_ID_BYTES);
  return `req_${pool.toString('hex', at, at + REQUEST_ID_BYTES)}`;
}

const ID_BODY = `[${ALPHABET}]{${TIME_CHARS + RANDOM_CHARS}}`;
const ID_PATTERNS = Object.fromEntries(
  Object.entries(ID_PREFIX).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}${ID_BODY}$`)]),
) as Record<IdKind, RegExp>;

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERNS[kind].test(value);
}
