import { randomBytes } from 'node:crypto';

// Crockford base32, lower case: ids sort by creation time as plain strings, so `beforeId`
// pagination works even when the item it names has since been deleted.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

export const ID_PREFIX = {
  providerKey: 'aigpk_',
  accessKey: 'aigk_',
  accessKeyConfiguration: 'aigac_',
  provider: 'aigp_',
  providerModel: 'aigpm_',
  usageEvent: 'aigue_',
} as const;
export type IdKind = keyof typeof ID_PREFIX;

let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function freshRandom(): number[] {
  const bytes = randomBytes(RANDOM_CHARS);
  return [...bytes].map((b) => b % 32);
}

/** Increments the random part so ids made in the same millisecond still sort in creation order. */
function incremented(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return freshRandom();
}

export function newId(kind: IdKind, now: number = Date.now()): string {
  if (now <= lastTime) {
    lastRandom = incremented(lastRandom);
    now = lastTime;
  } else {
    lastTime = now;
    lastRandom = freshRandom();
  }
  return ID_PREFIX[kind] + encodeTime(now) + lastRandom.map((d) => ALPHABET[d]).join('');
}

const ID_BODY = `[${ALPHABET}]{${TIME_CHARS + RANDOM_CHARS}}`;
const ID_PATTERNS = Object.fromEntries(
  Object.entries(ID_PREFIX).map(([kind, prefix]) => [kind, new RegExp(`^${prefix}${ID_BODY}$`)]),
) as Record<IdKind, RegExp>;

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERNS[kind].test(value);
}
