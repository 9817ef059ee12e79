import { AigwError, ERRORS } from './errors.js';

/**
 * The lifecycle of an access key: when it expires, and how long its previous token keeps working after a
 * rotation. Durations are a whole number and a unit (`90s`, `30m`, `2h`, `7d`, `1w`), parts may be joined
 * (`1h30m`); times are RFC 3339 and stored in UTC.
 */
const UNIT_MS: Record<string, number> = { w: 604_800_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
const DURATION = /^(?:\d{1,9}[wdhms])+$/;
const PART = /(\d+)([wdhms])/g;

/** The latest time a key may expire at: the end of year 9999, what RFC 3339 can write. */
const LAST_MS = Date.UTC(9999, 11, 31, 23, 59, 59);
export const MAX_GRACE_MS = 30 * UNIT_MS.d!;

/** A duration in milliseconds; `0` (no unit needed) is zero. `what` names the flag or field in the error. */
export function parseKeyDuration(text: string, what: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  if (!DURATION.test(trimmed)) {
    throw new AigwError(
      ERRORS.invalidDuration,
      `${what} "${text}" is not a duration; give a number and a unit, such as 90s, 30m, 2h, 7d or 1w`,
      { field: what },
    );
  }
  let ms = 0;
  for (const [, n, unit] of trimmed.matchAll(PART)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 time in epoch milliseconds. */
export function parseTime(text: string, what: string): number {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms) || ms > LAST_MS) {
    throw new AigwError(ERRORS.invalidTime, `${what} "${text}" is not an RFC 3339 time such as 2026-12-31T23:59:59Z`, { field: what });
  }
  return ms;
}

/** An expiry that is still to come, in UTC as the API shows it; refused when it is not later than `nowMs`. */
export function futureExpiry(text: string, nowMs: number, what = 'expiresAt'): string {
  const ms = parseTime(text, what);
  const at = new Date(ms).toISOString();
  if (ms <= nowMs) {
    throw new AigwError(
      ERRORS.expiryInPast,
      `${what} ${at} is not in the future (now is ${new Date(nowMs).toISOString()}); give a later time, or a duration with --expires-in`,
      { field: what, expiresAt: at },
    );
  }
  return at;
}

/** When an expiry given as a duration from now falls. */
export function expiryIn(text: string, nowMs: number, what = '--expires-in'): string {
  const ms = parseKeyDuration(text, what);
  if (ms === 0) {
    throw new AigwError(ERRORS.expiryInPast, `${what} 0 would expire the key at once; give a duration such as 30d`, { field: what });
  }
  if (nowMs + ms > LAST_MS) throw new AigwError(ERRORS.invalidDuration, `${what} "${text}" reaches past the year 9999`, { field: what });
  return new Date(nowMs + ms).toISOString();
}

/** A rotation's grace period in milliseconds: from none (0) to 30 days. */
export function gracePeriodMs(text: string | undefined, what = 'gracePeriod'): number {
  if (text === undefined) return 0;
  const ms = parseKeyDuration(text, what);
  if (ms > MAX_GRACE_MS) {
    throw new AigwError(ERRORS.gracePeriodTooLong, `${what} "${text}" is longer than 30 days; rotate again later instead`, { field: what });
  }
  return ms;
}
