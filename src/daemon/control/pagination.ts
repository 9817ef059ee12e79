import type { PageParams } from './query.js';

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
