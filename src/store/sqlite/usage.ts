import type { UsageGroup } from '../../core/gateway-api.js';
import type { AccessKeySpend, Page, SpendQuery, UsageBucketRow, UsageEventRecord, UsageOverviewQuery, UsageQuery } from '../types.js';
import type { Connection } from './connection.js';

interface UsageRow {
  id: string;
  event_time: string;
  request_id: string;
  access_key_id: string;
  provider: string;
  model: string;
  attempt_number: number;
  is_final_attempt: number;
  status_code: number;
  timed_out: number;
  is_error: number;
  is_streaming: number;
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
  tokens_known: number;
  cost_usd: number | null;
  key_source: string;
}

/** What each overview grouping groups by; an attempt made without a key (a local server) groups under `none`. */
const USAGE_GROUP_COLUMNS: Record<UsageGroup, string> = {
  provider: 'provider',
  accessKey: "coalesce(nullif(access_key_id, ''), 'none')",
  providerKey: "coalesce(provider_key_id, 'none')",
  model: "provider || ':' || model",
};

function toUsageEvent(row: UsageRow): UsageEventRecord {
  return {
    id: row.id,
    eventTime: row.event_time,
    requestId: row.request_id,
    // '' is how the NOT NULL column holds "no access key" (passthrough).
    accessKeyId: row.access_key_id || null,
    provider: row.provider,
    model: row.model,
    attemptNumber: row.attempt_number,
    isFinalAttempt: row.is_final_attempt === 1,
    statusCode: row.status_code,
    timedOut: row.timed_out === 1,
    isError: row.is_error === 1,
    isStreaming: row.is_streaming === 1,
    stopReason: row.stop_reason,
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    cacheReadTokens: row.cache_read_tokens,
    cacheWriteTokens: row.cache_write_tokens,
    reasoningTokens: row.reasoning_tokens,
    tokensKnown: row.tokens_known === 1,
    costUsd: row.cost_usd,
    providerKeyId: row.provider_key_id,
    providerKeyRedacted: row.provider_key_redacted,
    latencyMs: row.latency_ms,
    error: row.error,
    keySource: row.key_source as UsageEventRecord['keySource'],
  };
}

export function listUsage(c: Connection, query: UsageQuery): Page<UsageEventRecord> {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: query.limit + 1 };
  const filters: [keyof UsageQuery, string][] = [
    ['cursor', 'id < @cursor'],
    ['startTime', 'event_time >= @startTime'],
    ['endTime', 'event_time < @endTime'],
    ['accessKeyId', 'access_key_id = @accessKeyId'],
  ];
  for (const [field, clause] of filters) {
    const value = query[field];
    if (typeof value !== 'string') continue;
    where.push(clause);
    params[field] = value;
  }
  if (!query.includeRetries) where.push('is_final_attempt = 1');
  const sql =
    'SELECT * FROM usage_events' + (where.length ? ` WHERE ${where.join(' AND ')}` : '') + ' ORDER BY id DESC LIMIT @limit';
  const rows = c.sql<Record<string, string | number>, UsageRow>(sql).all(params);
  return { items: rows.slice(0, query.limit).map(toUsageEvent), hasMore: rows.length > query.limit };
}

export function usageOverview(c: Connection, query: UsageOverviewQuery): UsageBucketRow[] {
  const group = USAGE_GROUP_COLUMNS[query.groupBy];
  return c
    .sql<{ startTime: string; endTime: string }, UsageBucketRow>(
      `SELECT substr(event_time, 1, 10) AS day, ${group} AS groupKey, count(*) AS requests, sum(is_error) AS errors,
              total(cost_usd) AS costUsd, sum(cost_usd IS NULL) AS unpricedRequests,
              sum(input_tokens) AS inputTokens, sum(output_tokens) AS outputTokens
         FROM usage_events
        WHERE is_final_attempt = 1 AND event_time >= @startTime AND event_time < @endTime
        GROUP BY day, groupKey ORDER BY day, groupKey`,
    )
    .all({ startTime: query.startTime, endTime: query.endTime });
}

/** Per access key: the known cost and the attempts of unknown cost since a time (the usage_events_by_access_key index). */
export function spendSince(c: Connection, query: SpendQuery): AccessKeySpend[] {
  const statement = c.sql<[string, string], AccessKeySpend>(
    `SELECT access_key_id AS accessKeyId, total(cost_usd) AS costUsd, sum(cost_usd IS NULL) AS unpricedAttempts
       FROM usage_events WHERE access_key_id = ? AND event_time >= ? GROUP BY access_key_id`,
  );
  const out: AccessKeySpend[] = [];
  for (const id of new Set(query.accessKeyIds)) {
    const row = statement.get(id, query.since);
    if (row) out.push(row);
  }
  return out;
}
