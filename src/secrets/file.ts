import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { AigwError, ERRORS } from '../core/errors.js';
import { readStateFile, writeStateFile } from '../core/state-files.js';
import type { SecretStore } from './types.js';

const ALGORITHM = 'aes-256-gcm';
const FORMAT_VERSION = 1;

interface SealedSecret {
  v: number;
  /** The per-secret data key, wrapped by the master key. */
  wrappedKey: string;
  wrapIv: string;
  wrapTag: string;
  iv: string;
  tag: string;
  ciphertext: string;
}

/** AES-256-GCM with a fresh 96-bit nonce; `aad` is authenticated, not encrypted. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): { iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, tag: cipher.getAuthTag(), ciphertext };
}

function open(key: Buffer, iv: string, tag: string, ciphertext: string, aad: Buffer): Buffer {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(iv, 'base64')).setAAD(aad);
  decipher.setAuthTag(Buffer.from(tag, 'base64'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]);
}

// Refs are made by the daemon, but they become file names: keep them to a safe alphabet.
const SAFE_REF = /^[A-Za-z0-9_.-]+$/;

/** Writes a file so that a crash leaves either the old content or the new, never a torn one. */
export function writeFileAtomic(path: string, data: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeStateFile(tmp, data, { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * AES-256-GCM, one random data key per secret, wrapped by the master key. The secret's ref is bound in
 * as additional data, so a sealed file copied over another key's file does not decrypt.
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly kind = 'file';

  constructor(
    private readonly dir: string,
    private readonly masterKey: Buffer,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private path(ref: string): string {
    if (!SAFE_REF.test(ref)) throw new AigwError(ERRORS.internal, 'invalid secret reference');
    return join(this.dir, `${ref}.json`);
  }

  async set(ref: string, value: string): Promise<void> {
    const aad = Buffer.from(ref);
    const dataKey = randomBytes(32);
    const wrapped = seal(this.masterKey, dataKey, aad);
    const sealed = seal(dataKey, Buffer.from(value, 'utf8'), aad);
    const record: SealedSecret = {
      v: FORMAT_VERSION,
      wrappedKey: wrapped.ciphertext.toString('base64'),
      wrapIv: wrapped.iv.toString('base64'),
      wrapTag: wrapped.tag.toString('base64'),
      iv: sealed.iv.toString('base64'),
      tag: sealed.tag.toString('base64'),
      ciphertext: sealed.ciphertext.toString('base64'),
    };
    writeFileAtomic(this.path(ref), JSON.stringify(record), 0o600);
  }

  async get(ref: string): Promise<string | undefined> {
    const path = this.path(ref);
    if (!existsSync(path)) return undefined;
    const record = JSON.parse(readStateFile(path)) as SealedSecret;
    const aad = Buffer.from(ref);
    try {
      const dataKey = open(this.masterKey, record.wrapIv, record.wrapTag, record.wrappedKey, aad);
      return open(dataKey, record.iv, record.tag, record.ciphertext, aad).toString('utf8');
    } catch {
      throw new AigwError(
        ERRORS.secretStoreUnavailable,
        'a stored secret does not decrypt: the master key (AIGW_MASTER_KEY or the key file) is not the one it was written with',
      );
    }
  }

  async delete(ref: string): Promise<void> {
    rmSync(this.path(ref), { force: true });
  }

  async list(): Promise<string[]> {
    const refs: string[] = [];
    for (const name of readdirSync(this.dir)) {
      // A temp file is a write that a crash interrupted before its rename: it never became a secret.
      if (name.endsWith('.tmp')) rmSync(join(this.dir, name), { force: true });
      else if (name.endsWith('.json')) refs.push(name.slice(0, -'.json'.length));
    }
    return refs;
  }
}

/** Turns AIGW_MASTER_KEY (any passphrase) into a 32-byte key; the salt is the store's install id. */
export function deriveMasterKey(passphrase: string, installId: string): Buffer {
  return scryptSync(passphrase, `aigw-master-key/${installId}`, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}
