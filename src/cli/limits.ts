import { AigwError } from '../core/errors.js';
import { checkBudget as checkBudgetFields, formatUsd as usd, checkRateLimits as checkRateLimitFields, type Budget, type RateLimits, type RateLimitUse, type SpendView } from '../core/budgets.js';
import type { FlagOptions } from './command.js';
import type { Command, OptionValues } from './commander.js';
import type { Column } from './io.js';
import { usageError } from './errors.js';

/** What a resource with limits shows (the API's fields). */
export interface Limited {
  budget?: Budget | null;
  rateLimits?: RateLimits | null;
  spend?: SpendView | null;
  rateLimitUse?: RateLimitUse | null;
}

/** The budget and rate-limit flags of `access-keys` and `configs` create and update. */
export function limitFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>, what: string) {
  return command
    .option('--budget <usd>', `the ${what}'s budget in USD per period (past it the gateway refuses requests)`)
    .option('--budget-period <period>', 'day, week or month (UTC), or none for a one-off allowance; default month')
    .option('--budget-soft <usd>', 'a soft limit below the budget: the daemon logs a warning once per period past it')
    .option('--rpm <n>', 'at most this many requests per minute')
    .option('--tpm <n>', 'at most this many tokens (input plus output, as reported) per minute')
    .option('--max-concurrent <n>', 'at most this many requests in flight at once');
}

/** Update's flags that remove the limits, after limitFlags: commander's negations set `budget` and `rateLimits` to false. */
export function limitRemovalFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command.option('--no-budget', 'remove the budget').option('--no-rate-limits', 'remove every rate limit');
}

/** What the limit checks read: create's limit flags, or update's with their removals. */
export type LimitOptions = Partial<FlagOptions<typeof limitRemovalFlags<[], FlagOptions<typeof limitFlags<[], {}, {}>>, {}>>>;

/** The API's field names in the shared checks' messages, as the flags that set them. */
const FLAG_OF: [string, string][] = [
  ['budget amountUsd', '--budget'],
  ['budget period', '--budget-period'],
  ['budget softLimitUsd', '--budget-soft'],
  ['rateLimits requestsPerMinute', '--rpm'],
  ['rateLimits tokensPerMinute', '--tpm'],
  ['rateLimits maxConcurrent', '--max-concurrent'],
];

function inFlagTerms<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof AigwError)) throw err;
    let message = err.message;
    for (const [field, flag] of FLAG_OF) message = message.replace(field, flag);
    throw new AigwError(err.def, message, err.details);
  }
}

const checkBudget = (input: unknown) => inFlagTerms(() => checkBudgetFields(input));
const checkRateLimits = (input: unknown) => inFlagTerms(() => checkRateLimitFields(input));

/** A number as typed, or the text itself, so the shared check refuses it with its own code. */
function numberOf(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
}

const budgetGiven = (o: LimitOptions) => typeof o.budget === 'string' || o.budgetPeriod !== undefined || o.budgetSoft !== undefined;
const ratesGiven = (o: LimitOptions) => o.rpm !== undefined || o.tpm !== undefined || o.maxConcurrent !== undefined;

/** Whether an update names a limit, so its current values must be read to merge the flags into. */
export function limitFlagsGiven(o: LimitOptions): boolean {
  return budgetGiven(o) || ratesGiven(o) || o.budget === false || o.rateLimits === false;
}

/**
 * The `budget` and `rateLimits` fields the flags describe, checked here as the daemon checks them. On update
 * the flags change only what they name: the rest of the current budget and limits stays.
 */
