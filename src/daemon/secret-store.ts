import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { AigwError, ERRORS } from '../core/errors.js';
import type { AigwPaths } from '../core/paths.js';
import { readStateFile } from '../core/state-files.js';
import type { SecretRewrap } from '../app/ports.js';
import type { Store } from '../store/types.js';
import { EncryptedFileSecretStore, deriveMasterKey, writeFileAtomic } from '../secrets/file.js';
import { KeychainSecretStore, loadKeytar } from '../secrets/keychain.js';
import { DatabaseSecretStore, type SealedSecretRows } from '../secrets/database.js';
import type { SecretStore, SecretStoreKind } from '../secrets/types.js';
import { DaemonConfigError } from './config-error.js';

export interface SecretStoreChoice {
  store: SecretStore;
  kind: SecretStoreKind;
  /** Why this store is active, in words fit for `aigw daemon status` and `aigw doctor`. */
  reason: string;
  /** False when the store that holds this home's keys cannot be reached right now. */
  available: boolean;
  warnings: string[];
  /** `aigw secrets rewrap`, which only the database secret store does. */
  rewrap?: SecretRewrap | undefined;
}

const RECORDED = 'secret_store';
const KEYCHAIN_TIMEOUT_DEFAULT_MS = 5000;

/** Every call fails with the reason the keychain that holds this home's keys cannot be reached. */
class UnreachableSecretStore implements SecretStore {
  readonly kind = 'keychain';
  constructor(private readonly why: string) {}
  private fail(): never {
    throw new AigwError(ERRORS.secretStoreUnavailable, `the OS keychain holding this home's keys is unreachable: ${this.why}`);
  }
  async set(): Promise<void> {
    this.fail();
  }
  async get(): Promise<string | undefined> {
    this.fail();
  }
  async delete(): Promise<void> {
    this.fail();
  }
  async list(): Promise<string[]> {
    this.fail();
  }
}

async function openKeychain(installId: string, timeoutMs: number): Promise<KeychainSecretStore> {
  let keytar;
  try {
    keytar = await loadKeytar();
  } catch {
    throw new Error(
      'keytar is not installed (its native build needs libsecret-1-dev: install it, then run `npm rebuild` or reinstall aigw)',
    );
  }
  const keychain = new KeychainSecretStore(keytar, installId, timeoutMs);
  try {
    await keychain.probe();
  } catch (err) {
    const reason = err instanceof AigwError ? (err.details.reason ?? err.message) : (err as Error).message;
    throw new Error(`the OS keychain did not accept a test item (${reason})`);
  }
  return keychain;
}

function readMasterKeyFile(path: string): Buffer {
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) {
    throw new DaemonConfigError(
      `the master key file ${path} is readable by other users (mode ${mode.toString(8)}); run \`chmod 600 ${path}\``,
    );
  }
  const key = Buffer.from(readStateFile(path).trim(), 'base64');
  if (key.length !== 32) throw new DaemonConfigError(`the master key file ${path} is damaged: it must hold 32 bytes in base64`);
  return key;
}

function openEncryptedFile(paths: AigwPaths, installId: string, env: NodeJS.ProcessEnv, warnings: string[]) {
  let masterKey: Buffer;
  let source: string;
  if (env.AIGW_MASTER_KEY) {
    masterKey = deriveMasterKey(env.AIGW_MASTER_KEY, installId);
    source = 'master key from AIGW_MASTER_KEY';
  } else {
    source = `master key file ${paths.masterKeyFile}`;
    if (!existsSync(paths.masterKeyFile)) {
      mkdirSync(dirname(paths.masterKeyFile), { recursive: true, mode: 0o700 });
      writeFileAtomic(paths.masterKeyFile, randomBytes(32).toString('base64') + '\n', 0o600);
      warnings.push(
        `created the master key file ${paths.masterKeyFile}: anyone who can read it can decrypt your provider keys; ` +
          'the OS keychain is safer (run `aigw doctor` to see how to enable it)',
      );
    }
    masterKey = readMasterKeyFile(paths.masterKeyFile);
  }
  return { store: new EncryptedFileSecretStore(paths.secretsDir, masterKey), source };
}

/**
 * Every replica must unwrap what any replica wrapped, so the master key is given, never made here: a
 * passphrase (salted with the shared database's install id) or a key file copied to each replica.
 */
