import { isIP } from 'node:net';
import { AigwError, ERRORS } from './errors.js';
import { isId } from './ids.js';
import { LIMITS } from './limits.js';
import { charLength } from './provider-keys.js';
import { builtinProvider, type ApiFormat } from './providers.js';

/** The API surfaces each format has; a custom provider lists the ones its server implements. */
export const API_SURFACES: Readonly<Record<ApiFormat, readonly string[]>> = {
  openai: ['chat-completions', 'completions', 'embeddings', 'responses', 'models'],
  anthropic: ['messages', 'models'],
};

export interface SupportedApiSurface {
  format: string;
  surface?: string;
  supportedParams?: { name: string }[];
}

// The id is the address segment of `provider:model`, so it cannot hold a colon or a slash.
const PROVIDER_ID = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;

export function checkProviderId(providerId: string): void {
  const length = charLength(providerId);
  if (length > LIMITS.providerIdChars) {
    throw new AigwError(ERRORS.providerIdTooLong, `providerId is ${length} characters; the limit is ${LIMITS.providerIdChars}`, {
      field: 'providerId',
    });
  }
  if (!PROVIDER_ID.test(providerId) || isId('provider', providerId)) {
    throw new AigwError(
      ERRORS.invalidField,
      `the provider id "${providerId}" must be lower-case letters, digits, ".", "_" or "-", such as "ollama" or "internal-vllm"`,
      { field: 'providerId' },
    );
  }
  if (builtinProvider(providerId)) {
    throw new AigwError(
      ERRORS.providerIdReserved,
      `the provider id "${providerId}" is reserved by a built-in provider; choose another id`,
      { providerId },
    );
  }
}

function octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

function isPrivateIPv4(ip: string): boolean {
  const [a, b] = octets(ip) as [number, number];
  return (
    a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127)
  );
}

function isPrivateIPv6(ip: string): boolean {
  const lower = ip.toLowerCase();
  if (lower === '::1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (mapped) return isPrivateIPv4(mapped[1]!);
  return /^f[cd][0-9a-f]{2}:/.test(lower) || /^fe[89ab][0-9a-f]:/.test(lower);
}

/** Loopback, private (RFC 1918, ULA), link-local or CGNAT addresses, and `localhost` names. */
export function isLocalHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  if (family === 4) return isPrivateIPv4(host);
  if (family === 6) return isPrivateIPv6(host);
  return false;
}

/**
 * An upstream base URL: `https://` anywhere, plain `http://` only to loopback and private addresses (where
 * Ollama and vLLM usually listen), nothing else. No credentials, query or fragment: those would leak.
 */
export function checkBaseUrl(value: string, field = 'baseUrl'): string {
  const length = charLength(value);
  if (length > LIMITS.baseUrlChars) {
    throw new AigwError(ERRORS.baseUrlTooLong, `${field} is ${length} characters; the limit is ${LIMITS.baseUrlChars}`, {
      field,
    });
  }
  const refuse = (reason: string) => new AigwError(ERRORS.baseUrlNotAllowed, `${field} ${value}: ${reason}`, { field });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refuse('not a URL; give one such as http://127.0.0.1:11434/v1 or https://llm.example.com/v1');
  }
  if (url.username || url.password) throw refuse('credentials do not belong in a URL; store them as a provider key');
  if (url.search || url.hash) throw refuse('a base URL has no query string or fragment');
  if (url.protocol === 'https:') return value;
  if (url.protocol === 'http:') {
    if (isLocalHost(url.hostname)) return value;
    throw refuse(`plain http:// is allowed only to loopback and private addresses, not ${url.hostname}; use https://`);
  }
  throw refuse(`the scheme ${url.protocol} is not supported; use https:// (or http:// on a private network)`);
}

export function normalizeSurfaces(surfaces: readonly SupportedApiSurface[]): SupportedApiSurface[] {
  return surfaces.map((s) => {
    const known = API_SURFACES[s.format as ApiFormat];
    if (!known) {
      throw new AigwError(
        ERRORS.unsupportedApiFormat,
        `the API format "${s.format}" is not supported; use ${Object.keys(API_SURFACES).join(' or ')}`,
        { format: s.format },
      );
    }
    if (s.surface !== undefined && !known.includes(s.surface)) {
      throw new AigwError(
        ERRORS.unsupportedApiSurface,
        `the API surface "${s.surface}" is not one of the ${s.format} format's: ${known.join(', ')}`,
        { surface: s.surface },
      );
    }
    return { ...s };
  });
}

export function checkModelIds(modelIds: readonly string[]): void {
  if (modelIds.length > LIMITS.modelsPerProvider) {
    throw new AigwError(ERRORS.invalidField, `a provider lists at most ${LIMITS.modelsPerProvider} models`, { field: 'models' });
  }
  const seen = new Set<string>();
  for (const modelId of modelIds) {
    const length = charLength(modelId);
    if (length === 0 || length > LIMITS.modelIdChars) {
      throw new AigwError(ERRORS.modelIdTooLong, `a modelId must be 1 to ${LIMITS.modelIdChars} characters`, {
        field: 'models.modelId',
      });
    }
    if (seen.has(modelId)) {
      throw new AigwError(ERRORS.duplicateModel, `the model id "${modelId}" is listed more than once`, { modelId });
    }
    seen.add(modelId);
  }
}
