import type { UsageGroup } from '../../core/gateway-api.js';
import type { AccessKeySpend, Page, SpendQuery, UsageBucketRow, UsageDraft, UsageEventRecord, UsageOverviewQuery, UsageQuery } from '../types.js';
import { unpackUsage, type PackedUsage } from '../usage-batch.js';
import type { Db } from './connection.js';

interface UsageRow {
  id: string;
  event_time: string;
  request_id: string;
  access_key_id: string | null;
  provider: string;
  model: string;
  attempt_number: number;
  is_final_attempt: boolean;
  status_code: number;
  timed_out: boolean;
  is_error: boolean;
  is_streaming: boolean;
  stop_reason: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  reasoning_tokens: number;
  provider_key_id: string | null;
  provider_key_redacted: string | null;
  latency_ms: number;
  error: string | null;
  cache_write_tokens: number;
  tokens_known: boolean;
  cost_usd: number | null;
  key_source: string;
}

/** What each overview grouping groups by; an attempt made without a key (a local server) groups under `none`. */
const USAGE_GROUP_COLUMNS: Record<UsageGroup, string> = {
  provider: 'provider',
  accessKey: "coalesce(access_key_id, 'none')",
  providerKey: "coalesce(provider_key_id, 'none')",
  model: "provider || ':' || model",
};

function toUsageEvent(row: UsageRow): UsageEventRecord {
  return {
    id: row.id,
    eventTime: row.event_time,
    requestId: row.request_id,
    accessKeyId: row.access_key_id,
    provider: row.provider,
    model: row.model,
    attemptNumber: row.attempt_number,
    isFinalAttempt: row.is_final_attempt,
    statusCode: row.status_code,
    timedOut: row.timed_out,
    isError: row.is_error,
    isStreaming: row.is_streaming,
    stopReason: row.stop_reason,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    tokensKnown: row.tokens_known,
    costUsd: row.cost_usd,
    providerKeyId: row.provider_key_id,
    providerKeyRedacted: row.provider_key_redacted,
    latencyMs: row.latency_ms,
    error: row.error,
    keySource: row.key_source as UsageEventRecord['keySource'],
  };
}

export async function listUsage(db: Db, query: UsageQuery): Promise<Page<UsageEventRecord>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const filters: [keyof UsageQuery, string][] = [
    ['cursor', 'id <'],
    ['startTime', 'event_time >='],
    ['endTime', 'event_time <'],
    ['accessKeyId', 'access_key_id ='],
  ];
  for (const [field, clause] of filters) {
    const value = query[field];
    if (typeof value !== 'string') continue;
    params.push(value);
    where.push(`${clause} $${params.length}`);
  }
  if (!query.includeRetries) where.push('is_final_attempt');
  params.push(query.limit + 1);
  const sql =
    'SELECT * FROM usage_events' + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + ` ORDER BY id DESC LIMIT $${params.length}`;
  const rows = await db.rows<UsageRow>(sql, params);
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
 * How a column travels: `literal` values (ids, times, numbers, flags) are written into a PostgreSQL array
 * literal here, as they need no quoting; `shared` strings (access keys, providers, models…), which repeat
 * from row to row, go once each in a string table and the rows carry their index; `text` is quoted by pg.
 * The gateway's writer thread then spends little per row on a batch's parameters.
 */
