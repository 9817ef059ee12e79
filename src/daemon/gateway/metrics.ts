import { createServer, type Server } from 'node:http';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
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

/** The counters one provider, model and access key use, made once and kept (label lookups are not free). */
interface Children {
  request: (status: number) => Counter.Internal;
  attempt: (status: number) => Counter.Internal;
  failovers: Counter.Internal;
  cost: Counter.Internal;
  tokens: Counter.Internal[];
  latency: Histogram.Internal<string>;
  firstByte: Histogram.Internal<string>;
}

/**
 * The gateway's Prometheus metrics (`--metrics-listen`): requests, attempts, failovers, coded error answers,
 * latency, time to first byte, tokens and cost. Labels are ids (provider, model, access key id, status,
 * error code), never a key or token, whole or redacted. Unknown tokens and cost are not counted (not as zero).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = this.counter('aigw_gateway_requests_total', 'Gateway requests that reached a provider, by their final status', ['provider', 'model', 'access_key_id', 'status']);
  private readonly attempts = this.counter('aigw_gateway_attempts_total', 'Upstream attempts, by status (0: no answer)', ['provider', 'model', 'access_key_id', 'status']);
  private readonly failovers = this.counter('aigw_gateway_failovers_total', 'Attempts made after an earlier attempt of the same request failed', ['provider', 'model', 'access_key_id']);
  private readonly errors = this.counter('aigw_gateway_errors_total', 'Coded error answers (refusals and failures), by aigw error code', ['code']);
  private readonly tokens = this.counter('aigw_gateway_tokens_total', 'Tokens the providers reported, by kind', ['provider', 'model', 'access_key_id', 'kind']);
  private readonly cost = this.counter('aigw_gateway_cost_usd_total', 'Cost in USD of the attempts whose cost is known', ['provider', 'model', 'access_key_id']);
  private readonly latency = new Histogram({
    name: 'aigw_gateway_request_duration_seconds',
    help: 'Time from the request to its answer, for requests that reached a provider',
    labelNames: ['provider', 'model'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly firstByte = new Histogram({
    name: 'aigw_gateway_time_to_first_byte_seconds',
    help: 'Time from the request to the first byte of the answer passed on to the client',
    labelNames: ['provider', 'model'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly children = new Map<string, Children>();
  private readonly errorChildren = new Map<string, Counter.Internal>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'aigw_' });
  }

  private counter<T extends string>(name: string, help: string, labelNames: T[]): Counter<T> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  /** One coded error answer. */
  error(code: string): void {
    let child = this.errorChildren.get(code);
    if (!child) this.errorChildren.set(code, (child = this.errors.labels(code)));
    child.inc();
  }

  /** A request that reached a provider: its usage events (the last one final), with its start and first-byte times. */
  request(events: readonly UsageDraft[], startedAt: number, firstByteAt: number | undefined, now: number): void {
    const last = events.at(-1);
    if (!last) return;
    for (const event of events) {
      const c = this.of(event);
      c.attempt(event.statusCode).inc();
      if (event.attemptNumber > 1) c.failovers.inc();
      if (event.costUsd !== null) c.cost.inc(event.costUsd);
      if (event.tokensKnown) TOKEN_KINDS.forEach(([, field], i) => event[field] && c.tokens[i]!.inc(event[field]));
    }
    const c = this.of(last);
    c.request(last.statusCode).inc();
    c.latency.observe((now - startedAt) / 1000);
    if (firstByteAt !== undefined) c.firstByte.observe((firstByteAt - startedAt) / 1000);
  }

  private of(event: UsageDraft): Children {
    const accessKeyId = event.accessKeyId ?? PASSTHROUGH;
    const id = `${event.provider}\0${event.model}\0${accessKeyId}`;
    let c = this.children.get(id);
    if (c) return c;
    const labels: Record<Labels, string> = { provider: event.provider, model: event.model, access_key_id: accessKeyId };
    const byStatus = (counter: Counter<string>) => {
      const made = new Map<number, Counter.Internal>();
      return (status: number) => {
        let child = made.get(status);
        if (!child) made.set(status, (child = counter.labels({ ...labels, status: String(status) })));
        return child;
      };
    };
    c = {
      request: byStatus(this.requests),
      attempt: byStatus(this.attempts),
      failovers: this.failovers.labels(labels),
      cost: this.cost.labels(labels),
      tokens: TOKEN_KINDS.map(([kind]) => this.tokens.labels({ ...labels, kind })),
      latency: this.latency.labels({ provider: event.provider, model: event.model }),
      firstByte: this.firstByte.labels({ provider: event.provider, model: event.model }),
    };
    this.children.set(id, c);
    return c;
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
