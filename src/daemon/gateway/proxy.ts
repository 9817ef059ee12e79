import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../app/ports.js';
import { ACCESS_TOKEN_PREFIX } from '../../core/access-tokens.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { costOf } from '../../core/price-book.js';
import { newId, newRequestId } from '../../core/ids.js';
import type { ApiFormat } from '../../core/providers.js';
import { redact } from '../../core/redact.js';
import type { UsageDraft } from '../../store/types.js';
import { AccessTokenReader } from '../bearer.js';
import type { Logger } from '../log.js';
import type { Governor, Ticket } from './governor.js';
import { UpstreamAttempt, type AttemptEnd } from './attempt.js';
import { writeGatewayError, writeGatewayJson, type AttemptSummary } from './errors.js';
import { keysFor, resolveTargets, usableModels, type Target } from './resolve.js';
import { MaskedSecret, type SecretCache } from './secret-cache.js';
import type { GatewayAccessKey, GatewayProviderKey, RoutingSnapshot, SnapshotHolder } from './snapshot.js';
import { capOutputTokens, inputTextChars, inputTokensOver, outputLimitOf } from './token-caps.js';
import { ATTEMPTS_HEADER, REQUEST_ID_HEADER, upstreamRequestHeaders, upstreamTarget, type UpstreamPools } from './upstream.js';
import { noTokens, type TokenCounts } from './usage.js';
import type { UsageRecorder } from './usage.js';
import type { GatewayMetrics } from './metrics.js';
import { injectStreamUsage } from './usage-injection.js';

const COOLDOWN_DEFAULT_MS = 10_000;
const COOLDOWN_MAX_MS = 60_000;

/** How long a key that answered 429 rests: Retry-After (seconds or an HTTP date), capped. */
export function cooldownMs(retryAfter: string | string[] | undefined, now = Date.now()): number {
  const value = Array.isArray(retryAfter) ? retryAfter[0] : retryAfter;
  let ms = COOLDOWN_DEFAULT_MS;
  if (value && /^\d+(\.\d+)?$/.test(value.trim())) ms = Number(value) * 1000;
  else if (value && !Number.isNaN(Date.parse(value))) ms = Date.parse(value) - now;
  return Math.min(Math.max(ms, 0), COOLDOWN_MAX_MS);
}

/** The models a request names, in order: its `model`, then its `models` fallback list (non-empty strings only). */
function modelSpecs(body: Record<string, unknown>): string[] {
  const specs: string[] = [];
  if (typeof body.model === 'string' && body.model !== '') specs.push(body.model);
  if (Array.isArray(body.models)) for (const m of body.models) if (typeof m === 'string' && m !== '') specs.push(m);
  return specs;
}

/** Refuses, before any upstream call, a request whose input tokens surely exceed the access key's cap. */
function checkInputCap(body: Record<string, unknown>, accessKey: GatewayAccessKey): void {
  const cap = accessKey.caps.maxInputTokens;
  const over = cap === null ? undefined : inputTokensOver(body, cap);
  if (over === undefined) return;
  throw new AigwError(
    ERRORS.inputTokensOverCap,
    `the request has at least ${over} input tokens, more than the cap of ${cap} (maxInputTokens); ` +
      'shorten the input, or raise the cap: `aigw gateway config set --max-input-tokens N`, or the configuration\'s own',
    { maxInputTokens: String(cap), inputTokensAtLeast: String(over) },
  );
}

export interface Endpoint {
  format: ApiFormat;
  /** The path under the provider's base URL, such as `/chat/completions`. */
  apiPath: string;
}

export interface ProxyDeps {
  holder: SnapshotHolder;
  secrets: SecretCache;
  pools: UpstreamPools;
  usage: UsageRecorder;
  log: Logger;
  governor: Governor;
  /** Expiries, rotation grace periods, budget periods and rate windows are read from it on every request. */
  clock: Clock;
  /** The Prometheus metrics, when `--metrics-listen` turned them on. */
  metrics?: GatewayMetrics | undefined;
}

/** Output tokens reserved for a budgeted request that sets no output limit (and has no cap). */
const DEFAULT_OUTPUT_RESERVATION = 4096;

/**
 * The most a request may cost: one token per character of the text its model reads, plus its output limit,
 * at the dearest of its targets' prices; or the first target without a price.
 */
