import { createRequire } from 'node:module';
import type { Dispatcher, Pool as UndiciPool } from 'undici';
import { ANTHROPIC_VERSION } from '../../core/providers.js';
import type { GatewayProvider } from './snapshot.js';

// undici's index loads all of undici (fetch, WebSocket, caches, mocks: ~95 modules, ~850 KB of source) where
// the gateway needs a Pool and request(): ~30 modules. Node 22's idle daemon: ~4 MB less RSS. The paths are
// undici 6's own layout, and undici is pinned to 6.x.
const require = createRequire(import.meta.url);
const Pool: typeof UndiciPool = require('undici/lib/dispatcher/pool.js');
const undiciRequest: (this: Dispatcher, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData> = require('undici/lib/api/api-request.js');
/** A raw header name in lower case, as undici reads its own: a well-known name is a shared string, not a new copy. */
const headerName: (raw: Buffer) => string = require('undici/lib/core/util.js').headerNameToString;

/** Response headers of aigw's own: which request this was (for `aigw usage list`), and how many upstream calls it took. */
export const REQUEST_ID_HEADER = 'x-aigw-request-id';
export const ATTEMPTS_HEADER = 'x-aigw-attempts';

/** Request headers a client may send upstream; everything else, its credential above all, stays here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'user-agent', 'openai-beta', 'anthropic-version', 'anthropic-beta'];

/**
 * Response headers passed back to the client, by exact name: a provider's new or odd header is dropped
 * until it is listed here. Their values are scrubbed of the request's keys all the same.
 */
const RATE_LIMIT_FIELDS = ['limit', 'remaining', 'reset'];
const FORWARDED_RESPONSE_HEADERS = new Set([
  'content-type',
  'cache-control',
  'retry-after',
  'x-request-id',
  'request-id',
  'openai-processing-ms',
  'openai-version',
  ...['requests', 'tokens'].flatMap((what) => RATE_LIMIT_FIELDS.map((field) => `x-ratelimit-${field}-${what}`)),
  ...['requests', 'tokens', 'input-tokens', 'output-tokens'].flatMap((what) =>
    RATE_LIMIT_FIELDS.map((field) => `anthropic-ratelimit-${what}-${field}`),
  ),
]);

export function upstreamRequestHeaders(
  incoming: Record<string, string | string[] | undefined>,
  provider: GatewayProvider,
  secret: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string') headers[name] = value;
  }
  if (provider.auth === 'x-api-key') {
    headers['anthropic-version'] ??= ANTHROPIC_VERSION;
    if (secret !== undefined) headers['x-api-key'] = secret;
  } else if (secret !== undefined) {
    headers.authorization = `Bearer ${secret}`;
  }
  return headers;
}

/** The response headers passed to the client, as a flat name/value list, and the two the gateway reads. */
export interface ForwardedHeaders {
  headers: string[];
  contentType: string;
  retryAfter: string | undefined;
}

/**
 * Filters undici's raw response headers (alternating name and value buffers) without building an object;
 * `scrub` cleans each value passed on. The two the gateway reads are kept as they came.
 */
export function forwardedResponseHeaders(raw: readonly Buffer[], scrub: { header(value: string): string }): ForwardedHeaders {
  const out: ForwardedHeaders = { headers: [], contentType: '', retryAfter: undefined };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = headerName(raw[i]!);
    if (!FORWARDED_RESPONSE_HEADERS.has(name)) continue;
    const value = raw[i + 1]!.toString('latin1');
    out.headers.push(name, scrub.header(value));
    if (name === 'content-type') out.contentType = value;
    else if (name === 'retry-after') out.retryAfter = value;
  }
  return out;
}

/** Where a request goes: the pool's origin and the path on it. */
export interface UpstreamTarget {
  origin: string;
  path: string;
}

/** The upstream target of an API path (`/chat/completions`) on a provider whose base URL ends in its version. */
export function upstreamTarget(provider: GatewayProvider, apiPath: string, search: string): UpstreamTarget {
  if (search) return toTarget(new URL(provider.baseUrl.replace(/\/+$/, '') + apiPath + search));
  // Without a query string the target is the same for every request: built once per provider and path (the
  // provider object lives as long as its routing snapshot, so a changed base URL gets a new one).
  let byPath = TARGET_CACHE.get(provider);
  if (!byPath) TARGET_CACHE.set(provider, (byPath = new Map()));
  let target = byPath.get(apiPath);
  if (!target) {
    target = toTarget(new URL(provider.baseUrl.replace(/\/+$/, '') + apiPath));
    byPath.set(apiPath, target);
  }
  return target;
}
const toTarget = (url: URL): UpstreamTarget => ({ origin: url.origin, path: url.pathname + url.search });
/** Shared, so callers only read it; a handful of API paths per provider. */
const TARGET_CACHE = new WeakMap<GatewayProvider, Map<string, UpstreamTarget>>();

/** The most response-header bytes an upstream may send (Node's own default, made explicit): more is a failed attempt. */
export const UPSTREAM_MAX_HEADER_SIZE = 16 * 1024;

/** Our own timers bound each attempt; undici's defaults would cut long streams. */
const NO_UNDICI_TIMEOUTS = { headersTimeout: 0, bodyTimeout: 0 } as const;

/** One undici pool per upstream origin, with keep-alive, so repeated calls reuse warm connections. */
export class UpstreamPools {
  private readonly pools = new Map<string, UndiciPool>();

  private pool(origin: string): UndiciPool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: 64,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 300_000,
        connect: { timeout: 10_000 },
        maxHeaderSize: UPSTREAM_MAX_HEADER_SIZE,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  /** A request whose answer goes to a dispatch handler (the gateway's hot path). */
  dispatch(target: UpstreamTarget, request: { headers: Record<string, string>; body: string }, handler: Dispatcher.DispatchHandlers): void {
    const { headersTimeout, bodyTimeout } = NO_UNDICI_TIMEOUTS;
    this.pool(target.origin).dispatch({ path: target.path, method: 'POST', headers: request.headers, body: request.body, headersTimeout, bodyTimeout }, handler);
  }

  /** A request whose whole answer is awaited (key tests). */
  request(target: UpstreamTarget, { headers, signal }: { headers: Record<string, string>; signal: AbortSignal }): Promise<Dispatcher.ResponseData> {
    return undiciRequest.call(this.pool(target.origin), { path: target.path, method: 'GET', headers, signal, ...NO_UNDICI_TIMEOUTS });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
