import { randomUUID } from 'node:crypto';
import type { Clock, LimitUsage } from '../../app/ports.js';
import { budgetPeriod, formatUsd as usd, type Budget, type RateLimitUse, type SpendView } from '../../core/budgets.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { RemoteLimitCounts, ReplicaLimitCounts, Store, UsageDraft } from '../../store/types.js';
import type { Logger } from '../log.js';
import type { GatewayAccessKey, RoutingSnapshot, ScopeLimits } from './snapshot.js';

/** How long a busy scope's spend may go without being read again from the Store (other replicas' attempts). */
const RECONCILE_MS = 5_000;
const WINDOW_SECONDS = 60;
/** How long a snapshot change waits for the spend of its new budgets before requests see it. */
const LOAD_WAIT_MS = 2_000;
/** How often the counts are exchanged with other replicas sharing the Store (Store.exchangeLimitCounts). */
const EXCHANGE_MS = 1_000;
/** Another replica's counts older than this are not counted: it stopped, or cannot reach the database. */
const REPLICA_LIVE_MS = 5_000;
/**
 * Exchanges a scope is still published for once it has nothing left to count: a reader must see the report
 * that all of it is in the Store (one exchange may fall between two of the reader's), or it never reads it.
 */
const QUIET_EXCHANGES = 3;

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

  /** Adds `n` to the count of an epoch second, if it is still in the window (a later one counts as now). */
  addAt(nowMs: number, second: number, n: number): void {
    const now = this.advance(nowMs);
    if (second <= now - WINDOW_SECONDS) return;
    this.buckets[Math.min(second, now) % WINDOW_SECONDS]! += n;
    this.total += n;
  }

  clear(): void {
    this.buckets.fill(0);
    this.total = 0;
  }

  /** The counts of the window's seconds, oldest first, ending at the second returned. */
  counts(nowMs: number): { second: number; counts: number[] } {
    const now = this.advance(nowMs);
    const counts: number[] = [];
    for (let s = now - WINDOW_SECONDS + 1; s <= now; s++) counts.push(this.buckets[((s % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS]!);
    return { second: now, counts };
  }

  /** Whole seconds until this sum and `other`'s (other replicas') drop below `limit` (at least 1). */
  secondsUntilBelow(nowMs: number, limit: number, other: MinuteWindow): number {
    const now = this.advance(nowMs);
    other.advance(nowMs);
    let total = this.total + other.total;
    for (let s = now - WINDOW_SECONDS + 1; s <= now; s++) {
      const bucket = ((s % WINDOW_SECONDS) + WINDOW_SECONDS) % WINDOW_SECONDS;
      total -= this.buckets[bucket]! + other.buckets[bucket]!;
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
  /** Known costs charged here in the period, and how much of that the Store was seen to hold (a flush resolved). */
  charged: number;
  chargedStored: number;
  /** Exchanges since the scope last had something to count (see QUIET_EXCHANGES). */
  quietExchanges: number;
  /** The other live replicas' counts (see Store.exchangeLimitCounts), as of the last exchange. */
  remote: RemoteFigures;
}

/** What the other replicas sharing the Store count for one scope; all zero when nothing is shared. */
interface RemoteFigures {
  requests: MinuteWindow | undefined;
  tokens: MinuteWindow | undefined;
  inFlight: number;
  reserved: number;
  /** What the other replicas charged in the period that the last Store read may not hold. */
  spend: number;
  /** Each replica's charges in the period, and what of them it said the Store holds. */
  charges: Map<string, { charged: number; stored: number }>;
  /** Per replica, what of its charges the last Store read (Scope.stored) already holds. */
  inStored: Map<string, number>;
  /** The charges of replicas that stopped publishing since the last Store read, still to be counted until the next. */
  departed: number;
}

function noRemote(): RemoteFigures {
  return { requests: undefined, tokens: undefined, inFlight: 0, reserved: 0, spend: 0, charges: new Map(), inStored: new Map(), departed: 0 };
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
const spendOf = (s: Scope) => s.stored + s.settlingBefore + s.settled + s.estimated + s.remote.spend;
const reservedOf = (s: Scope) => s.reserved + s.remote.reserved;
const inFlightOf = (s: Scope) => s.inFlight + s.remote.inFlight;
const iso = (ms: number) => new Date(ms).toISOString();
/** For a refusal's message: how much of a count other replicas hold, when they hold some. */
const elsewhere = (n: number, shown: (n: number) => string = String) => (n > 0 ? `, ${shown(n)} of them through other replicas` : '');

/** A window's counts from the first second that counted anything. */
function trimmed(window: { second: number; counts: number[] }): { second: number; counts: number[] } {
  const first = window.counts.findIndex((n) => n !== 0);
  return { second: window.second, counts: first < 0 ? [] : window.counts.slice(first) };
}

/** Adds another replica's per-second counts, the last of them for `second`. */
function addCounts(window: MinuteWindow | undefined, now: number, second: number, counts: readonly number[]): void {
  if (!window) return;
  for (let i = 0; i < counts.length; i++) if (counts[i]) window.addAt(now, second - counts.length + 1 + i, counts[i]!);
}

/** Other replicas' charges in the period beyond what the last Store read holds of them. */
function remoteSpend(remote: RemoteFigures): number {
  let spend = remote.departed;
  for (const [replica, c] of remote.charges) spend += Math.max(0, c.charged - (remote.inStored.get(replica) ?? 0));
  return spend;
}

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
 * appears or its period changes, and read again at most every RECONCILE_MS while the scope is busy.
 *
 * Gateways sharing one Store (replicas on PostgreSQL) also exchange their counts every EXCHANGE_MS, on a
 * timer (Store.exchangeLimitCounts): each publishes its minute windows, requests in flight, reservations and
 * what it charged that the Store may not hold yet, and admission adds the other live replicas' figures to
 * its own, so every limit is counted once across replicas, as of the last exchange.
 */
export class Governor implements LimitUsage {
  private scopes = new Map<string, Scope>();
  private queue: Promise<void> = Promise.resolve();
  /** Names this daemon's counts among the replicas' (a new one each start: a restarted daemon's old counts expire). */
  private readonly replicaId = randomUUID();
  private exchangeTimer: NodeJS.Timeout | undefined;
  private exchanging: Promise<void> | undefined;
  private published = false;
  private exchangeFailing = false;
  /** When the last exchange answered, on the real clock (liveness is the database's business, not the test clock's). */
  private exchangedAt = 0;

  constructor(
    private readonly store: Pick<Store, 'spendSince' | 'exchangeLimitCounts'>,
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
        scope.remote.requests ??= new MinuteWindow();
        scope.remote.tokens ??= new MinuteWindow();
      } else {
        scope.requests = scope.tokens = scope.remote.requests = scope.remote.tokens = undefined;
      }
      if (limits.budget && (reload || !before.limits.budget)) {
        this.startPeriod(scope, limits.budget, now);
        load.push(scope);
      }
      scopes.set(id, scope);
    }
    this.scopes = scopes;
    this.scheduleExchange();
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
      charged: 0,
      chargedStored: 0,
      quietExchanges: QUIET_EXCHANGES,
      remote: noRemote(),
    };
    return scope;
  }

  private startPeriod(scope: Scope, budget: Budget, now: number): void {
    const { start, end } = budgetPeriod(budget.period, now);
    scope.periodStart = start;
    scope.periodEnd = end;
    scope.stored = scope.settlingBefore = scope.settled = scope.estimated = 0;
    scope.charged = scope.chargedStored = 0;
    const { remote } = scope;
    remote.spend = remote.departed = 0;
    remote.charges.clear();
    remote.inStored.clear();
    scope.softWarned = false;
  }

  /** Reads the scopes' spend from the Store again, one reconcile at a time; never throws. */
  private reconcile(scopes: Scope[]): Promise<void> {
    for (const s of scopes) s.reconciling = true;
    const run = async () => {
      // What other replicas said the Store holds, before it is read: the read holds at least that much of theirs.
      const remoteMarks = scopes.map(({ remote }) => ({
        inStored: new Map([...remote.charges].map(([replica, c]) => [replica, c.stored])),
        departed: remote.departed,
      }));
      for (const s of scopes) {
        s.settlingBefore += s.settled;
        s.settled = 0;
      }
      try {
        // Every attempt charged before this point is in the Store once the flush resolves.
        await this.flushUsage();
        for (const [i, s] of scopes.entries()) {
          const start = s.periodStart;
          const rows = await this.store.spendSince({ since: iso(start), accessKeyIds: s.members });
          if (s.periodStart !== start) continue;
          s.stored = rows.reduce((sum, r) => sum + r.costUsd, 0);
          s.settlingBefore = 0;
          s.remote.inStored = remoteMarks[i]!.inStored;
          s.remote.departed -= remoteMarks[i]!.departed;
          s.remote.spend = remoteSpend(s.remote);
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

  /** Exchanges counts on a timer while some scope has limits and the Store is shared; a SQLite Store has no timer. */
  private scheduleExchange(): void {
    if (!this.store.exchangeLimitCounts) return;
    if (this.scopes.size > 0 && !this.exchangeTimer) {
      this.exchangeTimer = setInterval(() => void this.exchange(), EXCHANGE_MS);
      this.exchangeTimer.unref();
    } else if (this.scopes.size === 0 && this.exchangeTimer) {
      clearInterval(this.exchangeTimer);
      this.exchangeTimer = undefined;
    }
  }

  /** Publishes this replica's counts of the scopes it has something to count for, and takes in the others'; never throws. */
  private exchange(): Promise<void> {
    const run = async () => {
      const now = this.clock.nowMs();
      const counts: ReplicaLimitCounts[] = [];
      const flushed: { scope: Scope; periodStart: number; charged: number }[] = [];
      for (const scope of this.scopes.values()) {
        const published = this.countsOf(scope, now);
        if (!published) continue;
        counts.push(published);
        if (scope.charged > scope.chargedStored) flushed.push({ scope, periodStart: scope.periodStart, charged: scope.charged });
      }
      try {
        const remote = await this.store.exchangeLimitCounts!({ replicaId: this.replicaId, counts, liveMs: REPLICA_LIVE_MS });
        this.published = counts.length > 0;
        this.exchangedAt = Date.now();
        this.takeRemote(remote, this.clock.nowMs());
        if (this.exchangeFailing) this.log.info('limit counts are exchanged with the other replicas again');
        this.exchangeFailing = false;
      } catch (err) {
        if (!this.exchangeFailing) {
          this.log.warn({ err: (err as Error).message }, 'could not exchange limit counts with the other replicas; counting with the last ones read for a few seconds, then alone, until an exchange succeeds');
        }
        this.exchangeFailing = true;
        // As the others stop counting this replica's counts, it stops counting theirs: none is stuck in flight.
        if (Date.now() - this.exchangedAt > REPLICA_LIVE_MS) this.takeRemote([], this.clock.nowMs());
      }
      // Once the usage recorded so far is in the Store, the next exchange says so, and readers of the Store stop
      // adding it; not awaited, so a usage writer that is behind cannot hold up the exchanges.
      if (flushed.length > 0) {
        void this.flushUsage().then(() => {
          for (const f of flushed) if (f.scope.periodStart === f.periodStart) f.scope.chargedStored = Math.max(f.scope.chargedStored, f.charged);
        });
      }
    };
    this.exchanging ??= run().finally(() => (this.exchanging = undefined));
    return this.exchanging;
  }

  /** What this replica has to tell the others of a scope, or nothing when it has nothing to count there. */
  private countsOf(scope: Scope, now: number): ReplicaLimitCounts | undefined {
    const chargedUsd = scope.charged + scope.estimated;
    const counting = (scope.requests?.sum(now) ?? 0) + (scope.tokens?.sum(now) ?? 0) > 0;
    if (counting || scope.inFlight > 0 || chargedUsd > scope.chargedStored) scope.quietExchanges = 0;
    else if (scope.quietExchanges >= QUIET_EXCHANGES) return undefined;
    else scope.quietExchanges++;
    const requests = scope.requests && trimmed(scope.requests.counts(now));
    const tokens = scope.tokens && trimmed(scope.tokens.counts(now));
    return {
      scopeId: scope.limits.id,
      second: requests?.second ?? Math.floor(now / 1000),
      requests: requests?.counts ?? [],
      tokens: tokens?.counts ?? [],
      inFlight: scope.inFlight,
      periodStart: scope.periodStart,
      reservedUsd: scope.reserved,
      chargedUsd,
      storedUsd: scope.chargedStored,
    };
  }

  /** Replaces the other replicas' figures of every scope with what they published. */
  private takeRemote(rows: readonly RemoteLimitCounts[], now: number): void {
    const byScope = new Map<string, RemoteLimitCounts[]>();
    for (const row of rows) {
      const list = byScope.get(row.scopeId);
      if (list) list.push(row);
      else byScope.set(row.scopeId, [row]);
    }
    // Budgets to read from the Store again: when a replica is first seen saying the Store holds some of its
    // charges (the last read may be older than those), and when one has all its charges in the Store (or
    // left) beyond what the last read was told, so that the count comes back to the Store's.
    const reread: Scope[] = [];
    for (const scope of this.scopes.values()) {
      const { remote } = scope;
      remote.requests?.clear();
      remote.tokens?.clear();
      remote.inFlight = remote.reserved = 0;
      const charges = new Map<string, { charged: number; stored: number }>();
      let moved = false;
      for (const row of byScope.get(scope.limits.id) ?? []) {
        addCounts(remote.requests, now, row.second, row.requests);
        addCounts(remote.tokens, now, row.second, row.tokens);
        remote.inFlight += row.inFlight;
        if (!scope.limits.budget || row.periodStart !== scope.periodStart) continue;
        remote.reserved += row.reservedUsd;
        charges.set(row.replicaId, { charged: row.chargedUsd, stored: row.storedUsd });
        const inStored = remote.inStored.get(row.replicaId);
        if (inStored === undefined) remote.inStored.set(row.replicaId, row.storedUsd);
        if (inStored === undefined ? row.storedUsd > 0 : row.storedUsd > inStored && row.chargedUsd <= row.storedUsd) moved = true;
      }
      for (const [replica, c] of remote.charges) {
        if (charges.has(replica)) continue;
        remote.departed += Math.max(0, c.charged - (remote.inStored.get(replica) ?? 0));
        remote.inStored.delete(replica);
        moved = true;
      }
      remote.charges = charges;
      remote.spend = remoteSpend(remote);
      if (scope.limits.budget) this.warnIfSoft(scope);
      if (moved && !scope.reconciling) reread.push(scope);
    }
    if (reread.length > 0) void this.reconcile(reread);
  }

  /** Stops exchanging; this replica's counts leave the Store, so the others stop counting them at once. */
  async close(): Promise<void> {
    clearInterval(this.exchangeTimer);
    this.exchangeTimer = undefined;
    await this.exchanging;
    if (!this.published) return;
    await this.store.exchangeLimitCounts!({ replicaId: this.replicaId, counts: [], liveMs: REPLICA_LIVE_MS }).catch(() => undefined);
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
    const { remote } = scope;
    // The refusal's wording is built only when there is one: this runs on every request with limits.
    if (limits.maxConcurrent !== undefined && inFlightOf(scope) >= limits.maxConcurrent) {
      const { what, command } = describe(scope.limits);
      const error = new AigwError(
        ERRORS.concurrencyLimited,
        `${what} has ${inFlightOf(scope)} requests in flight${elsewhere(remote.inFlight)}, its limit (maxConcurrent ${limits.maxConcurrent}); retry when one finishes, or raise it: \`${command} --max-concurrent N\``,
        { scopeId: scope.limits.id, maxConcurrent: String(limits.maxConcurrent) },
      );
      return { error, retryAfterSeconds: 1 };
    }
    const requests = scope.requests && scope.requests.sum(now) + remote.requests!.sum(now);
    if (requests !== undefined && limits.requestsPerMinute !== undefined && requests >= limits.requestsPerMinute) {
      const retryAfterSeconds = scope.requests!.secondsUntilBelow(now, limits.requestsPerMinute, remote.requests!);
      const { what, command } = describe(scope.limits);
      const error = new AigwError(
        ERRORS.requestRateLimited,
        `${what} made ${requests} requests in the last minute${elsewhere(remote.requests!.sum(now))}, at least its limit of ${limits.requestsPerMinute} (requestsPerMinute); retry in ${retryAfterSeconds} s, or raise it: \`${command} --rpm N\``,
        { scopeId: scope.limits.id, requestsPerMinute: String(limits.requestsPerMinute) },
      );
      return { error, retryAfterSeconds };
    }
    const tokens = scope.tokens && scope.tokens.sum(now) + remote.tokens!.sum(now);
    if (tokens !== undefined && limits.tokensPerMinute !== undefined && tokens >= limits.tokensPerMinute) {
      const retryAfterSeconds = scope.tokens!.secondsUntilBelow(now, limits.tokensPerMinute, remote.tokens!);
      const { what, command } = describe(scope.limits);
      const error = new AigwError(
        ERRORS.tokenRateLimited,
        `${what} used ${tokens} tokens in the last minute${elsewhere(remote.tokens!.sum(now))}, at least its limit of ${limits.tokensPerMinute} (tokensPerMinute); retry in ${retryAfterSeconds} s, or raise it: \`${command} --tpm N\``,
        { scopeId: scope.limits.id, tokensPerMinute: String(limits.tokensPerMinute) },
      );
      return { error, retryAfterSeconds };
    }
    return undefined;
  }

  private checkBudget(scope: Scope): LimitRefusal | undefined {
    const budget = scope.limits.budget!;
    const spent = spendOf(scope);
    const reserved = reservedOf(scope);
    if (spent + reserved < budget.amountUsd) return undefined;
    const { what, command } = describe(scope.limits);
    const resets = budget.period === 'none' ? 'it never resets (period none)' : `it resets at ${iso(scope.periodEnd)}`;
    const inFlight = spent < budget.amountUsd ? ` (with ${usd(reserved)} reserved by requests in flight${elsewhere(scope.remote.reserved, usd)})` : '';
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
        if (e.costUsd !== null) {
          scope.settled += e.costUsd;
          scope.charged += e.costUsd;
        } else if (e.statusCode >= 200 && e.statusCode < 300) scope.estimated += ticket.reservationUsd;
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
      reservedUsd: reservedOf(scope),
      softLimitReached: budget.softLimitUsd !== undefined && spent >= budget.softLimitUsd,
      budgetReached: spent >= budget.amountUsd,
    };
  }

  rateLimitUse(scopeId: string): RateLimitUse | undefined {
    const scope = this.scopes.get(scopeId);
    if (!scope?.limits.rateLimits) return undefined;
    const now = this.clock.nowMs();
    const { remote } = scope;
    return {
      requestsLastMinute: (scope.requests?.sum(now) ?? 0) + (remote.requests?.sum(now) ?? 0),
      tokensLastMinute: (scope.tokens?.sum(now) ?? 0) + (remote.tokens?.sum(now) ?? 0),
      inFlight: inFlightOf(scope),
    };
  }
}
