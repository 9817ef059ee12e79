import { AigwError, ERRORS } from '../../core/errors.js';
import { LIMITS } from '../../core/limits.js';

export interface PageParams {
  limit: number;
  beforeId?: string | undefined;
}

/** Reads ngrok's `limit` and `beforeId` list parameters. */
export function readPageParams(query: Record<string, string | undefined>): PageParams {
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

/** `uri` and `nextPageUri` of a list, with the filters that made it. */
export function listUris(
  path: string,
  filters: Record<string, string | undefined>,
  page: PageParams,
  lastId: string | undefined,
  hasMore: boolean,
  cursorParam = 'beforeId',
): { uri: string; nextPageUri: string | null } {
  const base = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined) base.set(k, v);
  const current = new URLSearchParams(base);
  current.set('limit', String(page.limit));
  if (page.beforeId) current.set(cursorParam, page.beforeId);
  let nextPageUri: string | null = null;
  if (hasMore && lastId) {
    const next = new URLSearchParams(base);
    next.set('limit', String(page.limit));
    next.set(cursorParam, lastId);
    nextPageUri = `${path}?${next}`;
  }
  return { uri: `${path}?${current}`, nextPageUri };
}
