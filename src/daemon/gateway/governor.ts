import type { Clock, LimitUsage } from '../../app/ports.js';
import { budgetPeriod, formatUsd as usd, type Budget, type RateLimitUse, type SpendView } from '../../core/budgets.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { Store, UsageDraft } from '../../store/types.js';
import type { Logger } from '../log.js';
import type { GatewayAccessKey, RoutingSnapshot, ScopeLimits } from './snapshot.js';

/** How long a busy scope's spend may go without being read again from the Store (other replicas' attempts). */
const RECONCILE_MS = 5_000;
const WINDOW_SECONDS = 60;
/** How long a snapshot change waits for the spend of its new budgets before requests see it. */
const LOAD_WAIT_MS = 2_000;

/** A sum over the last 60 seconds, in one-second buckets: O(1) to add to and to read. */
class MinuteWindow {
  private readonly buckets = new Float64Array(WINDOW_SECONDS);
  private second = 0;
  private total = 0;

  private advance(nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    if (now - this.second >= WINDOW_SECONDS) {
      this.buckets.fill(0);
      this.total = 0;
    } else {
      for (let s = this.second + 1; s <= now; s++) {
        this.total -= this.buckets[s % WINDOW_SECONDS]!;
        this.buckets[s % WINDOW_SECONDS] = 0;
      }
    }
    // A clock that went back stays in the newest second seen.
    this.second = Math.max(now, this.second);
    return this.second;
  }

  sum(nowMs: number): number {
    this.advance(nowMs);
    return this.total;
  }

  add(nowMs: number, n: number): void {
    const now = this.advance(nowMs);
    this.buckets[now % WINDOW_SECONDS]! += n;
    this.total += n;
  }

