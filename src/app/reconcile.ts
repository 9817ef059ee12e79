import type { SecretVault } from './ports.js';
import { VALUE_HMAC_KEY_REF } from './provider-keys.js';
import type { Store } from '../store/types.js';
import type { Logger } from './ports.js';

export interface Reconciliation {
  orphansRemoved: number;
  /** Keys whose row survived but whose value did not: they need a rotate. */
  missing: string[];
}

/**
 * Brings the secret store in line with the database, which is the source of truth. Values are written
 * before their row and deleted after it, so a crash can only leave orphan values: those are removed here.
 * Runs before the control socket accepts requests, so no write of this daemon's is in flight; replicas on a
 * shared database may be writing, so the database secret store lists a value no key points at yet only once
 * it is old enough not to be a write in progress.
 */
export async function reconcileSecrets(store: Store, secrets: SecretVault, log: Logger): Promise<Reconciliation> {
  const wanted = await store.listSecretRefs();
  const present = new Set(await secrets.list());
  let orphansRemoved = 0;
  for (const ref of present) {
    if (wanted.has(ref) || ref === VALUE_HMAC_KEY_REF) continue;
    await secrets.delete(ref);
    orphansRemoved++;
  }
  const missing = [...wanted].filter((ref) => !present.has(ref)).map((ref) => ref.split('.')[0]!);
  if (orphansRemoved) log.info({ orphansRemoved }, 'reconciled the secret store: removed values no key points at');
  if (missing.length) log.error({ keys: missing }, 'these keys have no stored value; rotate them to set one');
  return { orphansRemoved, missing };
}
