import { AigwError, ERRORS } from './errors.js';

/**
 * Budgets and rate limits on access keys and access key configurations (a configuration's are shared by
 * every key linked to it). Periods are UTC: a day from 00:00, an ISO week from Monday 00:00, a month
 * from the 1st 00:00; `none` is a one-off allowance that counts every attempt and never resets.
 */
export const BUDGET_PERIODS = ['day', 'week', 'month', 'none'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export interface Budget {
  amountUsd: number;
  period: BudgetPeriod;
  /** Past it the daemon logs one warning per period and get/list show it; below amountUsd. */
  softLimitUsd?: number | undefined;
}

export interface RateLimits {
  requestsPerMinute?: number | undefined;
  /** Input plus output tokens, as the provider reported them. */
  tokensPerMinute?: number | undefined;
  maxConcurrent?: number | undefined;
}

/** The largest amount accepted: past it a number is a typo, not a budget. */
const MAX_USD = 1e9;
const MAX_RATE = 1e12;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A budget as written to the API or the CLI; refused with a code when any part is wrong. */
export function checkBudget(input: unknown): Budget {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new AigwError(ERRORS.invalidBudgetAmount, 'budget must be an object such as {"amountUsd": 25, "period": "month"}, or null');
  }
  const { amountUsd, period, softLimitUsd } = input as Record<string, unknown>;
  if (!isNumber(amountUsd) || amountUsd <= 0 || amountUsd > MAX_USD) {
    throw new AigwError(ERRORS.invalidBudgetAmount, `budget amountUsd must be a number of USD above 0 (such as 25), not ${JSON.stringify(amountUsd ?? null)}`, {
      field: 'amountUsd',
    });
  }
  if (typeof period !== 'string' || !(BUDGET_PERIODS as readonly string[]).includes(period)) {
    throw new AigwError(ERRORS.invalidBudgetPeriod, `budget period must be one of ${BUDGET_PERIODS.join(', ')}, not ${JSON.stringify(period ?? null)}`, {
      field: 'period',
    });
  }
  if (softLimitUsd !== undefined && softLimitUsd !== null) {
    if (!isNumber(softLimitUsd) || softLimitUsd <= 0 || softLimitUsd >= amountUsd) {
      throw new AigwError(
        ERRORS.invalidSoftLimit,
        `budget softLimitUsd must be a number above 0 and below amountUsd (${amountUsd}), not ${JSON.stringify(softLimitUsd)}`,
        { field: 'softLimitUsd' },
      );
    }
    return { amountUsd, period: period as BudgetPeriod, softLimitUsd };
  }
  return { amountUsd, period: period as BudgetPeriod };
}

const RATE_FIELDS = ['requestsPerMinute', 'tokensPerMinute', 'maxConcurrent'] as const;

/** Rate limits as written to the API or the CLI: each a whole number above 0; at least one. */
export function checkRateLimits(input: unknown): RateLimits {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new AigwError(ERRORS.invalidRateLimit, 'rateLimits must be an object such as {"requestsPerMinute": 60}, or null');
  }
  const limits: RateLimits = {};
  for (const field of RATE_FIELDS) {
    const value = (input as Record<string, unknown>)[field];
    if (value === undefined || value === null) continue;
    if (!isNumber(value) || !Number.isInteger(value) || value < 1 || value > MAX_RATE) {
      throw new AigwError(ERRORS.invalidRateLimit, `rateLimits ${field} must be a whole number above 0, not ${JSON.stringify(value)}`, { field });
    }
    limits[field] = value;
  }
  if (Object.keys(limits).length === 0) {
    throw new AigwError(ERRORS.invalidRateLimit, 'rateLimits must set requestsPerMinute, tokensPerMinute or maxConcurrent; clear them with null');
  }
  return limits;
}

/** Omitted stays as it is, null clears, anything else is checked. */
export function checkBudgetWrite(value: unknown): Budget | null | undefined {
  return value === undefined ? undefined : value === null ? null : checkBudget(value);
}

export function checkRateLimitsWrite(value: unknown): RateLimits | null | undefined {
  return value === undefined ? undefined : value === null ? null : checkRateLimits(value);
}

const DAY_MS = 86_400_000;

/** Where the budget period holding `ms` starts and ends (epoch ms, UTC); `none` runs from 0 to forever. */
export function budgetPeriod(period: BudgetPeriod, ms: number): { start: number; end: number } {
  const d = new Date(ms);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  switch (period) {
    case 'day':
      return { start: day, end: day + DAY_MS };
    case 'week': {
      // getUTCDay: Sunday is 0; an ISO week starts on Monday.
      const start = day - ((d.getUTCDay() + 6) % 7) * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case 'month':
      return { start: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), end: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
    case 'none':
      return { start: 0, end: Number.POSITIVE_INFINITY };
  }
}

/** A budget's spend as get/list show it (the `spend` object); read-only. */
export interface SpendView {
  period: BudgetPeriod;
  /** RFC 3339; null for `none`. */
  periodStart: string | null;
  resetsAt: string | null;
  spentUsd: number;
  /** Never below 0. */
  remainingUsd: number;
  /** Requests admitted and not finished: their reservations count against what remains. */
  reservedUsd: number;
  softLimitReached: boolean;
  budgetReached: boolean;
}

/** Current use of the rate limits, over the last 60 seconds. */
export interface RateLimitUse {
  requestsLastMinute: number;
  tokensLastMinute: number;
  inFlight: number;
}

/**
 * A USD amount as aigw shows it (budgets, spend, a run's cost): two decimals, and for an amount under a
 * cent three significant digits, so a small cost never reads as $0.00: `$12.50`, `$0.04`, `$0.00123`.
 */
export function formatUsd(amount: number): string {
  if (amount === 0 || Math.abs(amount) >= 0.01 || !Number.isFinite(amount)) return `$${amount.toFixed(2)}`;
  const decimals = Math.min(20, 2 - Math.floor(Math.log10(Math.abs(amount))));
  return `$${amount.toFixed(decimals).replace(/0+$/, '')}`;
}