  /** Whole seconds until the sum drops below `limit` (at least 1). */
  secondsUntilBelow(nowMs: number, limit: number): number {
    const now = this.advance(nowMs);
    let total = this.total;
    for (let s = now - WINDOW_SECONDS + 1; s <= now; s++) {
      total -= this.buckets[((s % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS]!;
      if (total < limit) return Math.max(1, s + WINDOW_SECONDS - Math.floor(nowMs / 1000));
    }
    return WINDOW_SECONDS;
  }
}

/** One budget and rate-limit scope (an access key, or a configuration and the keys linked to it). */
interface Scope {
  limits: ScopeLimits;
  /** The access keys whose attempts it counts. */
  members: string[];
  periodStart: number;
  periodEnd: number;
  /** Spend read from the Store at the last reconcile. */
  stored: number;
  /** Known costs charged here since the running reconcile began (its read may miss them) and since it ended. */
  settlingBefore: number;
  settled: number;
  /** What answered attempts of unknown cost were charged (their reservation); the Store holds their cost as unknown. */
  estimated: number;
  /** The reservations of requests admitted and not finished. */
  reserved: number;
  softWarned: boolean;
  reconciledAt: number;
  reconciling: boolean;
  requests: MinuteWindow | undefined;
  tokens: MinuteWindow | undefined;
  inFlight: number;
}

/** What one admitted request holds: released and charged when it finishes. */
export interface Ticket {
  scopes: Scope[];
  reservationUsd: number;
  released: boolean;
}

export interface LimitRefusal {
  error: AigwError;
  retryAfterSeconds?: number;
}

const PERIOD_WORDS = { day: 'daily', week: 'weekly', month: 'monthly', none: 'one-off' } as const;
const spendOf = (s: Scope) => s.stored + s.settlingBefore + s.settled + s.estimated;
const iso = (ms: number) => new Date(ms).toISOString();

function describe(limits: ScopeLimits): { what: string; command: string } {
  return limits.kind === 'accessKey'
    ? { what: `access key ${limits.id}`, command: `aigw access-keys update ${limits.id}` }
    : { what: `configuration ${limits.id}`, command: `aigw configs update ${limits.id}` };
}

/**
 * Budgets and rate limits, enforced in memory: the hot path never awaits the database. A request is admitted
 * only while each of its scopes has spend plus the reservations of the requests in flight below its budget,
 * and under its rate limits; admission and reservation happen in one synchronous step, so requests racing
 * cannot all pass a nearly spent budget. Spend is loaded from the Store (Store.spendSince) when a scope
 * appears or its period changes, and read again at most every RECONCILE_MS while the scope is busy, which
 * is how gateways sharing one database see each other's spend.
 */
export class Governor implements LimitUsage {
  private scopes = new Map<string, Scope>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Pick<Store, 'spendSince'>,
    private readonly flushUsage: () => Promise<void>,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Follows a new snapshot: keeps the counters of scopes that stay, loads the spend of new or changed ones. */
  async prepare(snapshot: RoutingSnapshot): Promise<void> {
    const now = this.clock.nowMs();
    const next = new Map<string, { limits: ScopeLimits; members: string[] }>();
    for (const key of snapshot.accessKeys.values()) {
      for (const limits of key.limits ?? []) {
        const entry = next.get(limits.id) ?? { limits, members: [] };
        entry.members.push(key.id);
        next.set(limits.id, entry);
      }
    }
    const scopes = new Map<string, Scope>();
    const load: Scope[] = [];
    for (const [id, { limits, members }] of next) {
      const before = this.scopes.get(id);
      const scope = before ?? this.newScope(limits, now);
      // Members come in the snapshot's order (by id), so a changed list is a changed membership.
      const reload = !before || before.members.join() !== members.join() || before.limits.budget?.period !== limits.budget?.period;
      scope.limits = limits;
      scope.members = members;
      if (limits.rateLimits) {
        scope.requests ??= new MinuteWindow();
        scope.tokens ??= new MinuteWindow();
      } else {
        scope.requests = scope.tokens = undefined;
      }
      if (limits.budget && (reload || !before.limits.budget)) {
        this.startPeriod(scope, limits.budget, now);
        load.push(scope);
      }
      scopes.set(id, scope);
    }
    this.scopes = scopes;
    if (load.length === 0) return;
    // A Store that is slow to answer must not hold up management writes: the read goes on in the background.
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOAD_WAIT_MS)));
    await Promise.race([this.reconcile(load), waited]);
    clearTimeout(timer);
  }

  private newScope(limits: ScopeLimits, now: number): Scope {
    const scope: Scope = {
      limits,
      members: [],
      periodStart: 0,
      periodEnd: Number.POSITIVE_INFINITY,
      stored: 0,
      settlingBefore: 0,
      settled: 0,
      estimated: 0,
      reserved: 0,
      softWarned: false,
      reconciledAt: now,
      reconciling: false,
      requests: undefined,
      tokens: undefined,
      inFlight: 0,
    };
    return scope;
  }

  private startPeriod(scope: Scope, budget: Budget, now: number): void {
    const { start, end } = budgetPeriod(budget.period, now);
    scope.periodStart = start;
    scope.periodEnd = end;
    scope.stored = scope.settlingBefore = scope.settled = scope.estimated = 0;
    scope.softWarned = false;
  }

  /** Reads the scopes' spend from the Store again, one reconcile at a time; never throws. */
  private reconcile(scopes: Scope[]): Promise<void> {
    for (const s of scopes) s.reconciling = true;
    const run = async () => {
      for (const s of scopes) {
        s.settlingBefore += s.settled;
        s.settled = 0;
      }
      try {
        // Every attempt charged before this point is in the Store once the flush resolves.
        await this.flushUsage();
        for (const s of scopes) {
          const start = s.periodStart;
          const rows = await this.store.spendSince({ since: iso(start), accessKeyIds: s.members });
          if (s.periodStart !== start) continue;
          s.stored = rows.reduce((sum, r) => sum + r.costUsd, 0);
          s.settlingBefore = 0;
          this.warnIfSoft(s);
        }
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'could not read budget spend from the store; counting from memory until the next try');
      } finally {
        const now = this.clock.nowMs();
        for (const s of scopes) {
          s.reconciling = false;
          s.reconciledAt = now;
        }
      }
    };
    this.queue = this.queue.then(run);
    return this.queue;
  }

  private warnIfSoft(s: Scope): void {
    const soft = s.limits.budget?.softLimitUsd;
    if (soft === undefined || s.softWarned || spendOf(s) < soft) return;
    s.softWarned = true;
    const { what } = describe(s.limits);
    this.log.warn(
      { scope: s.limits.kind, id: s.limits.id, spentUsd: spendOf(s), softLimitUsd: soft, amountUsd: s.limits.budget!.amountUsd },
      `the budget of ${what} passed its soft limit`,
    );
  }

  /**
   * Admits a request or says why not. `reservationUsd` says what the request may cost at most, or which of
   * its models has no price; it is asked only when a scope has a budget.
   */
  admit(key: GatewayAccessKey, reservationUsd: () => { usd: number } | { unpriced: string }): Ticket | LimitRefusal {
    const now = this.clock.nowMs();
    const scopes: Scope[] = [];
    let reservation: number | undefined;
    for (const limits of key.limits!) {
      const scope = this.scopes.get(limits.id);
      if (!scope) continue;
      const refused = this.checkRates(scope, now);
      if (refused) return refused;
      if (scope.limits.budget) {
        if (reservation === undefined) {
          const estimate = reservationUsd();
          if ('unpriced' in estimate) return this.unpriced(scope, estimate.unpriced);
          reservation = estimate.usd;
        }
        if (scope.periodEnd <= now) {
          this.startPeriod(scope, scope.limits.budget, now);
          void this.reconcile([scope]);
        } else if (!scope.reconciling && now - scope.reconciledAt > RECONCILE_MS) {
          void this.reconcile([scope]);
        }
        const refusedBudget = this.checkBudget(scope);
        if (refusedBudget) return refusedBudget;
      }
      scopes.push(scope);
    }
    const usd = reservation ?? 0;
    for (const scope of scopes) {
      scope.inFlight++;
      scope.requests?.add(now, 1);
      scope.reserved += usd;
    }
    return { scopes, reservationUsd: usd, released: false };
  }

  private checkRates(scope: Scope, now: number): LimitRefusal | undefined {
    const limits = scope.limits.rateLimits;
    if (!limits) return undefined;
    const { what, command } = describe(scope.limits);
    if (limits.maxConcurrent !== undefined && scope.inFlight >= limits.maxConcurrent) {
      const error = new AigwError(
        ERRORS.concurrencyLimited,
        `${what} has ${scope.inFlight} requests in flight, its limit (maxConcurrent ${limits.maxConcurrent}); retry when one finishes, or raise it: \`${command} --max-concurrent N\``,
        { scopeId: scope.limits.id, maxConcurrent: String(limits.maxConcurrent) },
      );
      return { error, retryAfterSeconds: 1 };
    }
    if (scope.requests && limits.requestsPerMinute !== undefined && scope.requests.sum(now) >= limits.requestsPerMinute) {
      const retryAfterSeconds = scope.requests.secondsUntilBelow(now, limits.requestsPerMinute);
      const error = new AigwError(
        ERRORS.requestRateLimited,
        `${what} made ${limits.requestsPerMinute} requests in the last minute, its limit (requestsPerMinute); retry in ${retryAfterSeconds} s, or raise it: \`${command} --rpm N\``,
        { scopeId: scope.limits.id, requestsPerMinute: String(limits.requestsPerMinute) },
      );
      return { error, retryAfterSeconds };
    }
    if (scope.tokens && limits.tokensPerMinute !== undefined && scope.tokens.sum(now) >= limits.tokensPerMinute) {
      const retryAfterSeconds = scope.tokens.secondsUntilBelow(now, limits.tokensPerMinute);
      const error = new AigwError(
        ERRORS.tokenRateLimited,
        `${what} used ${scope.tokens.sum(now)} tokens in the last minute, at least its limit of ${limits.tokensPerMinute} (tokensPerMinute); retry in ${retryAfterSeconds} s, or raise it: \`${command} --tpm N\``,
        { scopeId: scope.limits.id, tokensPerMinute: String(limits.tokensPerMinute) },
      );
      return { error, retryAfterSeconds };
    }
    return undefined;
  }

  private checkBudget(scope: Scope): LimitRefusal | undefined {
    const budget = scope.limits.budget!;
    const spent = spendOf(scope);
    if (spent + scope.reserved < budget.amountUsd) return undefined;
    const { what, command } = describe(scope.limits);
    const resets = budget.period === 'none' ? 'it never resets (period none)' : `it resets at ${iso(scope.periodEnd)}`;
    const inFlight = spent < budget.amountUsd ? ` (with ${usd(scope.reserved)} reserved by requests in flight)` : '';
    const error = new AigwError(
      ERRORS.budgetExceeded,
      `the ${PERIOD_WORDS[budget.period]} budget of ${what} is spent: ${usd(spent)} of ${usd(budget.amountUsd)}${inFlight}; ${resets}; raise it with \`${command} --budget N\``,
      {
        scopeId: scope.limits.id,
        amountUsd: String(budget.amountUsd),
        spentUsd: String(spent),
        resetsAt: budget.period === 'none' ? '' : iso(scope.periodEnd),
      },
    );
    return { error };
  }

  private unpriced(scope: Scope, model: string): LimitRefusal {
    const { what } = describe(scope.limits);
    const error = new AigwError(
      ERRORS.budgetModelUnpriced,
      `${model} has no price, so the budget of ${what} cannot count what it costs; set one: \`aigw prices set ${model} --input USD_PER_MTOK --output USD_PER_MTOK\``,
      { scopeId: scope.limits.id, model },
    );
    return { error };
  }

  /**
   * Charges a finished request's attempts and frees what it held. An answered attempt whose cost is unknown
   * (a stream cut short, a client that left) is charged its reservation: a budget must not be dodged by
   * hanging up before the usage is reported. Called again for the same ticket, it only charges.
   */
  settle(ticket: Ticket, events: readonly UsageDraft[]): void {
    for (const scope of ticket.scopes) {
      if (!ticket.released) {
        scope.inFlight--;
        scope.reserved -= ticket.reservationUsd;
      }
      if (events.length === 0) continue;
      for (const e of events) {
        if (scope.tokens && e.tokensKnown) scope.tokens.add(e.timeMs, e.inputTokens + e.outputTokens);
        if (!scope.limits.budget || e.timeMs < scope.periodStart) continue;
        if (e.costUsd !== null) scope.settled += e.costUsd;
        else if (e.statusCode >= 200 && e.statusCode < 300) scope.estimated += ticket.reservationUsd;
      }
      if (scope.limits.budget) this.warnIfSoft(scope);
    }
    ticket.released = true;
  }

  spend(scopeId: string): SpendView | undefined {
    const scope = this.scopes.get(scopeId);
    const budget = scope?.limits.budget;
    if (!scope || !budget) return undefined;
    const now = this.clock.nowMs();
    // A period that ended with no request since shows as the new one.
    const { start, end } = scope.periodEnd <= now ? budgetPeriod(budget.period, now) : { start: scope.periodStart, end: scope.periodEnd };
    const spent = scope.periodEnd <= now ? 0 : spendOf(scope);
    const none = budget.period === 'none';
    return {
      period: budget.period,
      periodStart: none ? null : iso(start),
      resetsAt: none ? null : iso(end),
      spentUsd: spent,
      remainingUsd: Math.max(0, budget.amountUsd - spent),
      reservedUsd: scope.reserved,
      softLimitReached: budget.softLimitUsd !== undefined && spent >= budget.softLimitUsd,
      budgetReached: spent >= budget.amountUsd,
    };
  }

  rateLimitUse(scopeId: string): RateLimitUse | undefined {
    const scope = this.scopes.get(scopeId);
    if (!scope?.limits.rateLimits) return undefined;
    const now = this.clock.nowMs();
    return { requestsLastMinute: scope.requests?.sum(now) ?? 0, tokensLastMinute: scope.tokens?.sum(now) ?? 0, inFlight: scope.inFlight };
  }
}