function reservation(snapshot: RoutingSnapshot, targets: readonly Target[], body: Record<string, unknown>, nowMs: number) {
  const inputTokens = inputTextChars(body);
  const outputTokens = outputLimitOf(body) ?? DEFAULT_OUTPUT_RESERVATION;
  let usd = 0;
  for (const t of targets) {
    const prices = snapshot.prices.lookup(t.provider.id, t.model, nowMs);
    if (!prices) return { unpriced: `${t.provider.id}:${t.model}` };
    const tokens = { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    usd = Math.max(usd, costOf(prices, tokens));
  }
  return { usd };
}

const authorizations = new AccessTokenReader();

function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const bearer = authorizations.read(headers.authorization);
  if (bearer) return bearer;
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : undefined;
}

/** The client's own provider key on a passthrough request, masked like a stored one, and its redacted form. */
interface ClientKey {
  secret: MaskedSecret;
  redacted: string;
}

/**
 * The credential a passthrough request would forward: only when some provider has passthrough in force, and
 * never when either credential header holds something shaped like an aigw access key (a mistyped or deleted
 * one must not travel upstream).
 */
function passthroughCredential(headers: IncomingHttpHeaders, snapshot: RoutingSnapshot): string | undefined {
  if (snapshot.settings.passthrough.size === 0) return undefined;
  const apiKey = headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey.trim().startsWith(ACCESS_TOKEN_PREFIX)) return undefined;
  const bearer = authorizations.read(headers.authorization);
  if (bearer?.startsWith(ACCESS_TOKEN_PREFIX)) return undefined;
  return credentialOf(headers);
}

/**
 * The targets a passthrough request may use: every one must be a provider with passthrough in force for
 * which aigw holds no key of its own (where it holds one, that key is what callers get, with an access key).
 */
function checkPassthroughTargets(snapshot: RoutingSnapshot, targets: readonly Target[]): void {
  for (const t of targets) {
    const id = t.provider.id;
    if (!snapshot.settings.passthrough.has(id)) {
      throw new AigwError(
        ERRORS.passthroughNotApplicable,
        `authentication failed: the credential is not an aigw access key, and passthrough is off for ${id}; ` +
          `send an aigw access key, or enable it: \`aigw providers passthrough enable ${id}\``,
        { providerId: id },
      );
    }
    if (snapshot.keysByProvider.get(id)?.length) {
      throw new AigwError(
        ERRORS.passthroughNotApplicable,
        `authentication failed: aigw holds keys for ${id}, so its requests need an aigw access key (passthrough applies only to providers aigw holds no key for)`,
        { providerId: id },
      );
    }
  }
}

/** Per request: who is calling, what was tried, and what will be recorded. */
interface Exchange {
  requestId: string;
  endpoint: Endpoint;
  accessKey: GatewayAccessKey;
  headers: IncomingHttpHeaders;
  search: string;
  res: ServerResponse;
  /** The request body, without `models` (the fallback list is the gateway's, not the provider's); each attempt sets `model`. */
  forwarded: Record<string, unknown>;
  streaming: boolean;
  /** The gateway asked the upstream for stream usage the client did not ask for. */
  usageInjected: boolean;
  /** The snapshot the request started with: its prices price every attempt. */
  snapshot: RoutingSnapshot;
  deadline: number;
  /** Whether the client went away, and the attempt to abort when it does. */
  client: { gone: boolean; attempt: UpstreamAttempt | undefined };
  attempts: number;
  events: UsageDraft[];
  summaries: AttemptSummary[];
  /** Every key value tried so far: the next provider's answer may quote one that failed over. */
  tried: MaskedSecret[];
  /** What the request holds of its budgets and rate limits; undefined when it has none. */
  ticket: Ticket | undefined;
  /** Set on a passthrough request: the client's own key is the one every attempt sends. */
  clientKey: ClientKey | undefined;
  /** performance.now() at the start, and when the answer's first byte went out (for the metrics). */
  startedAt: number;
  firstByteAt: number | undefined;
}

type Outcome = { done: true } | { done: false; summary: AttemptSummary; timedOut: boolean };

const CLIENT_GONE = new Error('the client disconnected');

/**
 * The data plane: authenticates the access key, resolves models, and tries provider keys in order until one
 * answers, failing over on connection errors, timeouts, 401, 403, 429 and 5xx while nothing has reached the
 * client. Every attempt becomes a usage event.
 */
export class GatewayProxy {
  private readonly cooldowns = new Map<string, number>();

