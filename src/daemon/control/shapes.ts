import type { LimitUsage } from '../../app/ports.js';
import type { Budget, RateLimits } from '../../core/budgets.js';
import { readBoolean, type Query } from './query.js';

export type { Query };

/** The single local owner of the control socket acts on every resource. */
export const LOCAL_OWNER = { id: 'local', uri: '' } as const;

export const text = { type: 'string' } as const;
export const clearableText = { type: ['string', 'null'] } as const;
export const flag = { type: 'boolean' } as const;
export const textList = { type: 'array', items: text } as const;

export interface IdParams {
  id: string;
}

export type Clearable = string | null | undefined;

/** PATCH semantics: omitted stays as it is, null clears. */
export function cleared(value: Clearable): string | undefined {
  return value === null ? '' : value;
}

/** `?force=true` on a delete: do it even though something refers to the resource. */
export function readForce(query: Query): boolean {
  return readBoolean(query, 'force');
}

/**
 * `budget` and `rateLimits` on access keys and configurations: objects or null. Their values are left to
 * the services' checks (core/budgets.ts), which refuse a bad one with a code of its own.
 */
export const budgetSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { amountUsd: {}, period: {}, softLimitUsd: {} },
} as const;
export const rateLimitsSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: { requestsPerMinute: {}, tokensPerMinute: {}, maxConcurrent: {} },
} as const;

/** The limits a resource has, and (read-only) the gateway's counters for them: spend in the period, rate use. */
export function limitFields(id: string, r: { budget: Budget | null; rateLimits: RateLimits | null }, usage: LimitUsage) {
  return {
    budget: r.budget,
    rateLimits: r.rateLimits,
    spend: r.budget ? (usage.spend(id) ?? null) : null,
    rateLimitUse: r.rateLimits ? (usage.rateLimitUse(id) ?? null) : null,
  };
}