type Travel = 'literal' | 'shared' | 'text';
const USAGE_COLUMNS: [column: string, type: string, travel: Travel, value: (d: UsageDraft) => string | number | boolean | null][] = [
  ['id', 'text', 'literal', (d) => d.id],
  ['event_time', 'text', 'literal', (d) => new Date(d.timeMs).toISOString()],
  ['request_id', 'text', 'text', (d) => d.requestId],
  ['access_key_id', 'text', 'shared', (d) => d.accessKeyId],
  ['provider', 'text', 'shared', (d) => d.provider],
  ['model', 'text', 'shared', (d) => d.model],
  ['attempt_number', 'int', 'literal', (d) => d.attemptNumber],
  ['is_final_attempt', 'bool', 'literal', (d) => d.isFinalAttempt],
  ['status_code', 'int', 'literal', (d) => d.statusCode],
  ['timed_out', 'bool', 'literal', (d) => d.timedOut],
  ['is_error', 'bool', 'literal', (d) => d.isError],
  ['is_streaming', 'bool', 'literal', (d) => d.isStreaming],
  ['stop_reason', 'text', 'shared', (d) => d.stopReason],
  ['input_tokens', 'int', 'literal', (d) => d.inputTokens],
  ['output_tokens', 'int', 'literal', (d) => d.outputTokens],
  ['cache_read_tokens', 'int', 'literal', (d) => d.cacheReadTokens],
  ['reasoning_tokens', 'int', 'literal', (d) => d.reasoningTokens],
  ['provider_key_id', 'text', 'shared', (d) => d.providerKeyId],
  ['provider_key_redacted', 'text', 'shared', (d) => d.providerKeyRedacted],
  ['latency_ms', 'int', 'literal', (d) => d.latencyMs],
  ['error', 'text', 'text', (d) => d.error],
  ['cache_write_tokens', 'int', 'literal', (d) => d.cacheWriteTokens],
  ['tokens_known', 'bool', 'literal', (d) => d.tokensKnown],
  ['cost_usd', 'float8', 'literal', (d) => d.costUsd],
  ['key_source', 'text', 'shared', (d) => d.keySource],
];
const STRINGS_PARAM = USAGE_COLUMNS.length + 1;
// A batch is one INSERT … SELECT FROM unnest(…), whatever its size. A batch written again after a failure
// that did commit (a lost answer) must not count twice.
const INSERT_USAGE = `
  INSERT INTO usage_events (${USAGE_COLUMNS.map(([column]) => column).join(', ')})
  SELECT ${USAGE_COLUMNS.map(([, , travel], i) => (travel === 'shared' ? `t.s[u.c${i} + 1]` : `u.c${i}`)).join(', ')}
    FROM unnest(${USAGE_COLUMNS.map(([, type, travel], i) => `$${i + 1}::${travel === 'shared' ? 'int' : type}[]`).join(', ')})
         AS u(${USAGE_COLUMNS.map((_, i) => `c${i}`).join(', ')})
   CROSS JOIN (SELECT $${STRINGS_PARAM}::text[] AS s) AS t
  ON CONFLICT (id) DO NOTHING`;

/** An array literal of values that need no quoting: `{a,1,t,NULL}`. */
function arrayLiteral(values: (string | number | boolean | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i) out += ',';
    out += v === null ? 'NULL' : v === true ? 't' : v === false ? 'f' : String(v);
  }
  return out + '}';
}

/** The parameters of INSERT_USAGE for these drafts. */
function insertParams(drafts: readonly UsageDraft[]): unknown[] {
  const strings: string[] = [];
  const indexOf = new Map<string, number>();
  const shared = (s: string | null) => {
    if (s === null) return null;
    let i = indexOf.get(s);
    if (i === undefined) indexOf.set(s, (i = strings.push(s) - 1));
    return i;
  };
  const params: unknown[] = USAGE_COLUMNS.map(([, , travel, value]) => {
    if (travel === 'text') return drafts.map(value);
    if (travel === 'shared') return arrayLiteral(drafts.map((d) => shared(value(d) as string | null)));
    return arrayLiteral(drafts.map(value));
  });
  params.push(strings);
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
  const drafts = unpackUsage(batch);
  // A provider key is used only by an attempt that reached its provider.
  const providerKeys = newest(drafts.flatMap((d): [string, number][] => (d.providerKeyId && d.statusCode > 0 ? [[d.providerKeyId, d.timeMs]] : [])));
  const accessKeys = newest(drafts.flatMap((d): [string, number][] => (d.accessKeyId ? [[d.accessKeyId, d.timeMs]] : [])));
  return [
    [INSERT_USAGE, insertParams(drafts)],
    [TOUCH_PROVIDER_KEYS, providerKeys],
    [TOUCH_ACCESS_KEYS, accessKeys],
  ];
}