  constructor(private readonly deps: ProxyDeps) {}

  private accessKeyOf(headers: IncomingHttpHeaders): GatewayAccessKey | undefined {
    const token = credentialOf(headers);
    const hash = token && this.deps.holder.tokenHash(token);
    if (!hash) return undefined;
    const snapshot = this.deps.holder.current;
    const accessKey = snapshot.accessKeys.get(hash) ?? this.previousToken(snapshot, hash);
    if (!accessKey) return undefined;
    if (accessKey.disabled) {
      throw new AigwError(
        ERRORS.accessKeyDisabled,
        `authentication failed: the access key ${accessKey.id} is disabled; enable it with \`aigw access-keys enable ${accessKey.id}\``,
        { accessKeyId: accessKey.id },
      );
    }
    if (accessKey.expiresAtMs !== null && this.deps.clock.nowMs() >= accessKey.expiresAtMs) {
      const at = new Date(accessKey.expiresAtMs).toISOString();
      throw new AigwError(
        ERRORS.accessKeyExpired,
        `authentication failed: the access key ${accessKey.id} expired at ${at}; extend it with \`aigw access-keys update ${accessKey.id} --expires-in 30d\``,
        { accessKeyId: accessKey.id, expiresAt: at },
      );
    }
    return accessKey;
  }

  /** The access key a rotated-out token belonged to, while its grace period lasts; refused as rotated after it. */
  private previousToken(snapshot: RoutingSnapshot, hash: string): GatewayAccessKey | undefined {
    const previous = snapshot.previousTokens.get(hash);
    if (!previous) return undefined;
    if (this.deps.clock.nowMs() < previous.untilMs) return previous.accessKey;
    const { id } = previous.accessKey;
    const at = new Date(previous.untilMs).toISOString();
    throw new AigwError(
      ERRORS.accessKeyRotated,
      `authentication failed: this token of access key ${id} was replaced by a rotation and stopped working at ${at}; use the new token`,
      { accessKeyId: id, rotatedOutAt: at },
    );
  }

  private authFailure(headers: IncomingHttpHeaders): AigwError {
    return new AigwError(
      ERRORS.accessKeyInvalid,
      credentialOf(headers)
        ? 'authentication failed: the access key is unknown or was deleted; create one with `aigw access-keys create`'
        : 'authentication failed: send an aigw access key as "Authorization: Bearer <key>" or "x-api-key: <key>"',
    );
  }

  /** The access key behind the request's credential, or a 401 in the API's own error shape. */
  private authenticate(headers: IncomingHttpHeaders): GatewayAccessKey {
    const accessKey = this.accessKeyOf(headers);
    if (!accessKey) throw this.authFailure(headers);
    return accessKey;
  }

  /**
   * Why a request's credential is refused, or nothing; asked before its body is read. A credential that may
   * be a passthrough one is let through: whether it is depends on the model the body names.
   */
  refusal(headers: IncomingHttpHeaders): AigwError | undefined {
    try {
      if (this.accessKeyOf(headers)) return undefined;
    } catch (err) {
      return err as AigwError;
    }
    if (passthroughCredential(headers, this.deps.holder.current)) return undefined;
    return this.authFailure(headers);
  }

  /** `GET /v1/models`: the models this access key may use, named `provider:model`. */
  models(req: IncomingMessage, res: ServerResponse): void {
    const requestId = newRequestId();
    let accessKey: GatewayAccessKey;
    try {
      accessKey = this.authenticate(req.headers);
    } catch (err) {
      return writeGatewayError(res, 'openai', err as AigwError, { requestId, attempts: 0 });
    }
    const data = usableModels(this.deps.holder.current, accessKey).map((t) => ({
      id: t.label,
      object: 'model',
      created: 0,
      owned_by: t.provider.id,
    }));
    writeGatewayJson(res, 200, { object: 'list', data }, { requestId, attempts: 0 });
  }

