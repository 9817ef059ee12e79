import type { Budget, RateLimitUse, RateLimits, SpendView } from '../budgets.js';
import { BUDGET_PERIODS } from '../budgets.js';
import { checkedByService, shape, Type, type Static } from './schema.js';

/**
 * `budget` and `rateLimits` on access keys and configurations. In a request they are objects or null whose
 * values are left to the services' checks (core/budgets.ts), which refuse a bad one with a code of its own.
 */
export const budgetWrite = Type.Unsafe<unknown>({
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { amountUsd: checkedByService, period: checkedByService, softLimitUsd: checkedByService },
});
export const rateLimitsWrite = Type.Unsafe<unknown>({
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { requestsPerMinute: checkedByService, tokensPerMinute: checkedByService, maxConcurrent: checkedByService },
});

const usd = Type.Number();
const count = Type.Integer();
const [day, week, month, none] = BUDGET_PERIODS;
const period = Type.Union([Type.Literal(day), Type.Literal(week), Type.Literal(month), Type.Literal(none)]);

export const BudgetShape = shape({ amountUsd: usd, period, softLimitUsd: Type.Optional(usd) });
export const RateLimitsShape = shape({
  requestsPerMinute: Type.Optional(count),
  tokensPerMinute: Type.Optional(count),
  maxConcurrent: Type.Optional(count),
});
const nullableTime = Type.Union([Type.String(), Type.Null()]);
export const SpendShape = shape({
  period,
  periodStart: nullableTime,
  resetsAt: nullableTime,
  spentUsd: usd,
  remainingUsd: usd,
  reservedUsd: usd,
  softLimitReached: Type.Boolean(),
  budgetReached: Type.Boolean(),
});
export const RateLimitUseShape = shape({ requestsLastMinute: count, tokensLastMinute: count, inFlight: count });

/** The limits a resource has, and (read-only) the gateway's counters for them: spend in the period, rate use. */
export const limitShapes = {
  budget: Type.Union([BudgetShape, Type.Null()]),
  rateLimits: Type.Union([RateLimitsShape, Type.Null()]),
  spend: Type.Union([SpendShape, Type.Null()]),
  rateLimitUse: Type.Union([RateLimitUseShape, Type.Null()]),
};

// The domain's types and the API's shapes are one: a field added to either without the other fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Agree<T extends true> = T;
export type LimitShapesAgree = Agree<
  Same<Static<typeof BudgetShape>, Budget> &
    Same<Static<typeof RateLimitsShape>, RateLimits> &
    Same<Static<typeof SpendShape>, SpendView> &
    Same<Static<typeof RateLimitUseShape>, RateLimitUse>
>;
