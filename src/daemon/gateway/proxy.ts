import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AigwError, ERRORS } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { scrubSecret } from '../../core/scrub.js';
import type { ApiFormat } from '../../core/providers.js';
import type { UsageDraft } from '../../store/types.js';
import { bearerToken } from '../bearer.js';
import type { Logger } from '../log.js';
import { sendGatewayError, streamErrorEvent, type AttemptSummary } from './errors.js';
import { keysFor, resolveTargets, usableModels, type Target } from './resolve.js';
import type { SecretCache } from './secret-cache.js';
import type { GatewayAccessKey, GatewayProviderKey, SnapshotHolder } from './snapshot.js';
import { clientResponseHeaders, upstreamRequestHeaders, upstreamUrl, type UpstreamPools } from './upstream.js';
import { foldUsage, noTokens, SseUsageScanner, type TokenCounts } from './usage.js';
import type { UsageRecorder } from './usage.js';

export const REQUEST_ID_HEADER = 'x-aigw-request-id';
export const ATTEMPTS_HEADER = 'x-aigw-attempts';

/** Statuses after which the next key, step or model is tried (if nothing has reached the client yet). */
export function isRetryable(status: number): boolean {
  return status === 401 || status === 403 || status === 429 || status >= 500;
}

/** Request ids come from a pool of random bytes, refilled 256 ids at a time: one CSPRNG call, not one per request. */
const ID_BYTES = 12;
const ID_POOL_BYTES = ID_BYTES * 256;
let idPool = Buffer.alloc(0);
let idOffset = 0;

function newRequestId(): string {
  if (idOffset + ID_BYTES > idPool.length) {
    idPool = randomBytes(ID_POOL_BYTES);
    idOffset = 0;
  }
  const id = idPool.toString('hex', idOffset, idOffset + ID_BYTES);
  idOffset += ID_BYTES;
  return `req_${id}`;
}

/** The query string of a request URL (`?a=b`), or '' — without parsing the URL. */
function searchOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q);
}

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
}

function credentialOf(headers: FastifyRequest['headers']): string | undefined {
  const bearer = bearerToken(headers.authorization);
  if (bearer) return bearer;
  const apiKey = headers['x-api-key'];
  return typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : undefined;
}

/** Per request: who is calling, what was tried, and what will be recorded. */
interface Exchange {
  requestId: string;
  endpoint: Endpoint;
  accessKey: GatewayAccessKey;
  request: FastifyRequest;
  reply: FastifyReply;
  body: Record<string, unknown>;
  streaming: boolean;
  deadline: number;
  /** Whether the client went away, and the attempt to abort when it does (one AbortController per attempt, not two). */
  client: { gone: boolean; attempt: AbortController | undefined };
  attempts: number;
  events: UsageDraft[];
  summaries: AttemptSummary[];
}

type Outcome = { done: true } | { done: false; summary: AttemptSummary; timedOut: boolean };

/**
 * The data plane: authenticates the access key, resolves models, and tries provider keys in order until one
 * answers, failing over on connection errors, timeouts, 401, 403, 429 and 5xx while nothing has reached the
 * client. Every attempt becomes a usage event.
 */
export class GatewayProxy {
  private readonly cooldowns = new Map<string, number>();

  constructor(private readonly deps: ProxyDeps) {}

  /** The access key behind the request's credential, or a 401 in the API's own error shape. */
  private authenticate(request: FastifyRequest): GatewayAccessKey {
    const token = credentialOf(request.headers);
    const hash = token && this.deps.holder.tokenHash(token);
    const accessKey = hash ? this.deps.holder.current.accessKeys.get(hash) : undefined;
    if (!accessKey) {
      throw new AigwError(
        ERRORS.accessKeyInvalid,
        token
          ? 'authentication failed: the access key is unknown or was deleted; create one with `aigw access-keys create`'
          : 'authentication failed: send an aigw access key as "Authorization: Bearer <key>" or "x-api-key: <key>"',
      );
    }
    return accessKey;
  }

