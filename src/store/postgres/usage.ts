import type { UsageGroup } from '../../core/gateway-api.js';
import { toUsageEvent } from '../rows.js';
import type { AccessKeySpend, Page, SpendQuery, UsageBucketRow, UsageEventRecord, UsageOverviewQuery, UsageQuery } from '../types.js';
import { lastUsedTimes, type LastUsed, type PackedUsage } from '../usage-batch.js';
import { FIELDS_PER_EVENT, USAGE_COLUMNS, USAGE_KINDS } from '../usage-fields.js';
import { isoTime } from '../usage-time.js';
import { listUsageSql } from '../usage-queries.js';
import type { Db } from './connection.js';

/** What each overview grouping groups by; an attempt made without a key (a local server) groups under `none`. */
const USAGE_GROUP_COLUMNS: Record<UsageGroup, string> = {
  provider: 'provider',
  accessKey: "coalesce(access_key_id, 'none')",
  providerKey: "coalesce(provider_key_id, 'none')",
  model: "provider || ':' || model",
};

export async function listUsage(db: Db, query: UsageQuery): Promise<Page<UsageEventRecord>> {
  const { sql, params } = listUsageSql(query, (n) => `$${n}`);
  const rows = await db.rows<Record<string, unknown>>(sql, params);
  return { items: rows.slice(0, query.limit).map(toUsageEvent), hasMore: rows.length > query.limit };
}

/** Per access key: the known cost and the attempts of unknown cost since a time (the usage_events_by_access_key index). */
export function spendSince(db: Db, query: SpendQuery): Promise<AccessKeySpend[]> {
  if (query.accessKeyIds.length === 0) return Promise.resolve([]);
  return db.rows<AccessKeySpend>(
    `SELECT access_key_id AS "accessKeyId", coalesce(sum(cost_usd), 0)::float8 AS "costUsd",
            (count(*) FILTER (WHERE cost_usd IS NULL))::int AS "unpricedAttempts"
       FROM usage_events WHERE access_key_id = ANY($1::text[]) AND event_time >= $2 GROUP BY access_key_id`,
    [[...new Set(query.accessKeyIds)], query.since],
  );
}

export function usageOverview(db: Db, query: UsageOverviewQuery): Promise<UsageBucketRow[]> {
  const group = USAGE_GROUP_COLUMNS[query.groupBy];
  return db.rows<UsageBucketRow>(
    `SELECT substr(event_time, 1, 10) AS day, ${group} AS "groupKey", count(*)::int AS requests,
            (count(*) FILTER (WHERE is_error))::int AS errors, coalesce(sum(cost_usd), 0)::float8 AS "costUsd",
            (count(*) FILTER (WHERE cost_usd IS NULL))::int AS "unpricedRequests",
            coalesce(sum(input_tokens), 0)::float8 AS "inputTokens", coalesce(sum(output_tokens), 0)::float8 AS "outputTokens"
       FROM usage_events
      WHERE is_final_attempt AND event_time >= $1 AND event_time < $2
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [query.startTime, query.endTime],
  );
}

// A batch's events go in with COPY, not an INSERT: the server then parses each value once with its type's
// input function, where an INSERT … SELECT FROM unnest(…) also parsed an array per column, kept the rows in a
// tuplestore, planned the statement and checked ON CONFLICT for every row. COPY has no ON CONFLICT: a batch is
// written again only after its transaction rolled back (a deadlock), so no event can be there twice.
export const COPY_USAGE = `COPY usage_events (${USAGE_COLUMNS.join(', ')}) FROM STDIN`;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A string as a field of COPY's text format, where a backslash, newline, carriage return or tab would mean something else. */
function copyText(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c]!) : s;
}

/**
 * The batch's events as COPY_USAGE reads them: one line per event, its fields tab-separated, `\N` for NULL.
 * The shared strings are escaped once per batch; ids and times need no escaping.
 */
export function usageCopyRows(batch: PackedUsage): string {
  const shared = batch.strings.map(copyText);
  const values = batch.values;
  let out = '';
  for (let n = 0, at = 0; n < batch.count; n++) {
    for (let field = 0; field < FIELDS_PER_EVENT; field++, at++) {
      if (field > 0) out += '\t';
      const value = values[at]!;
      const kind = USAGE_KINDS[field]!;
      if (value === null) out += '\\N';
      else if (kind === 'shared') out += shared[value as number]!;
      else if (kind === 'time') out += isoTime(value as number);
      else if (kind === 'text') out += copyText(value as string);
      else if (kind === 'bool') out += value ? 't' : 'f';
      else out += String(value);
    }
    out += '\n';
  }
  return out;
}

/** A named statement: prepared once per connection, not parsed and planned again for every batch. */
interface Touch {
  name: string;
  text: string;
  values: [string[], string[]];
}

const touch = (table: string) => `
  UPDATE ${table} t SET last_used = v.at FROM unnest($1::text[], $2::text[]) AS v(id, at)
   WHERE t.id = v.id AND (t.last_used IS NULL OR t.last_used < v.at)`;
const TOUCH_PROVIDER_KEYS = touch('provider_keys');
const TOUCH_ACCESS_KEYS = touch('access_keys');

/** The newest time per id, as two arrays sorted by id (rows are then locked in one order by every batch). */
function newest(times: LastUsed): [string[], string[]] {
  const ids = [...times.keys()].sort();
  return [ids, ids.map((id) => isoTime(times.get(id)!))];
}

/** The statements that set the `lastUsed` times a batch implies; none for a kind of key it did not use. */
export function usageTouches(batch: PackedUsage): Touch[] {
  const { providerKeys, accessKeys } = lastUsedTimes(batch);
  const touches: Touch[] = [];
  if (providerKeys.size > 0) touches.push({ name: 'aigw-touch-provider-keys', text: TOUCH_PROVIDER_KEYS, values: newest(providerKeys) });
  if (accessKeys.size > 0) touches.push({ name: 'aigw-touch-access-keys', text: TOUCH_ACCESS_KEYS, values: newest(accessKeys) });
  return touches;
}
