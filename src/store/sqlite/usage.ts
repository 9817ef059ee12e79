import type { UsageGroup } from '../../core/gateway-api.js';
import type { AccessKeySpend, Page, SpendQuery, UsageBucketRow, UsageEventRecord, UsageOverviewQuery, UsageQuery } from '../types.js';
import type { Connection } from './connection.js';
import { toUsageEvent } from '../rows.js';
import { listUsageSql } from '../usage-queries.js';

/** What each overview grouping groups by; an attempt made without a key (a local server) groups under `none`. */
const USAGE_GROUP_COLUMNS: Record<UsageGroup, string> = {
  provider: 'provider',
  accessKey: "coalesce(nullif(access_key_id, ''), 'none')",
  providerKey: "coalesce(provider_key_id, 'none')",
  model: "provider || ':' || model",
};

export function listUsage(c: Connection, query: UsageQuery): Page<UsageEventRecord> {
  const { sql, params } = listUsageSql(query, () => '?');
  const rows = c.sql<(string | number)[], Record<string, unknown>>(sql).all(...params);
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
