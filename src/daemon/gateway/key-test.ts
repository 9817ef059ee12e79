import { AigwError, ERRORS } from '../../core/errors.js';
import type { KeyTestResult } from '../../core/gateway-api.js';
import type { SecretCache } from './secret-cache.js';
import type { SnapshotHolder } from './snapshot.js';
import { upstreamRequestHeaders, upstreamTarget, type UpstreamPools } from './upstream.js';

const TEST_TIMEOUT_MS = 10_000;

function verdict(status: number): { ok: boolean; message: string } {
  if (status >= 200 && status < 300) return { ok: true, message: 'the provider accepted the key' };
  if (status === 401 || status === 403) return { ok: false, message: `the provider rejected the key (HTTP ${status}); rotate it` };
  if (status === 429) return { ok: true, message: 'the provider accepted the key but is rate limiting it (HTTP 429)' };
  return { ok: false, message: `the provider answered HTTP ${status}; the key could not be checked` };
}

/** One cheap authenticated call, the provider's models list, made with a stored key. */
export async function testProviderKey(
  deps: { holder: SnapshotHolder; secrets: SecretCache; pools: UpstreamPools },
  id: string,
): Promise<KeyTestResult> {
  const snapshot = deps.holder.current;
  const key = snapshot.keys.get(id);
  if (!key) throw new AigwError(ERRORS.notFound, `provider key ${id} does not exist; run \`aigw provider-keys list\``, { id });
  const provider = snapshot.providers.get(key.providerId);
  if (!provider) throw new AigwError(ERRORS.unknownProvider, `the provider "${key.providerId}" of ${id} no longer exists`, { id });
  const secret = (await deps.secrets.fetch(key.secretRef))?.reveal();
  if (secret === undefined) {
    throw new AigwError(ERRORS.secretStoreUnavailable, `the value of ${id} is missing from the secret store; rotate the key`, { id });
  }
  const started = performance.now();
  const base = { id, providerId: key.providerId, keyRedacted: key.keyRedacted, testedAt: new Date().toISOString() };
  const headers = upstreamRequestHeaders({}, provider, secret);
  try {
    const response = await deps.pools.request(upstreamTarget(provider, '/models', ''), {
      headers,
      signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
    });
    await response.body.dump().catch(() => undefined);
    const latencyMs = Math.round(performance.now() - started);
    return { ...base, ...verdict(response.statusCode), statusCode: response.statusCode, latencyMs };
  } catch (err) {
    const latencyMs = Math.round(performance.now() - started);
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${TEST_TIMEOUT_MS} ms` : (err as Error).message;
    return { ...base, ok: false, statusCode: null, latencyMs, message: `could not reach ${provider.baseUrl}: ${why}` };
  }
}
