import { AigwError, ERRORS } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';

/** A request's query string, as fastify parses it; every reader below refuses what it cannot read. */
export type Query = Record<string, string | undefined>;

export interface PageParams {
  limit: number;
  beforeId?: string | undefined;
}

/** Reads ngrok's `limit` and `beforeId` list parameters. */
export function readPageParams(query: Query): PageParams {
  let limit: number = LIMITS.pageSizeDefault;
  if (query.limit !== undefined) {
    limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : NaN;
    if (!(limit >= 1 && limit <= LIMITS.pageSizeMax)) {
      throw new AigwError(ERRORS.invalidQuery, `limit must be a whole number from 1 to ${LIMITS.pageSizeMax}`, {
        field: 'limit',
      });
    }
  }
  return { limit, beforeId: query.beforeId || undefined };
}

/** `true` or `false`; omitted or empty is false. */
export function readBoolean(query: Query, field: string): boolean {
  const value = query[field];
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new AigwError(ERRORS.invalidQuery, `${field} must be true or false`, { field });
}

/** An RFC 3339 time, normalised to UTC; omitted or empty is undefined. */
export function readTime(query: Query, field: string): string | undefined {
  const value = query[field];
  if (value === undefined || value === '') return undefined;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(ms)) {
    throw new AigwError(ERRORS.invalidQuery, `${field} must be an RFC 3339 time such as 2025-01-31T00:00:00Z`, { field });
  }
  return new Date(ms).toISOString();
}
