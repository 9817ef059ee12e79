import Database from 'better-sqlite3';
import { join } from 'node:path';
import { keep, statementFor } from '../../src/store/sqlite/handles.js';

type Keytar = typeof import('keytar');

/** In CI (and inside .ci/keyring-session.sh) a real Secret Service is promised: its absence is a failure. */
export const KEYCHAIN_REQUIRED = Boolean(process.env.CI || process.env.AIGW_TEST_KEYCHAIN);

/** keytar, when it is installed and the keychain takes and returns a test item; otherwise why not. */
export async function usableKeytar(): Promise<Keytar | string> {
  let keytar: Keytar;
  try {
    const mod = (await import('keytar')) as Keytar & { default?: Keytar };
    keytar = mod.default ?? mod;
  } catch (err) {
    return `keytar is not installed: ${(err as Error).message}`;
  }
  try {
    const account = `probe-${process.pid}`;
    await keytar.setPassword('aigw-test-probe', account, 'probe');
    const back = await keytar.getPassword('aigw-test-probe', account);
    await keytar.deletePassword('aigw-test-probe', account);
    if (back !== 'probe') return 'the keychain did not return what was stored (locked?)';
  } catch (err) {
    return `the keychain is not reachable: ${(err as Error).message}`;
  }
  return keytar;
}

/** The install id and secret refs the daemon recorded: read from its real SQLite file. */
export function storeFacts(home: string): { installId: string; refs: Map<string, string> } {
  const db = keep(new Database(join(home, 'data', 'aigw.db'), { readonly: true, fileMustExist: true }));
  try {
    const installId = (statementFor(db, "SELECT value FROM settings WHERE name = 'install_id'").get() as { value: string }).value;
    const rows = statementFor(db, 'SELECT id, secret_ref FROM provider_keys').all() as { id: string; secret_ref: string }[];
    return { installId, refs: new Map(rows.map((r) => [r.id, r.secret_ref])) };
  } finally {
    db.close();
  }
}
