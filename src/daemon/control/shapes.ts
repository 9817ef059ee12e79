import type { LimitUsage } from '../../app/ports.js';
import type { Budget, RateLimits } from '../../core/budgets.js';
import type { FastifyRequest } from 'fastify';
import { readBoolean, type Query } from './query.js';

export type { Query };

/**
 * A route's query string as its schema in core/api declares it. Queries are read, and refused with their
 * own messages, by the readers of query.ts rather than validated by fastify: this is where their type is given.
 */
export function queryOf<T extends object>(request: FastifyRequest): T & Query {
  return request.query as T & Query;
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

/** The limits a resource has, and (read-only) the gateway's counters for them: spend in the period, rate use. */
export function limitFields(id: string, r: { budget: Budget | null; rateLimits: RateLimits | null }, usage: LimitUsage) {
  return {
    budget: r.budget,
    rateLimits: r.rateLimits,
    spend: r.budget ? (usage.spend(id) ?? null) : null,
    rateLimitUse: r.rateLimits ? (usage.rateLimitUse(id) ?? null) : null,
  };
}
