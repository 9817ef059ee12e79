import type { IncomingMessage, ServerResponse } from 'node:http';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { ApiFormat } from '../../core/providers.js';
import { writeGatewayError } from './errors.js';

/** Names that always reach this machine: a DNS name an attacker controls can never be one of them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Response headers a page from an allowed origin may read. */
const EXPOSED_HEADERS = 'x-aigw-request-id, x-aigw-attempts, x-request-id, request-id, retry-after';
const PREFLIGHT_MAX_AGE = '600';

export interface BrowserGuardOptions {
  /** Extra Host names the gateway answers to (a reverse proxy's name); a port, if given, must match too. */
  allowedHosts?: readonly string[];
  /** Browser origins (`https://app.example.com`) allowed to call the gateway; `*` allows any. */
  allowedOrigins?: readonly string[];
}

/** A comma-separated list from a flag or the environment, lower-cased, without blanks. */
export function parseList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * DNS-rebinding and cross-origin protection for the gateway. A web page the user visits can make the
 * browser send requests to 127.0.0.1 under the page's own DNS name (rebinding) or its own origin; the
 * gateway answers only requests whose Host is a loopback name (or a configured one) and, when a browser
 * sends an Origin, only allowed origins — with CORS headers for those and none for anyone else.
 *
 * Everything is decided with Set lookups on strings precomputed at start (and when the port is known).
 */
export class BrowserGuard {
  private hosts = new Set<string>();
  private readonly origins: Set<string>;
  private readonly anyOrigin: boolean;

  constructor(private readonly options: BrowserGuardOptions = {}) {
    this.origins = new Set((options.allowedOrigins ?? []).map((o) => o.replace(/\/+$/, '')));
    this.anyOrigin = this.origins.has('*');
    this.setPort(undefined);
  }

  /** Called once the gateway listens: `localhost:<port>` is what browsers and SDKs send. */
  setPort(port: number | undefined): void {
    const hosts = new Set<string>();
    for (const name of [...LOOPBACK_NAMES, ...(this.options.allowedHosts ?? [])]) {
      hosts.add(name);
      // A configured name with its own port matches only that; a bare one also with the listen port.
      if (port !== undefined && !/:\d+$/.test(name)) hosts.add(`${name}:${port}`);
    }
    this.hosts = hosts;
  }

  hostAllowed(host: string | undefined): boolean {
    return host !== undefined && (this.hosts.has(host) || this.hosts.has(host.toLowerCase()));
  }

  originAllowed(origin: string): boolean {
    return this.anyOrigin || this.origins.has(origin) || this.origins.has(origin.toLowerCase());
  }

  /**
   * Run before routing: false when the request was answered here (a refusal, or a CORS preflight), true
   * when it may go on — with the CORS headers for an allowed origin already set on the response.
   */
  admit(req: IncomingMessage, res: ServerResponse, format: ApiFormat): boolean {
    const host = req.headers.host;
    if (!this.hostAllowed(host)) {
      const err = new AigwError(
        ERRORS.hostNotAllowed,
        `the gateway does not answer to the host "${String(host ?? '').slice(0, 100)}"; ` +
          'call it as localhost or 127.0.0.1, or add the name to AIGW_GATEWAY_ALLOWED_HOSTS',
      );
      return refuse(req, res, format, err);
    }
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (!this.originAllowed(origin)) {
      const err = new AigwError(
        ERRORS.originNotAllowed,
        `browser requests from ${origin.slice(0, 200)} are not allowed; add the origin to AIGW_GATEWAY_ALLOWED_ORIGINS`,
      );
      return refuse(req, res, format, err);
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'origin');
    if (req.method === 'OPTIONS') {
      const asked = req.headers['access-control-request-headers'];
      req.resume();
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': typeof asked === 'string' ? asked : 'authorization, x-api-key, content-type',
        'access-control-max-age': PREFLIGHT_MAX_AGE,
      });
      res.end();
      return false;
    }
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    return true;
  }
}

function refuse(req: IncomingMessage, res: ServerResponse, format: ApiFormat, err: AigwError): false {
  req.resume();
  writeGatewayError(res, format, err);
  return false;
}
