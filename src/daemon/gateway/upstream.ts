import { Pool, type Dispatcher } from 'undici';
import { ANTHROPIC_VERSION } from '../../core/providers.js';
import type { GatewayProvider } from './snapshot.js';

/** Request headers a client may send upstream; everything else, its credential above all, stays here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'accept', 'user-agent', 'openai-beta', 'anthropic-version', 'anthropic-beta'];

/** Response headers passed back to the client. */
const FORWARDED_RESPONSE_HEADERS = new Set([
  'content-type',
  'cache-control',
  'retry-after',
  'x-request-id',
  'request-id',
  'openai-processing-ms',
  'openai-version',
]);
const FORWARDED_RESPONSE_PREFIXES = ['x-ratelimit-', 'anthropic-ratelimit-'];

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

export function clientResponseHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    if (FORWARDED_RESPONSE_HEADERS.has(name) || FORWARDED_RESPONSE_PREFIXES.some((p) => name.startsWith(p))) out[name] = value;
  }
  return out;
}

/** The upstream URL of an API path (`/chat/completions`) on a provider whose base URL ends in its version. */
export function upstreamUrl(provider: GatewayProvider, apiPath: string, search: string): URL {
  if (search) return new URL(provider.baseUrl.replace(/\/+$/, '') + apiPath + search);
  // Without a query string the URL is the same for every request: built once per base URL and path.
  const key = `${provider.baseUrl}\n${apiPath}`;
  let url = URL_CACHE.get(key);
  if (!url) {
    if (URL_CACHE.size >= URL_CACHE_MAX) URL_CACHE.clear();
    url = new URL(provider.baseUrl.replace(/\/+$/, '') + apiPath);
    URL_CACHE.set(key, url);
  }
  return url;
}
/** Shared, so callers only read it. Bounded: base URLs change only through the settings. */
const URL_CACHE = new Map<string, URL>();
const URL_CACHE_MAX = 256;

/** The most response-header bytes an upstream may send (Node's own default, made explicit): more is a failed attempt. */
export const UPSTREAM_MAX_HEADER_SIZE = 16 * 1024;

/** One undici pool per upstream origin, with keep-alive, so repeated calls reuse warm connections. */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  private pool(origin: string): Pool {
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

  request(
    url: URL,
    options: { method: 'GET' | 'POST'; headers: Record<string, string>; body?: string; signal: AbortSignal },
  ): Promise<Dispatcher.ResponseData> {
    return this.pool(url.origin).request({
      path: url.pathname + url.search,
      method: options.method,
      headers: options.headers,
      body: options.body ?? null,
      signal: options.signal,
      // Our own timers bound each attempt; undici's defaults would cut long streams.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