export function limitFields(o: LimitOptions, current: Limited = {}): { budget?: Budget | null; rateLimits?: RateLimits | null } {
  const out: { budget?: Budget | null; rateLimits?: RateLimits | null } = {};
  if (o.budget === false) {
    if (budgetGiven(o)) throw usageError('--no-budget removes the budget; do not combine it with --budget-period or --budget-soft');
    out.budget = null;
  } else if (budgetGiven(o)) {
    const base: Record<string, unknown> = { period: 'month', ...current.budget };
    if (o.budget !== undefined) base.amountUsd = numberOf(o.budget);
    if (o.budgetPeriod !== undefined) base.period = o.budgetPeriod;
    if (o.budgetSoft !== undefined) base.softLimitUsd = numberOf(o.budgetSoft);
    out.budget = checkBudget(base);
  }
  if (o.rateLimits === false) {
    if (ratesGiven(o)) throw usageError('--no-rate-limits removes every rate limit; do not combine it with --rpm, --tpm or --max-concurrent');
    out.rateLimits = null;
  } else if (ratesGiven(o)) {
    const base: Record<string, unknown> = { ...current.rateLimits };
    if (o.rpm !== undefined) base.requestsPerMinute = numberOf(o.rpm);
    if (o.tpm !== undefined) base.tokensPerMinute = numberOf(o.tpm);
    if (o.maxConcurrent !== undefined) base.maxConcurrent = numberOf(o.maxConcurrent);
    out.rateLimits = checkRateLimits(base);
  }
  return out;
}


function budgetText(b: Budget | null | undefined): string {
  if (!b) return 'none';
  const per = b.period === 'none' ? 'one-off' : `per ${b.period} (UTC)`;
  return `${usd(b.amountUsd)} ${per}${b.softLimitUsd === undefined ? '' : `, soft limit ${usd(b.softLimitUsd)}`}`;
}

function spendText(s: SpendView | null | undefined): string {
  if (!s) return '';
  const state = s.budgetReached ? ' — budget reached' : s.softLimitReached ? ' — past the soft limit' : '';
  const resets = s.resetsAt ? `, resets ${s.resetsAt}` : ', never resets';
  return `${usd(s.spentUsd)} spent, ${usd(s.remainingUsd)} left${resets}${state}`;
}

function ratesText(r: RateLimits | null | undefined): string {
  if (!r) return 'none';
  const parts: string[] = [];
  if (r.requestsPerMinute !== undefined) parts.push(`${r.requestsPerMinute} requests/min`);
  if (r.tokensPerMinute !== undefined) parts.push(`${r.tokensPerMinute} tokens/min`);
  if (r.maxConcurrent !== undefined) parts.push(`${r.maxConcurrent} at once`);
  return parts.join(', ');
}

function useText(u: RateLimitUse | null | undefined): string {
  return u ? `${u.requestsLastMinute} requests and ${u.tokensLastMinute} tokens in the last minute, ${u.inFlight} in flight` : '';
}

/** The detail rows of a resource's limits and their counters. */
export function limitDetails<T extends Limited>(): Column<T>[] {
  return [
    { header: 'Budget', field: 'budget', value: (r) => budgetText(r.budget) },
    { header: 'Spend', field: 'spend', value: (r) => spendText(r.spend) },
    { header: 'Rate limits', field: 'rateLimits', value: (r) => ratesText(r.rateLimits) },
    { header: 'Rate use', field: 'rateLimitUse', value: (r) => useText(r.rateLimitUse) },
  ];
}

/** The limits of the configuration an access key is linked to, shown beside the key's own in `get`. */
export function configurationLimitDetails<T extends { configurationLimits?: Limited }>(): Column<T>[] {
  const shown = (r: T) => r.configurationLimits !== undefined;
  return [
    { header: 'Configuration budget', field: 'configurationLimits.budget', value: (r) => (shown(r) ? budgetText(r.configurationLimits!.budget) : '') },
    { header: 'Configuration spend', field: 'configurationLimits.spend', value: (r) => spendText(r.configurationLimits?.spend) },
    { header: 'Configuration rate limits', field: 'configurationLimits.rateLimits', value: (r) => (shown(r) ? ratesText(r.configurationLimits!.rateLimits) : '') },
    { header: 'Configuration rate use', field: 'configurationLimits.rateLimitUse', value: (r) => useText(r.configurationLimits?.rateLimitUse) },
  ];
}

/** A list column: whether the budget is reached, or its soft limit. */
export function budgetColumn<T extends Limited>(): Column<T> {
  return {
    header: 'BUDGET',
    field: 'spend',
    value: (r) => (!r.spend ? '' : r.spend.budgetReached ? 'reached' : r.spend.softLimitReached ? 'soft limit' : `${usd(r.spend.remainingUsd)} left`),
    optional: true,
  };
}