  /** `GET /v1/models`: the models this access key may use, named `provider:model`. */
  models(request: FastifyRequest, reply: FastifyReply): void {
    const requestId = newRequestId();
    reply.header(REQUEST_ID_HEADER, requestId).header(ATTEMPTS_HEADER, '0');
    let accessKey: GatewayAccessKey;
    try {
      accessKey = this.authenticate(request);
    } catch (err) {
      return sendGatewayError(reply, 'openai', err as AigwError, requestId);
    }
    const data = usableModels(this.deps.holder.current, accessKey).map((t) => ({
      id: t.label,
      object: 'model',
      created: 0,
      owned_by: t.provider.id,
    }));
    reply.send({ object: 'list', data });
  }

  async handle(endpoint: Endpoint, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const requestId = newRequestId();
    reply.header(REQUEST_ID_HEADER, requestId).header(ATTEMPTS_HEADER, '0');
    const snapshot = this.deps.holder.current;
    let accessKey: GatewayAccessKey;
    let targets: Target[];
    const body = request.body as Record<string, unknown>;
    try {
      accessKey = this.authenticate(request);
      if (!body || typeof body !== 'object' || Array.isArray(body)) {
        throw new AigwError(ERRORS.invalidRequest, 'the request body must be a JSON object');
      }
      const specs = [body.model, ...(Array.isArray(body.models) ? body.models : [])].filter(
        (m): m is string => typeof m === 'string' && m !== '',
      );
      targets = resolveTargets(snapshot, accessKey, specs, endpoint.format);
    } catch (err) {
      if (!(err instanceof AigwError)) throw err;
      return sendGatewayError(reply, endpoint.format, err, requestId);
    }

    const client: Exchange['client'] = { gone: false, attempt: undefined };
    reply.raw.on('close', () => {
      if (reply.raw.writableFinished) return;
      client.gone = true;
      client.attempt?.abort();
    });
    const ex: Exchange = {
      requestId,
      endpoint,
      accessKey,
      request,
      reply,
      body,
      streaming: body.stream === true,
      deadline: Date.now() + snapshot.settings.totalTimeoutMs,
      client,
      attempts: 0,
      events: [],
      summaries: [],
    };
    let allTimedOut = true;
    let anyKey = false;
    for (const target of targets) {
      const keys = keysFor(snapshot, accessKey, target);
      // A custom provider with no keys (a local Ollama, say) is called without credentials.
      const plan: readonly (GatewayProviderKey | null)[] = keys.length || !target.provider.resourceId ? keys : [null];
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
      const err = new AigwError(
        ERRORS.noProviderKeys,
        `no provider keys are available for ${providers}; add one with \`aigw provider-keys create --provider-id ${targets[0]!.provider.id}\``,
        { providerId: providers },
      );
      return sendGatewayError(reply, endpoint.format, err, requestId);
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
    ex.reply.header('retry-after', String(seconds));
    sendGatewayError(ex.reply, ex.endpoint.format, err, ex.requestId, ex.summaries);
  }

  private summary(ex: Exchange, target: Target, key: GatewayProviderKey | null, status: number | null, error?: string): AttemptSummary {
    return {
      attempt: ex.attempts,
      model: target.label,
      providerKeyId: key?.id ?? null,
      keyRedacted: key?.keyRedacted ?? null,
      status,
      ...(error ? { error } : {}),
    };
  }

  private fail(ex: Exchange, targets: Target[], timedOut: boolean): void {
    this.finish(ex);
    const list = ex.summaries
      .map((s) => {
        const via = s.providerKeyId ? `with ${s.providerKeyId} (${s.keyRedacted})` : 'without a key';
        return `${s.model} ${via}: ${s.status ?? s.error}${s.status && s.error ? ` ${s.error}` : ''}`;
      })
      .join('; ');
    const what = targets.map((t) => t.label).join(', ');
    const err = timedOut
      ? new AigwError(ERRORS.upstreamTimeout, `every upstream attempt for ${what} timed out: ${list}`)
      : new AigwError(ERRORS.upstreamFailed, `every upstream attempt for ${what} failed: ${list}`);
    ex.reply.header(ATTEMPTS_HEADER, String(ex.attempts));
    sendGatewayError(ex.reply, ex.endpoint.format, err, ex.requestId, ex.summaries);
  }

  /** Records the request's usage events, the last one marked final. */
  private finish(ex: Exchange): void {
    const last = ex.events.at(-1);
    if (last) last.isFinalAttempt = true;
    for (const event of ex.events) this.deps.usage.record(event);
    ex.events = [];
  }

  private event(
    ex: Exchange,
    target: Target,
    key: GatewayProviderKey | null,
    started: number,
    fields: { statusCode: number; timedOut?: boolean; error?: string | null; tokens?: TokenCounts; isError?: boolean },
  ): UsageDraft {
    const tokens = fields.tokens ?? noTokens();
    // The id is made here (cheap, and in creation order); the time is formatted by the usage writer thread.
    const timeMs = Date.now();
    const event: UsageDraft = {
      id: newId('usageEvent', timeMs),
      timeMs,
      requestId: ex.requestId,
      accessKeyId: ex.accessKey.id,
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
      reasoningTokens: tokens.reasoningTokens,
      providerKeyId: key?.id ?? null,
      providerKeyRedacted: key?.keyRedacted ?? null,
      latencyMs: Math.round(performance.now() - started),
      error: fields.error ?? null,
    };
    ex.events.push(event);
    return event;
  }

  private async attempt(ex: Exchange, target: Target, key: GatewayProviderKey | null): Promise<Outcome> {
    ex.attempts++;
    const started = performance.now();
    const settings = this.deps.holder.current.settings;
    const controller = new AbortController();
    let timedOut = false;
    const budget = Math.max(0, Math.min(settings.perRequestTimeoutMs, ex.deadline - Date.now()));
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, budget);
    ex.client.attempt = controller;
    const failed = (status: number | null, error: string | undefined): Outcome => {
      this.event(ex, target, key, started, { statusCode: status ?? 0, timedOut, error: error ?? null });
      return { done: false, summary: this.summary(ex, target, key, status, error), timedOut };
    };
    try {
      let secret = key ? (this.deps.secrets.peek(key.secretRef) ?? (await this.deps.secrets.reveal(key.secretRef).catch(() => undefined))) : undefined;
      if (key && secret === undefined) return failed(null, 'the key value could not be read from the secret store');
      const { models: _fallbacks, ...rest } = ex.body;
      const headers = upstreamRequestHeaders(ex.request.headers, target.provider, secret);
      secret = undefined;
      const url = upstreamUrl(target.provider, ex.endpoint.apiPath, searchOf(ex.request.url));
      const response = await this.deps.pools.request(url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ ...rest, model: target.model }),
        signal: controller.signal,
      });
      const status = response.statusCode;
      if (isRetryable(status)) {
        await response.body.dump().catch(() => undefined);
        if (status === 429 && key) this.cooldowns.set(key.id, Date.now() + cooldownMs(response.headers['retry-after']));
        return failed(status, undefined);
      }
      const headersOut = {
        ...clientResponseHeaders(response.headers),
        [REQUEST_ID_HEADER]: ex.requestId,
        [ATTEMPTS_HEADER]: String(ex.attempts),
      };
      const contentType = String(response.headers['content-type'] ?? '');
      if (!contentType.includes('text/event-stream')) {
        let bytes: Buffer = Buffer.from(await response.body.arrayBuffer());
        if (status >= 400 && key) bytes = await this.scrubbed(bytes, key);
        const tokens = noTokens();
        if (status < 300 && contentType.includes('json')) {
          try {
            foldUsage(tokens, JSON.parse(bytes.toString('utf8')));
          } catch {
            // A body we cannot read as JSON still goes to the client as it is.
          }
        }
        if (key) this.cooldowns.delete(key.id);
        this.event(ex, target, key, started, { statusCode: status, tokens });
        ex.reply.status(status).headers(headersOut).send(bytes);
        return { done: true };
      }
      // A stream: nothing is committed until its first bytes are here, so a stream that dies at once fails over.
      const chunks = response.body[Symbol.asyncIterator]();
      const first = await chunks.next();
      clearTimeout(timer);
      if (key) this.cooldowns.delete(key.id);
      await this.stream(ex, target, key, started, status, headersOut, first, chunks, controller);
      return { done: true };
    } catch (err) {
      if (ex.client.gone) {
        this.event(ex, target, key, started, { statusCode: 0, error: 'the client disconnected' });
        return { done: true };
      }
      const message = timedOut
        ? `timed out after ${budget} ms`
        : `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
      return failed(null, message);
    } finally {
      clearTimeout(timer);
      ex.client.attempt = undefined;
    }
  }

  /** An upstream error body with any echo of the key (SCRUB_MIN_FRAGMENT characters or more) replaced. */
  private async scrubbed(bytes: Buffer, key: GatewayProviderKey): Promise<Buffer> {
    const secret = await this.deps.secrets.reveal(key.secretRef).catch(() => undefined);
    const text = bytes.toString('utf8');
    const clean = scrubSecret(text, secret);
    return clean === text ? bytes : Buffer.from(clean, 'utf8');
  }

  /** Passes an SSE stream through byte for byte, with backpressure; a broken upstream ends it with an error event. */
  private async stream(
    ex: Exchange,
    target: Target,
    key: GatewayProviderKey | null,
    started: number,
    status: number,
    headers: Record<string, string | string[]>,
    first: IteratorResult<Buffer>,
    rest: AsyncIterator<Buffer>,
    controller: AbortController,
  ): Promise<void> {
    const raw: ServerResponse = ex.reply.raw;
    ex.reply.hijack();
    raw.writeHead(status, { ...headers, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' });
    raw.flushHeaders();
    const tokens = noTokens();
    const scanner = new SseUsageScanner(tokens);
    // An upstream that goes quiet mid-stream for longer than the per-request timeout is treated as broken.
    const idleMs = this.deps.holder.current.settings.perRequestTimeoutMs;
    let idle: NodeJS.Timeout | undefined;
    let stalled = false;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        stalled = true;
        controller.abort();
      }, idleMs);
    };
    const write = async (chunk: Buffer) => {
      scanner.feed(chunk);
      if (!raw.write(chunk)) {
        // A slow client is not a stalled upstream: the idle clock waits while the client drains.
        clearTimeout(idle);
        await once(raw, 'drain', { signal: controller.signal });
      }
      arm();
    };
    try {
      if (!first.done) await write(first.value);
      for (let next = await rest.next(); !next.done; next = await rest.next()) await write(next.value);
      this.event(ex, target, key, started, { statusCode: status, tokens });
      raw.end();
    } catch (err) {
      if (ex.client.gone) {
        this.event(ex, target, key, started, { statusCode: status, tokens, isError: true, error: 'the client disconnected' });
        controller.abort();
        return;
      }
      const reason = stalled
        ? `no data for ${idleMs} ms`
        : `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
      this.deps.log.warn({ requestId: ex.requestId, provider: target.provider.id, reason }, 'upstream stream broke');
      this.event(ex, target, key, started, { statusCode: status, tokens, isError: true, error: `stream interrupted: ${reason}` });
      raw.end(streamErrorEvent(ex.endpoint.format, `the upstream stream from ${target.provider.id} broke off: ${reason}`));
    } finally {
      clearTimeout(idle);
    }
  }
}
