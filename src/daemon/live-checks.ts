import type { DaemonChecks, StoreCheck } from '../core/daemon-status.js';
import { within } from '../core/deadline.js';
import type { SecretStore } from '../secrets/types.js';

/** What the live checks look at: the readiness the gateway's /ready answers with, and the chosen secret store. */
export interface LiveCheckSources {
  /** Why this daemon should not serve now; undefined when it should (SQLite: always, once it listens). */
  notReady: (() => Promise<string | undefined>) | undefined;
  secrets: { kind: string; store: SecretStore; available: boolean; reason: string };
  timeoutMs: number;
}

async function readiness(notReady: LiveCheckSources['notReady'], timeoutMs: number): Promise<StoreCheck> {
  if (!notReady) return { status: 'ok', detail: 'ready (the SQLite Store is in this process)' };
  // A stuck keychain or database must not hang the check.
  const reason = await within(
    notReady().catch((err: Error) => err.message),
    timeoutMs,
    () => `no answer within ${timeoutMs} ms`,
  );
  if (!reason) return { status: 'ok', detail: 'ready: PostgreSQL answers and the routing snapshot follows the other replicas' };
  return { status: 'fail', detail: `not ready: ${reason}`, fix: 'check that the database server is up and reachable from the daemon' };
}

async function secretStoreAnswers({ secrets, timeoutMs }: LiveCheckSources): Promise<StoreCheck> {
  if (!secrets.available) return { status: 'fail', detail: `the ${secrets.kind} secret store cannot be reached: ${secrets.reason}` };
  const answer = await within(
    secrets.store.list().then(
      (refs) => ({ refs: refs.length }),
      (err: Error) => ({ error: err.message }),
    ),
    timeoutMs,
    () => ({ error: `no answer within ${timeoutMs} ms` }),
  );
  if ('error' in answer) {
    return { status: 'fail', detail: `the ${secrets.kind} secret store does not answer: ${answer.error}`, fix: 'see the daemon log' };
  }
  return { status: 'ok', detail: `the ${secrets.kind} secret store answers (${answer.refs} value${answer.refs === 1 ? '' : 's'})` };
}

/** The checks `GET /status/checks` answers with; each is bounded by `timeoutMs`. */
export function liveChecks(sources: LiveCheckSources): () => Promise<DaemonChecks> {
  return async () => {
    const [ready, secretStore] = await Promise.all([readiness(sources.notReady, sources.timeoutMs), secretStoreAnswers(sources)]);
    return { ready, secretStore };
  };
}
