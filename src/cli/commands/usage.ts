import { USAGE_GROUPS, type UsageBucket as Bucket, type UsageEvent, type UsageGroup, type UsageList, type UsageOverview as Overview } from '../../core/gateway-api.js';
import { handler, integerFlag, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { lazySubcommands } from '../lazy-commands.js';
import { usageError } from '../errors.js';
import type { View } from '../io.js';
import { fetchPages } from '../resource.js';

const status = (e: UsageEvent) => (e.statusCode ? String(e.statusCode) : e.timedOut ? 'timeout' : 'error');

const eventView: View<UsageEvent> = {
  id: (e) => e.id,
  columns: [
    { header: 'TIME', field: 'eventTime', value: (e, io) => io.time(e.eventTime) },
    { header: 'REQUEST', field: 'requestId', value: (e) => e.requestId },
    { header: 'ATTEMPT', field: 'attemptNumber', value: (e) => String(e.attemptNumber) },
    { header: 'ACCESS KEY', field: 'accessKeyId', value: (e) => e.accessKeyId ?? (e.keySource === 'passthrough' ? 'passthrough' : '') },
    { header: 'MODEL', field: 'model', value: (e) => `${e.provider}:${e.model}` },
    { header: 'PROVIDER KEY', field: 'providerKeyDisplayName', value: (e) => e.providerKeyDisplayName ?? '' },
    { header: 'STATUS', field: 'statusCode', value: (e, io) => (e.isError ? io.red(status(e)) : status(e)) },
    { header: 'TOKENS IN/OUT', field: 'tokens', value: (e) => (e.tokensKnown ? `${e.inputTokens}/${e.outputTokens}` : 'unknown') },
    { header: 'COST', field: 'totalCost', value: (e) => (e.costKnown ? `$${e.totalCost}` : 'unknown') },
    { header: 'LATENCY', field: 'latencyMs', value: (e) => `${e.latencyMs}ms` },
  ],
  details: [],
};

const bucketView: View<Bucket> = {
  id: (b) => `${b.bucketStart}\t${b.groupKey}`,
  columns: [
    { header: 'DAY', field: 'bucketStart', value: (b) => b.bucketStart.slice(0, 10) },
    { header: 'GROUP', field: 'groupKey', value: (b) => b.groupKey },
    { header: 'REQUESTS', field: 'requests', value: (b) => String(b.requests) },
    { header: 'ERRORS', field: 'errors', value: (b) => String(b.errors) },
    { header: 'TOKENS IN/OUT', field: 'tokens', value: (b) => `${b.inputTokens}/${b.outputTokens}` },
    { header: 'COST', field: 'cost', value: (b) => `$${b.cost}` },
    { header: 'UNPRICED', field: 'unpricedRequests', value: (b) => String(b.unpricedRequests) },
  ],
  details: [],
};

const BAR_WIDTH = 40;
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A bar of `fraction` (0 to 1) of BAR_WIDTH cells, to an eighth of a cell. */
export function bar(fraction: number): string {
  const eighths = Math.round(Math.min(Math.max(fraction, 0), 1) * BAR_WIDTH * 8);
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
}

/** The daily spend, every group together, as one bar per day (days without traffic included, at zero). */
export function spendChart(overview: Pick<Overview, 'startTime' | 'endTime' | 'buckets'>): string[] {
  const byDay = new Map<string, number>();
  for (let day = Date.parse(overview.startTime.slice(0, 10)); day < Date.parse(overview.endTime); day += UNIT_MS.d!) {
    byDay.set(new Date(day).toISOString().slice(0, 10), 0);
  }
  for (const b of overview.buckets) byDay.set(b.bucketStart.slice(0, 10), (byDay.get(b.bucketStart.slice(0, 10)) ?? 0) + Number(b.cost));
  const most = Math.max(...byDay.values());
  return [...byDay].map(([day, cost]) => `${day} ${bar(most > 0 ? cost / most : 0).padEnd(BAR_WIDTH)} $${cost.toFixed(4)}`);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An RFC 3339 time, or a span back from now such as 30m, 24h or 7d. */
export function parseTime(flag: string, value: string | undefined, now = Date.now()): string | undefined {
  if (value === undefined) return undefined;
  const span = /^(\d+)([smhd])$/.exec(value);
  if (span) return new Date(now - Number(span[1]) * UNIT_MS[span[2]!]!).toISOString();
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(Date.parse(value)).toISOString();
  throw usageError(`${flag} must be an RFC 3339 time (2025-01-31T00:00:00Z) or a span back from now (30m, 24h, 7d)`);
}

function listFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--start-time <time>', 'only events at or after this time (RFC 3339, or 30m, 24h, 7d ago)')
    .option('--end-time <time>', 'only events before this time')
    .option('--access-key-id <id>', 'only requests made with this access key')
    .option('--include-retries', 'also show the attempts that failed over')
    .option('--limit <n>', 'at most this many events (1-100)', integerFlag('--limit'))
    .option('--cursor <id>', 'start after this event id (the next page)')
    .option('--all', 'follow every page');
}

async function list({ io, api }: Factory, options: FlagOptions<typeof listFlags<[], {}, {}>>): Promise<void> {
  const query = new URLSearchParams();
  const set = (name: string, value: string | undefined) => value !== undefined && query.set(name, value);
  set('startTime', parseTime('--start-time', options.startTime));
  set('endTime', parseTime('--end-time', options.endTime));
  set('accessKeyId', options.accessKeyId);
  if (options.includeRetries) query.set('includeRetries', 'true');
  set('limit', options.limit === undefined ? undefined : String(options.limit));
  set('cursor', options.cursor);
  const client = api();
  const { items, last, document } = await fetchPages<UsageEvent, UsageList>(client, `/usage?${query}`, 'aiGatewayUsage', options.all);
  await io.printList(document, items, eventView);
  if (io.format === 'table' && last.nextPageUri) io.note(io.dim(`More events: --cursor ${items.at(-1)!.id}, or --all`));
}

async function overview({ io, api }: Factory, options: FlagOptions<typeof overviewFlags<[], {}, {}>>): Promise<void> {
  const groupBy = (options.groupBy ?? 'provider') as UsageGroup;
  if (!USAGE_GROUPS.includes(groupBy)) throw usageError(`--group-by must be one of ${USAGE_GROUPS.join(', ')}`);
  const query = new URLSearchParams({ groupBy });
  const start = parseTime('--start-time', options.startTime);
  const end = parseTime('--end-time', options.endTime);
  if (start) query.set('startTime', start);
  if (end) query.set('endTime', end);
  const client = api();
  const result = await client.request<Overview>('GET', `/usage/overview?${query}`);
  await io.printList(result, result.buckets, bucketView);
  if (io.format === 'table') {
    const t = result.totals;
    const unpriced = t.unpricedRequests ? ` (${t.unpricedRequests} requests of unknown cost not included)` : '';
    if (io.stdoutIsTTY) for (const line of ['', 'Daily spend:', ...spendChart(result)]) io.out(line);
    io.note(`Total: ${t.requests} requests, ${t.errors} errors, $${t.cost}${unpriced}`);
  }
}

function overviewFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--start-time <time>', 'from this time (RFC 3339, or 30m, 24h, 7d ago)')
    .option('--end-time <time>', 'until this time (default now)')
    .option('--group-by <dimension>', `${USAGE_GROUPS.join(', ')} (default provider)`);
}

export function registerUsage(program: Program): void {
  const usage = program.command('usage').description("the gateway's usage: one event per upstream attempt, and daily totals");
  lazySubcommands(usage, () => {
    listFlags(usage.command('list').alias('ls').description('list usage events, newest first (final attempts only unless --include-retries)')).action(
      handler(list),
    );
    overviewFlags(
      usage
        .command('overview')
        .description('requests, errors, tokens and cost per day, by provider, access key, provider key or model (default: the last 7 days)'),
    ).action(handler(overview));
  });
}