  /** A proxied API call. What it did not foresee, the server turns into a coded 500 (or a cut connection). */
  async handle(endpoint: Endpoint, req: IncomingMessage, res: ServerResponse, parsed: unknown, search: string): Promise<void> {
    const requestId = newRequestId();
    const snapshot = this.deps.holder.current;
    let accessKey: GatewayAccessKey | undefined;
    let targets: Target[];
    let clientKey: ClientKey | undefined;
    const body = parsed as Record<string, unknown>;
    try {
      accessKey = this.accessKeyOf(req.headers);
      // Only after the access key lookup failed: a request with one never reaches this.
      const passthrough = accessKey ? undefined : passthroughCredential(req.headers, snapshot);
      if (!accessKey) {
        if (!passthrough) throw this.authFailure(req.headers);
        // No access key, so no access rules or router; the account-wide token caps still hold.
        const { maxInputTokens, maxOutputTokens } = snapshot.settings;
        accessKey = { id: '', access: {}, rules: [], caps: { maxInputTokens, maxOutputTokens }, limits: null, expiresAtMs: null, disabled: false };
      }
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        throw new AigwError(ERRORS.invalidRequest, 'the request body must be a JSON object');
      }
      targets = resolveTargets(snapshot, accessKey, modelSpecs(body), endpoint.format);
      if (passthrough) {
        checkPassthroughTargets(snapshot, targets);
        clientKey = { secret: new MaskedSecret(passthrough), redacted: redact(passthrough) };
      }
      checkInputCap(body, accessKey);
    } catch (err) {
      if (!(err instanceof AigwError)) throw err;
      return writeGatewayError(res, endpoint.format, err, { requestId, attempts: 0 });
    }

