import type { FastifyPluginAsync } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import { USAGE_GROUPS, type UsageEvent, type UsageGroup, type UsageList, type UsageOverview } from '../../core/gateway-api.js';
import type { UsageBucketRow, UsageEventRecord, UsageService } from '../../app/usage.js';
import { listUris } from './pagination.js';
import { readBoolean, readPageParams, readTime, type Query } from './query.js';

const PATH = '/usage';
/** ngrok's totalCost is a decimal string; eight places show what one small request costs. */
const usd = (cost: number) => cost.toFixed(8);
const DAY_MS = 24 * 3600 * 1000;
const OVERVIEW_DEFAULT_DAYS = 7;

/** A usage event in ngrok's AIGatewayUsageEvent shape, plus aigw's `latencyMs` and `error`. */
function usageResource(e: UsageEventRecord, usage: UsageService): UsageEvent {
  return {
    id: e.id,
    eventTime: e.eventTime,
    requestId: e.requestId,
    accessKeyId: e.accessKeyId,
    provider: e.provider,
    providerDisplayName: usage.providerDisplayName(e.provider),
    model: e.model,
    modelDisplayName: e.model,
    attemptNumber: e.attemptNumber,
    isFinalAttempt: e.isFinalAttempt,
    statusCode: e.statusCode,
    timedOut: e.timedOut,
    isError: e.isError,
    isStreaming: e.isStreaming,
    stopReason: e.stopReason,
    inputTokens: e.inputTokens,
    outputTokens: e.outputTokens,
    cacheReadTokens: e.cacheReadTokens,
    cacheWriteTokens: e.cacheWriteTokens,
    reasoningTokens: e.reasoningTokens,
    tokensKnown: e.tokensKnown,
    totalCost: e.costUsd === null ? 'unknown' : usd(e.costUsd),
    costKnown: e.costUsd !== null,
    keySource: e.keySource,
    ...(e.providerKeyId ? { providerKeyId: e.providerKeyId, providerKeyDisplayName: e.providerKeyRedacted ?? '' } : {}),
    // A passthrough attempt used no stored key: the client's own, redacted, is what names it.
    ...(!e.providerKeyId && e.providerKeyRedacted ? { providerKeyDisplayName: e.providerKeyRedacted } : {}),
    latencyMs: e.latencyMs,
    error: e.error,
  };
}

/** A bucket's (or the totals') numbers as the API shows them. */
function amounts(r: Omit<UsageBucketRow, 'day' | 'groupKey'>) {
  return {
    cost: usd(r.costUsd),
    requests: r.requests,
    errors: r.errors,
    unpricedRequests: r.unpricedRequests,
    inputTokens: r.inputTokens,
    outputTokens: r.outputTokens,
  };
}

export function usageRoutes(usage: UsageService): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Querystring: Query }>(PATH, async (request): Promise<UsageList> => {
      const q = request.query;
      const page = readPageParams({ limit: q.limit, beforeId: q.cursor });
      const filters = {
        startTime: readTime(q, 'startTime'),
        endTime: readTime(q, 'endTime'),
        accessKeyId: q.accessKeyId || undefined,
        includeRetries: readBoolean(q, 'includeRetries') ? 'true' : undefined,
      };
      const { items, hasMore } = await usage.list({
        ...filters,
        limit: page.limit,
        cursor: page.beforeId,
        includeRetries: filters.includeRetries === 'true',
      });
      return {
        aiGatewayUsage: items.map((e) => usageResource(e, usage)),
        ...listUris(PATH, filters, page, items.at(-1)?.id, hasMore, 'cursor'),
      };
    });

    app.get<{ Querystring: Query }>(`${PATH}/overview`, async (request): Promise<UsageOverview> => {
      const q = request.query;
      const groupBy = (q.groupBy ?? 'provider') as UsageGroup;
      if (!USAGE_GROUPS.includes(groupBy)) {
        throw new AigwError(ERRORS.invalidQuery, `groupBy must be one of ${USAGE_GROUPS.join(', ')}`, { field: 'groupBy' });
      }
      const endTime = readTime(q, 'endTime') ?? new Date().toISOString();
      const startTime =
        readTime(q, 'startTime') ?? new Date(Date.parse(endTime.slice(0, 10)) - (OVERVIEW_DEFAULT_DAYS - 1) * DAY_MS).toISOString();
      const rows = await usage.overview({ startTime, endTime, groupBy });
      const buckets = rows.map((r) => ({ bucketStart: `${r.day}T00:00:00Z`, groupKey: r.groupKey, ...amounts(r) }));
      const totals = amounts({
        costUsd: rows.reduce((n, r) => n + r.costUsd, 0),
        requests: rows.reduce((n, r) => n + r.requests, 0),
        errors: rows.reduce((n, r) => n + r.errors, 0),
        unpricedRequests: rows.reduce((n, r) => n + r.unpricedRequests, 0),
        inputTokens: rows.reduce((n, r) => n + r.inputTokens, 0),
        outputTokens: rows.reduce((n, r) => n + r.outputTokens, 0),
      });
      const uri = `${PATH}/overview?${new URLSearchParams({ startTime, endTime, groupBy })}`;
      return { uri, startTime, endTime, groupBy, buckets, totals };
    });
  };
}
