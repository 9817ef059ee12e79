import type { FastifyPluginAsync } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { UsageEvent, UsageList, UsageOverview } from '../../core/gateway-api.js';
import type { UsageEventRecord, UsageService } from '../../app/usage.js';
import { listUris } from './pagination.js';
import { readBoolean, readPageParams, readTime, type Query } from './query.js';

const PATH = '/usage';
/** aigw does not know prices; the field is there because ngrok's shape has it. */
const NO_COST = '0.00000';
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
    reasoningTokens: e.reasoningTokens,
    totalCost: NO_COST,
    keySource: 'user',
    ...(e.providerKeyId ? { providerKeyId: e.providerKeyId, providerKeyDisplayName: e.providerKeyRedacted ?? '' } : {}),
    latencyMs: e.latencyMs,
    error: e.error,
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
      const groupBy = q.groupBy ?? 'provider';
      if (groupBy !== 'provider' && groupBy !== 'accessKey') {
        throw new AigwError(ERRORS.invalidQuery, 'groupBy must be provider or accessKey', { field: 'groupBy' });
      }
      const endTime = readTime(q, 'endTime') ?? new Date().toISOString();
      const startTime =
        readTime(q, 'startTime') ?? new Date(Date.parse(endTime.slice(0, 10)) - (OVERVIEW_DEFAULT_DAYS - 1) * DAY_MS).toISOString();
      const rows = await usage.overview({ startTime, endTime, groupBy });
      const buckets = rows.map((r) => ({
        bucketStart: `${r.day}T00:00:00Z`,
        groupKey: r.groupKey,
        cost: NO_COST,
        requests: r.requests,
        errors: r.errors,
      }));
      const totals = {
        cost: NO_COST,
        requests: buckets.reduce((n, b) => n + b.requests, 0),
        errors: buckets.reduce((n, b) => n + b.errors, 0),
      };
      const uri = `${PATH}/overview?${new URLSearchParams({ startTime, endTime, groupBy })}`;
      return { uri, startTime, endTime, groupBy, buckets, totals };
    });
  };
}