    // The parsed body is ours: rewritten in place rather than copied per attempt.
    if ('models' in body) delete body.models;
    const { maxOutputTokens } = accessKey.caps;
    if (maxOutputTokens !== null) capOutputTokens(body, endpoint, targets[0]!.provider.id, maxOutputTokens);
    // Budgets and rate limits: checked and reserved in one synchronous step, before any upstream call.
    let ticket: Ticket | undefined;
    if (accessKey.limits) {
      const admitted = this.deps.governor.admit(accessKey, () => reservation(snapshot, targets, body, this.deps.clock.nowMs()));
      if (!('scopes' in admitted)) {
        const headers = admitted.retryAfterSeconds === undefined ? undefined : { 'retry-after': String(admitted.retryAfterSeconds) };
        return writeGatewayError(res, endpoint.format, admitted.error, { requestId, attempts: 0, ...(headers ? { headers } : {}) });
      }
      ticket = admitted;
    }
    const client: Exchange['client'] = { gone: false, attempt: undefined };
    // One listener for both: a client that left aborts the attempt, and whatever the request held is freed.
    res.on('close', () => {
      if (!res.writableFinished) {
        client.gone = true;
        client.attempt?.abort(CLIENT_GONE);
      }
      if (ticket) this.deps.governor.settle(ticket, []);
    });
    const ex: Exchange = {
      requestId,
      endpoint,
      accessKey,
      headers: req.headers,
      search,
      res,
      forwarded: body,
      streaming: body.stream === true,
      usageInjected: injectStreamUsage(endpoint, body),
      snapshot,
      deadline: Date.now() + snapshot.settings.totalTimeoutMs,
      startedAt: performance.now(),
      firstByteAt: undefined,
      client,
      attempts: 0,
      events: [],
      summaries: [],
      tried: [],
      ticket,
      clientKey,
    };
    let allTimedOut = true;
    let anyKey = false;
    for (const target of targets) {
      const keys = clientKey ? [] : keysFor(snapshot, accessKey, target);
      // A custom provider with no keys (a local Ollama, say) is called without credentials, one whose keys are
      // all disabled is not; a passthrough request sends the client's own key.
      const keyless =
        clientKey !== undefined ||
        (!keys.length && target.provider.resourceId !== null && !keysFor(snapshot, accessKey, target, { pick: false, withDisabled: true }).length);
      const plan: readonly (GatewayProviderKey | null)[] = keyless ? [null] : keys;
      for (const key of plan) {
        anyKey = true;
        if (client.gone) return this.finish(ex);
        const restingUntil = (key && this.cooldowns.get(key.id)) ?? 0;
        if (restingUntil > Date.now()) {
          ex.summaries.push(this.summary(ex, target, key, 429, 'skipped: cooling down after a 429'));
          allTimedOut = false;
          continue;
        }
        if (Date.now() >= ex.deadline) return this.fail(ex, targets, true);
        const outcome = await this.attempt(ex, target, key);
        if (outcome.done) return this.finish(ex);
        ex.summaries.push(outcome.summary);
        allTimedOut &&= outcome.timedOut;
      }
    }
    if (!anyKey) {
      const providers = [...new Set(targets.map((t) => t.provider.id))].join(', ');
      const disabled = targets.flatMap((t) => keysFor(snapshot, accessKey, t, { pick: false, withDisabled: true }).map((k) => k.id));
      const err = new AigwError(
        ERRORS.noProviderKeys,
        disabled.length
          ? `no provider keys are available for ${providers}: every key is disabled (${disabled.join(', ')}); enable one with \`aigw provider-keys enable ${disabled[0]}\``
          : `no provider keys are available for ${providers}; add one with \`aigw provider-keys create --provider-id ${targets[0]!.provider.id}\``,
        { providerId: providers },
      );
      return writeGatewayError(res, endpoint.format, err, { requestId, attempts: 0 });
    }
    if (ex.attempts === 0) return this.allResting(ex, targets);
    return this.fail(ex, targets, allTimedOut);
  }

  /** Every key is cooling down after a 429: a 503 with the shortest wait as Retry-After, and no upstream call. */
  private allResting(ex: Exchange, targets: Target[]): void {
    const waits = ex.summaries.map((s) => (this.cooldowns.get(s.providerKeyId ?? '') ?? Date.now()) - Date.now());
    const seconds = Math.max(1, Math.ceil(Math.min(...waits) / 1000));
    const what = targets.map((t) => t.label).join(', ');
    const err = new AigwError(ERRORS.keysCoolingDown, `every key for ${what} is resting after a 429; retry in ${seconds} s`);
    writeGatewayError(ex.res, ex.endpoint.format, err, {
      requestId: ex.requestId,
      attempts: 0,
      summaries: ex.summaries,
      headers: { 'retry-after': String(seconds) },
    });
  }

  private summary(ex: Exchange, target: Target, key: GatewayProviderKey | null, status: number | null, error?: string): AttemptSummary {
    return {
      attempt: ex.attempts,
      model: target.label,
      providerKeyId: key?.id ?? null,
      keyRedacted: key?.keyRedacted ?? ex.clientKey?.redacted ?? null,
      status,
      ...(error ? { error } : {}),
    };
  }

  private fail(ex: Exchange, targets: Target[], timedOut: boolean): void {
    this.finish(ex);
    const list = ex.summaries
      .map((s) => {
        const via = s.providerKeyId
          ? `with ${s.providerKeyId} (${s.keyRedacted})`
          : s.keyRedacted
            ? `with the client's own key (${s.keyRedacted})`
            : 'without a key';
        return `${s.model} ${via}: ${s.status ?? s.error}${s.status && s.error ? ` ${s.error}` : ''}`;
      })
      .join('; ');
    const what = targets.map((t) => t.label).join(', ');
    const err = timedOut
      ? new AigwError(ERRORS.upstreamTimeout, `every upstream attempt for ${what} timed out: ${list}`)
      : new AigwError(ERRORS.upstreamFailed, `every upstream attempt for ${what} failed: ${list}`);
    writeGatewayError(ex.res, ex.endpoint.format, err, { requestId: ex.requestId, attempts: ex.attempts, summaries: ex.summaries });
  }

  /** Records the request's usage events, the last one marked final. */
  private finish(ex: Exchange): void {
    const last = ex.events.at(-1);
    if (last) last.isFinalAttempt = true;
    for (const event of ex.events) this.deps.usage.record(event);
    this.deps.metrics?.request(ex.events, ex.startedAt, ex.firstByteAt, performance.now());
    if (ex.ticket) this.deps.governor.settle(ex.ticket, ex.events);
    ex.events = [];
  }

  private event(
    ex: Exchange,
    target: Target,
    key: GatewayProviderKey | null,
    started: number,
    fields: { statusCode: number; timedOut?: boolean; error?: string | null; tokens?: TokenCounts; isError?: boolean; complete?: boolean },
  ): UsageDraft {
    const tokens = fields.tokens ?? noTokens();
    // The id is made here (cheap, and in creation order); the time is formatted by the usage writer thread.
    const timeMs = this.deps.clock.nowMs();
    // A stream that broke off (or a client that left) has not reported its final counts.
    const tokensKnown = tokens.reported && fields.complete !== false;
    const event: UsageDraft = {
      id: newId('usageEvent', timeMs),
      timeMs,
      requestId: ex.requestId,
      accessKeyId: ex.clientKey ? null : ex.accessKey.id,
      provider: target.provider.id,
      model: target.model,
      attemptNumber: ex.attempts,
      isFinalAttempt: false,
      statusCode: fields.statusCode,
      timedOut: fields.timedOut ?? false,
      isError: fields.isError ?? (fields.statusCode === 0 || fields.statusCode >= 400),
      isStreaming: ex.streaming,
      stopReason: tokens.stopReason,
      inputTokens: tokens.inputTokens,
      outputTokens: tokens.outputTokens,
      cacheReadTokens: tokens.cacheReadTokens,
      cacheWriteTokens: tokens.cacheWriteTokens,
      reasoningTokens: tokens.reasoningTokens,
      tokensKnown,
      costUsd: ex.snapshot.prices.cost(target.provider.id, target.model, timeMs, tokensKnown ? tokens : null),
      providerKeyId: key?.id ?? null,
      providerKeyRedacted: key?.keyRedacted ?? ex.clientKey?.redacted ?? null,
      latencyMs: Math.round(performance.now() - started),
      error: fields.error ?? null,
      keySource: ex.clientKey ? 'passthrough' : 'user',
    };
    ex.events.push(event);
    return event;
  }

  private async attempt(ex: Exchange, target: Target, key: GatewayProviderKey | null): Promise<Outcome> {
    ex.attempts++;
    const started = performance.now();
    const failed = (status: number | null, error: string | undefined, timedOut: boolean): Outcome => {
      this.event(ex, target, key, started, { statusCode: status ?? 0, timedOut, error: error ?? null });
      return { done: false, summary: this.summary(ex, target, key, status, error), timedOut };
    };
    const secret = key
      ? (this.deps.secrets.get(key.secretRef) ?? (await this.deps.secrets.fetch(key.secretRef).catch(() => undefined)))
      : ex.clientKey?.secret;
    if (key && secret === undefined) return failed(null, 'the key value could not be read from the secret store', false);
    if (secret) ex.tried.push(secret);
    const revealed = secret?.reveal();
    const settings = this.deps.holder.current.settings;
    const call = new UpstreamAttempt(ex.res, {
      format: ex.endpoint.format,
      providerId: target.provider.id,
      budgetMs: Math.max(0, Math.min(settings.perRequestTimeoutMs, ex.deadline - Date.now())),
      idleMs: settings.perRequestTimeoutMs,
      ownHeaders: [REQUEST_ID_HEADER, ex.requestId, ATTEMPTS_HEADER, String(ex.attempts)],
      secrets: ex.tried,
      revealed,
      usageInjected: ex.usageInjected,
    });
    ex.client.attempt = call;
    ex.forwarded.model = target.model;
    this.deps.pools.dispatch(
      upstreamTarget(target.provider, ex.endpoint.apiPath, ex.search),
      {
        headers: upstreamRequestHeaders(ex.headers, target.provider, revealed),
        body: JSON.stringify(ex.forwarded),
      },
      call,
    );
    const end = await call.done;
    ex.client.attempt = undefined;
    ex.firstByteAt ??= call.firstByteAt;
    return this.settle(ex, target, key, started, end, failed);
  }

  /** What an ended attempt means for the request: an answer (done), or a failure to fail over from. */
  private settle(
    ex: Exchange,
    target: Target,
    key: GatewayProviderKey | null,
    started: number,
    end: AttemptEnd,
    failed: (status: number | null, error: string | undefined, timedOut: boolean) => Outcome,
  ): Outcome {
    if (ex.client.gone) {
      const statusCode = end.committed ? end.status : 0;
      const tokens = end.committed ? end.tokens : undefined;
      this.event(ex, target, key, started, { statusCode, tokens, isError: true, complete: false, error: 'the client disconnected' });
      return { done: true };
    }
    if (!end.committed) {
      if (end.status === 429 && key) this.cooldowns.set(key.id, Date.now() + cooldownMs(end.retryAfter));
      return failed(end.status, end.error, end.timedOut);
    }
    if (key) this.cooldowns.delete(key.id);
    if (end.brokenBy) {
      this.deps.log.warn({ requestId: ex.requestId, provider: target.provider.id, reason: end.brokenBy }, 'upstream stream broke');
      this.event(ex, target, key, started, {
        statusCode: end.status,
        tokens: end.tokens,
        isError: true,
        complete: false,
        error: `stream interrupted: ${end.brokenBy}`,
      });
    } else {
      this.event(ex, target, key, started, { statusCode: end.status, tokens: end.tokens });
    }
    return { done: true };
  }
}
