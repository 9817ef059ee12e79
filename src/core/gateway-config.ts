import { AigwError, ERRORS } from './errors.js';

/** The stored settings, as the API shows them (ngrok's AIGatewayConfig fields, plus providerBaseUrls). */
export interface GatewayConfig {
  totalTimeout: string;
  perRequestTimeout: string;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  metadata: string | null;
  /** Overrides of built-in providers' base URLs, by provider id. */
  providerBaseUrls: Record<string, string>;
  /** Providers whose requests may carry the client's own key (see PassthroughSetting), by provider id. */
  passthroughProviders: Record<string, PassthroughSetting>;
}

/**
 * Passthrough for one provider: a request with no aigw access key but a key of the client's own is forwarded
 * with that key, while aigw holds no key for the provider. `allowNonLoopback` is what its enabler said; `active`
 * is whether the gateway applies it now: a setting made for loopback stays off while the gateway listens on
 * any other address.
 */
export interface PassthroughSetting {
  allowNonLoopback: boolean;
  active: boolean;
}

/** Gateway settings the data plane reads: timeouts as Go duration strings (ngrok's format) and limits. */
export const GATEWAY_DEFAULTS = {
  totalTimeout: '10m',
  perRequestTimeout: '5m',
} as const;

/** The settings as the gateway uses them: timeouts in milliseconds, every built-in provider's effective base URL. */
export interface GatewaySettings {
  totalTimeoutMs: number;
  perRequestTimeoutMs: number;
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
  baseUrls: Record<string, string>;
  /** Providers with passthrough in force (active), by provider id; empty for almost everyone. */
  passthrough: ReadonlySet<string>;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(h|ms|m|s|us|µs|ns)/y;

/** Parses a Go duration (`30s`, `1m30s`, `1.5h`) into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  if (!text) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const start = PART.lastIndex;
    const match = PART.exec(text);
    if (!match || match.index !== start) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return total;
}

/** What the gateway uses before it has read the stored settings: the documented defaults. */
export function defaultGatewaySettings(): GatewaySettings {
  return {
    totalTimeoutMs: parseDuration(GATEWAY_DEFAULTS.totalTimeout)!,
    perRequestTimeoutMs: parseDuration(GATEWAY_DEFAULTS.perRequestTimeout)!,
    maxInputTokens: null,
    maxOutputTokens: null,
    baseUrls: {},
    passthrough: new Set(),
  };
}

const MAX_TIMEOUT_MS = 24 * 3_600_000;

/** A timeout between one millisecond and a day, as a Go duration string. */
export function checkTimeout(field: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms < 1 || ms > MAX_TIMEOUT_MS) {
    throw new AigwError(
      ERRORS.invalidField,
      `${field} "${text}" must be a duration from 1ms to 24h, such as 30s, 2m or 1m30s`,
      { field },
    );
  }
  return ms;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 };

/** A byte size such as `10MiB`, `512kb` or `1048576`; undefined when it is not one. */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes > 0 ? bytes : undefined;
}
