import { createServer, type Server } from 'node:http';
import { Counter, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import type { UsageDraft } from '../../store/types.js';

type Labels = 'provider' | 'model' | 'access_key_id';
/** The label a passthrough request gets in place of an access key id (it has none). */
const PASSTHROUGH = 'passthrough';
const TOKEN_KINDS = [
  ['input', 'inputTokens'],
  ['output', 'outputTokens'],
  ['cache_read', 'cacheReadTokens'],
  ['cache_write', 'cacheWriteTokens'],
  ['reasoning', 'reasoningTokens'],
] as const;
const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** One histogram's counts for one label set: per bucket (the last is +Inf, not cumulative), their sum and count. */
class Buckets {
  readonly counts = new Float64Array(SECONDS_BUCKETS.length + 1);
  sum = 0;
  count = 0;

  constructor(readonly labels: Readonly<Record<'provider' | 'model', string>>) {}

  observe(seconds: number): void {
    let i = 0;
    while (i < SECONDS_BUCKETS.length && seconds > SECONDS_BUCKETS[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }
}

/**
 * A histogram by provider and model that counts in plain numbers and hands prom-client's registry the same
 * samples its own Histogram would (`getForPromString`, the registry's interface for a metric): prom-client's
 * observe() validates and hashes the whole label set on every call, twice per request here.
 */
class ModelHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly byModel = new Map<string, Map<string, Buckets>>();

  constructor(
    readonly name: string,
    readonly help: string,
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  of(provider: string, model: string): Buckets {
    let models = this.byModel.get(provider);
    if (!models) this.byModel.set(provider, (models = new Map()));
    let buckets = models.get(model);
    if (!buckets) models.set(model, (buckets = new Buckets({ provider, model })));
    return buckets;
  }

  getForPromString() {
    const values: { labels: Record<string, string | number>; sharedLabels: Readonly<Record<string, string>>; value: number; metricName: string }[] = [];
    const bucket = `${this.name}_bucket`;
    for (const models of this.byModel.values()) {
      for (const b of models.values()) {
        // Made with its label set, but shown (as prom-client shows its own) from the first observation on.
        if (b.count === 0) continue;
        let cumulative = 0;
        SECONDS_BUCKETS.forEach((le, i) => {
          cumulative += b.counts[i]!;
          values.push({ labels: { le }, sharedLabels: b.labels, value: cumulative, metricName: bucket });
        });
        values.push({ labels: { le: '+Inf' }, sharedLabels: b.labels, value: b.count, metricName: bucket });
        values.push({ labels: {}, sharedLabels: b.labels, value: b.sum, metricName: `${this.name}_sum` });
        values.push({ labels: {}, sharedLabels: b.labels, value: b.count, metricName: `${this.name}_count` });
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The samples with their labels merged, as prom-client's own get() gives them (getMetricsAsJSON). */
  get() {
    const data = this.getForPromString();
    return { ...data, values: data.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
  }
}

/**
 * What one provider, model and access key counted since prom-client last collected, as plain numbers:
 * prom-client hashes the whole label set on every inc(), so the counters get one inc() per label set per
 * scrape (GatewayMetrics.flush) instead of several per request.
 */
class Pending {
  readonly requests = new Map<number, number>();
  readonly attempts = new Map<number, number>();
  failovers = 0;
  /** Undefined until an attempt with a known cost: a known zero is shown, an unknown cost is not counted. */
  cost: number | undefined;
  readonly tokens = TOKEN_KINDS.map(() => 0);
  constructor(
    readonly labels: Readonly<Record<Labels, string>>,
    readonly latency: Buckets,
    readonly firstByte: Buckets,
  ) {}
}

const add = (counts: Map<number, number>, status: number) => counts.set(status, (counts.get(status) ?? 0) + 1);

/**
 * The gateway's Prometheus metrics (`--metrics-listen`): requests, attempts, failovers, coded error answers,
 * latency, time to first byte, tokens and cost. Labels are ids (provider, model, access key id, status,
 * error code), never a key or token, whole or redacted. Unknown tokens and cost are not counted (not as zero).
 * Requests add to plain numbers (Pending); each counter's collect() hands them to prom-client when it is read.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly collect = () => this.flush();
  private readonly requests = this.counter('aigw_gateway_requests_total', 'Gateway requests that reached a provider, by their final status', ['provider', 'model', 'access_key_id', 'status']);
  private readonly attempts = this.counter('aigw_gateway_attempts_total', 'Upstream attempts, by status (0: no answer)', ['provider', 'model', 'access_key_id', 'status']);
  private readonly failovers = this.counter('aigw_gateway_failovers_total', 'Attempts made after an earlier attempt of the same request failed', ['provider', 'model', 'access_key_id']);
  private readonly errors = this.counter('aigw_gateway_errors_total', 'Coded error answers (refusals and failures), by aigw error code', ['code']);
  private readonly tokens = this.counter('aigw_gateway_tokens_total', 'Tokens the providers reported, by kind', ['provider', 'model', 'access_key_id', 'kind']);
  private readonly cost = this.counter('aigw_gateway_cost_usd_total', 'Cost in USD of the attempts whose cost is known', ['provider', 'model', 'access_key_id']);
  private readonly latency = new ModelHistogram('aigw_gateway_request_duration_seconds', 'Time from the request to its answer, for requests that reached a provider', this.registry);
  private readonly firstByte = new ModelHistogram('aigw_gateway_time_to_first_byte_seconds', 'Time from the request to the first byte of the answer passed on to the client', this.registry);
  /** By provider, model and access key id, in nested maps: their strings are the routing snapshot's, hashed once. */
  private readonly pending = new Map<string, Map<string, Map<string, Pending>>>();
  private readonly pendingErrors = new Map<string, number>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'aigw_' });
  }

  private counter<T extends string>(name: string, help: string, labelNames: T[]): Counter<T> {
    return new Counter({ name, help, labelNames, registers: [this.registry], collect: this.collect });
  }

  /** One coded error answer. */
  error(code: string): void {
    this.pendingErrors.set(code, (this.pendingErrors.get(code) ?? 0) + 1);
  }

  /** A request that reached a provider: its usage events (the last one final), with its start and first-byte times. */
  request(events: readonly UsageDraft[], startedAt: number, firstByteAt: number | undefined, now: number): void {
    let p: Pending | undefined;
    for (const event of events) {
      const counts = (p = this.of(event));
      add(counts.attempts, event.statusCode);
      if (event.attemptNumber > 1) counts.failovers++;
      if (event.costUsd !== null) counts.cost = (counts.cost ?? 0) + event.costUsd;
      if (event.tokensKnown) for (let i = 0; i < TOKEN_KINDS.length; i++) counts.tokens[i]! += event[TOKEN_KINDS[i]![1]];
    }
    // The last event is the request's final attempt: its counts are the request's.
    if (!p) return;
    add(p.requests, events.at(-1)!.statusCode);
    p.latency.observe((now - startedAt) / 1000);
    if (firstByteAt !== undefined) p.firstByte.observe((firstByteAt - startedAt) / 1000);
  }

  private of({ provider, model, accessKeyId }: UsageDraft): Pending {
    let models = this.pending.get(provider);
    if (!models) this.pending.set(provider, (models = new Map()));
    let keys = models.get(model);
    if (!keys) models.set(model, (keys = new Map()));
    const key = accessKeyId ?? PASSTHROUGH;
    let p = keys.get(key);
    if (!p) {
      const labels = { provider, model, access_key_id: key };
      keys.set(key, (p = new Pending(labels, this.latency.of(provider, model), this.firstByte.of(provider, model))));
    }
    return p;
  }

  /** Hands everything counted since the last call to prom-client (which then renders it). */
  private flush(): void {
    for (const [code, n] of this.pendingErrors) this.errors.inc({ code }, n);
    this.pendingErrors.clear();
    for (const p of this.allPending()) {
      for (const [status, n] of p.requests) this.requests.inc({ ...p.labels, status: String(status) }, n);
      for (const [status, n] of p.attempts) this.attempts.inc({ ...p.labels, status: String(status) }, n);
      p.requests.clear();
      p.attempts.clear();
      if (p.failovers) this.failovers.inc(p.labels, p.failovers);
      if (p.cost !== undefined) this.cost.inc(p.labels, p.cost);
      p.failovers = 0;
      p.cost = undefined;
      TOKEN_KINDS.forEach(([kind], i) => p.tokens[i] && this.tokens.inc({ ...p.labels, kind }, p.tokens[i]));
      p.tokens.fill(0);
    }
  }

  private *allPending(): Iterable<Pending> {
    for (const models of this.pending.values()) for (const keys of models.values()) yield* keys.values();
  }

  /** A listener of its own that answers `GET /metrics` in Prometheus' text format, and nothing else. */
  serve(host: string, port: number): Promise<{ server: Server; port: number }> {
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve({ server, port: typeof address === 'object' && address ? address.port : port });
      });
    });
  }
}