async function openDatabaseSecrets(paths: AigwPaths, installId: string, env: NodeJS.ProcessEnv, rows: SealedSecretRows) {
  let masterKey: Buffer;
  let source: string;
  if (env.AIGW_MASTER_KEY) {
    masterKey = deriveMasterKey(env.AIGW_MASTER_KEY, installId);
    source = 'master key from AIGW_MASTER_KEY';
  } else {
    const file = env.AIGW_MASTER_KEY_FILE || paths.masterKeyFile;
    if (!existsSync(file)) {
      throw new DaemonConfigError(
        'AIGW_SECRET_STORE=database needs the same master key on every replica: set AIGW_MASTER_KEY (a passphrase) or ' +
          `AIGW_MASTER_KEY_FILE (32 random bytes in base64, mode 0600; none at ${file})`,
      );
    }
    masterKey = readMasterKeyFile(file);
    source = `master key file ${file}`;
  }
  // While the master key changes, the one before it still opens what `aigw secrets rewrap` has not re-wrapped yet.
  let previous: Buffer | undefined;
  if (env.AIGW_PREVIOUS_MASTER_KEY) previous = deriveMasterKey(env.AIGW_PREVIOUS_MASTER_KEY, installId);
  else if (env.AIGW_PREVIOUS_MASTER_KEY_FILE) previous = readMasterKeyFile(env.AIGW_PREVIOUS_MASTER_KEY_FILE);
  const store = new DatabaseSecretStore(rows, masterKey, previous);
  const others = (await rows.keyIds()).filter((id) => !store.opens(id));
  if (others.length) {
    throw new DaemonConfigError(
      `the database's provider keys are wrapped by master key ${others.join(', ')}, not by this daemon's (${store.keyId}): ` +
        'start it with the same AIGW_MASTER_KEY or master key file as the other replicas ' +
        '(or, while changing the master key, the old one as AIGW_PREVIOUS_MASTER_KEY or AIGW_PREVIOUS_MASTER_KEY_FILE)',
    );
  }
  return { store, source: `${source} (key id ${store.keyId})${previous ? '; the previous master key still opens older values' : ''}` };
}

function requestedKind(env: NodeJS.ProcessEnv): SecretStoreKind | 'auto' {
  const value = env.AIGW_SECRET_STORE || 'auto';
  if (value === 'auto' || value === 'keychain' || value === 'file' || value === 'database') return value;
  throw new DaemonConfigError(`AIGW_SECRET_STORE must be auto, keychain, file or database, not "${value}"`);
}

/**
 * Chooses where provider key values live. An explicit AIGW_SECRET_STORE wins; otherwise, on a shared
 * (PostgreSQL) Store, the database secret store, else the keychain when a test item round-trips, else the
 * encrypted file. A home that already holds keys stays with the store that holds them, because switching
 * would strand every stored value. `sealedSecrets` is the Store's table for the database secret store,
 * given only when the Store is one replicas share.
 */
export async function openSecretStore(
  paths: AigwPaths,
  store: Store,
  env: NodeJS.ProcessEnv,
  sealedSecrets?: SealedSecretRows,
): Promise<SecretStoreChoice> {
  const requested = requestedKind(env);
  if (requested === 'database' && !sealedSecrets) {
    throw new DaemonConfigError('AIGW_SECRET_STORE=database keeps keys in PostgreSQL: set AIGW_DATABASE_URL too (or --database-url)');
  }
  const recorded = (await store.getSetting(RECORDED)) as SecretStoreKind | undefined;
  const holdsKeys = (await store.countProviderKeys()) > 0;
  const timeoutMs = Number(env.AIGW_KEYCHAIN_TIMEOUT_MS) || KEYCHAIN_TIMEOUT_DEFAULT_MS;
  const warnings: string[] = [];

  if (requested !== 'auto' && holdsKeys && recorded && recorded !== requested) {
    throw new DaemonConfigError(
      `this home's keys are in the ${recorded} store; AIGW_SECRET_STORE=${requested} would strand them (unset it)`,
    );
  }
  const pinned = requested !== 'auto' ? requested : holdsKeys ? recorded : sealedSecrets ? 'database' : undefined;

  let choice: SecretStoreChoice;
  if (pinned === 'database' && sealedSecrets) {
    const database = await openDatabaseSecrets(paths, store.installId, env, sealedSecrets);
    const why = requested === 'database' ? 'AIGW_SECRET_STORE=database' : 'the Store is a shared PostgreSQL database';
    const { store: secretStore, source } = database;
    choice = { store: secretStore, kind: 'database', reason: `${why}; ${source}`, available: true, warnings, rewrap: secretStore };
  } else if (pinned === 'database') {
    throw new DaemonConfigError("this home's keys are in the database secret store: start the daemon with AIGW_DATABASE_URL");
  } else if (pinned === 'file') {
    const file = openEncryptedFile(paths, store.installId, env, warnings);
    const why = requested === 'file' ? 'AIGW_SECRET_STORE=file' : "this home's keys were stored there";
    choice = { store: file.store, kind: 'file', reason: `${why}; ${file.source}`, available: true, warnings };
  } else {
    try {
      const keychain = await openKeychain(store.installId, timeoutMs);
      const why = requested === 'keychain' ? 'AIGW_SECRET_STORE=keychain' : 'the OS keychain is reachable';
      choice = { store: keychain, kind: 'keychain', reason: why, available: true, warnings };
    } catch (err) {
      const why = (err as Error).message;
      if (requested === 'keychain') throw new DaemonConfigError(`AIGW_SECRET_STORE=keychain, but ${why}`);
      if (pinned === 'keychain') {
        choice = { store: new UnreachableSecretStore(why), kind: 'keychain', reason: `unreachable: ${why}`, available: false, warnings };
      } else {
        const file = openEncryptedFile(paths, store.installId, env, warnings);
        choice = { store: file.store, kind: 'file', reason: `${why}; ${file.source}`, available: true, warnings };
      }
    }
  }
  await store.setSetting(RECORDED, choice.kind);
  return choice;
}
