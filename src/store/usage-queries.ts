import type { UsageQuery } from './types.js';

const LIST_FILTERS: [keyof UsageQuery, string][] = [
  ['cursor', 'id <'],
  ['startTime', 'event_time >='],
  ['endTime', 'event_time <'],
  ['accessKeyId', 'access_key_id ='],
];

/**
 * The SELECT that lists usage events newest first, one more row than asked for to tell whether there is a
 * next page, in the SQL both Stores speak; `placeholder` names the nth parameter as the dialect does.
 */
export function listUsageSql(query: UsageQuery, placeholder: (n: number) => string): { sql: string; params: (string | number)[] } {
  const where: string[] = [];
  const params: (string | number)[] = [];
  for (const [field, clause] of LIST_FILTERS) {
    const value = query[field];
    if (typeof value !== 'string') continue;
    params.push(value);
    where.push(`${clause} ${placeholder(params.length)}`);
  }
  if (!query.includeRetries) where.push('is_final_attempt');
  params.push(query.limit + 1);
  const filter = where.length ? ` WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT * FROM usage_events${filter} ORDER BY id DESC LIMIT ${placeholder(params.length)}`, params };
}
