import type { UsageGroup } from '../../core/gateway-api.js';
import { toUsageEvent } from '../rows.js';
import type { AccessKeySpend, Page, SpendQuery, UsageBucketRow, UsageEventRecord, UsageOverviewQuery, UsageQuery } from '../types.js';
import { unpackedValue, type PackedUsage } from '../usage-batch.js';
import { FIELDS_PER_EVENT, USAGE_COLUMNS, USAGE_FIELDS, USAGE_INDEX, type UsageKind } from '../usage-fields.js';
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

/**
 * How each kind of usage field travels in the batch insert: `shared` strings as their index in the
 * batch's string table (the packed batch's own), `text` as an array pg quotes, the rest written into a
 * PostgreSQL array literal here, as they need no quoting. The writer thread then spends little per row.
 */
const ARRAY_TYPES: Record<UsageKind, string> = { id: 'text', time: 'text', text: 'text', shared: 'int', int: 'int', float: 'float8', bool: 'bool' };
const STRINGS_PARAM = FIELDS_PER_EVENT + 1;
// A batch is one INSERT … SELECT FROM unnest(…), whatever its size. A batch written again after a failure
// that did commit (a lost answer) must not count twice.
const INSERT_USAGE = `
  INSERT INTO usage_events (${USAGE_COLUMNS.join(', ')})
  SELECT ${USAGE_FIELDS.map(([, , kind], i) => (kind === 'shared' ? `t.s[u.c${i} + 1]` : `u.c${i}`)).join(', ')}
    FROM unnest(${USAGE_FIELDS.map(([, , kind], i) => `$${i + 1}::${ARRAY_TYPES[kind]}[]`).join(', ')})
         AS u(${USAGE_FIELDS.map((_, i) => `c${i}`).join(', ')})
   CROSS JOIN (SELECT $${STRINGS_PARAM}::text[] AS s) AS t
  ON CONFLICT (id) DO NOTHING`;

type Value = string | number | boolean | null;

/** An array literal of values that need no quoting: `{a,1,t,NULL}`. */
function arrayLiteral(values: Value[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    out += v === null ? 'NULL' : v === true ? 't' : v === false ? 'f' : String(v);
  }
  return out + '}';
}

/** The parameters of INSERT_USAGE: one array per field, taken from the packed values as they are. */
function insertParams(batch: PackedUsage): unknown[] {
  const params: unknown[] = USAGE_FIELDS.map(([, , kind], field) => {
    const column: Value[] = [];
    for (let n = 0, at = field; n < batch.count; n++, at += FIELDS_PER_EVENT) {
      const value = batch.values[at]!;
      column.push(kind === 'time' ? new Date(value as number).toISOString() : value);
    }
    return kind === 'text' ? column : arrayLiteral(column);
  });
  params.push(batch.strings);
  return params;
}

const touch = (table: string) => `
  UPDATE ${table} t SET last_used = v.at FROM unnest($1::text[], $2::text[]) AS v(id, at)
   WHERE t.id = v.id AND (t.last_used IS NULL OR t.last_used < v.at)`;
const TOUCH_PROVIDER_KEYS = touch('provider_keys');
const TOUCH_ACCESS_KEYS = touch('access_keys');

/** The newest time per id, as two arrays sorted by id (rows are then locked in one order by every batch). */
function newest(entries: Iterable<[string, number]>): [string[], string[]] {
  const times = new Map<string, number>();
  for (const [id, ms] of entries) if ((times.get(id) ?? -Infinity) < ms) times.set(id, ms);
  const ids = [...times.keys()].sort();
  return [ids, ids.map((id) => new Date(times.get(id)!).toISOString())];
}

/** The statements that write a batch: its events, and the `lastUsed` times they imply. */
export function usageStatements(batch: PackedUsage): [string, unknown[]][] {
  const providerKeys: [string, number][] = [];
  const accessKeys: [string, number][] = [];
  for (let n = 0; n < batch.count; n++) {
    const timeMs = unpackedValue(batch, n, USAGE_INDEX.timeMs) as number;
    const providerKeyId = unpackedValue(batch, n, USAGE_INDEX.providerKeyId) as string | null;
    const accessKeyId = unpackedValue(batch, n, USAGE_INDEX.accessKeyId) as string | null;
    // A provider key is used only by an attempt that reached its provider.
    if (providerKeyId && (unpackedValue(batch, n, USAGE_INDEX.statusCode) as number) > 0) providerKeys.push([providerKeyId, timeMs]);
    if (accessKeyId) accessKeys.push([accessKeyId, timeMs]);
  }
  return [
    [INSERT_USAGE, insertParams(batch)],
    [TOUCH_PROVIDER_KEYS, newest(providerKeys)],
    [TOUCH_ACCESS_KEYS, newest(accessKeys)],
  ];
}
