import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AigwError } from '../../src/core/errors.js';
import { deriveMasterKey, EncryptedFileSecretStore } from '../../src/secrets/file.js';

const dir = mkdtempSync(join(tmpdir(), 'aigw-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('values round-trip, are never on disk in plaintext, and files are owner-only', async () => {
  const store = new EncryptedFileSecretStore(join(dir, 'a'), randomBytes(32));
  const value = 'sk-proj-canary-' + randomBytes(16).toString('hex');
  await store.set('aigpk_1.aa', value);
  assert.equal(await store.get('aigpk_1.aa'), value);
  const [file] = readdirSync(join(dir, 'a'));
  const bytes = readFileSync(join(dir, 'a', file!));
  assert.ok(!bytes.includes(value));
  assert.ok(!bytes.includes(Buffer.from(value).toString('base64').slice(0, 20)));
  assert.equal(statSync(join(dir, 'a', file!)).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'a')).mode & 0o777, 0o700);
  await store.delete('aigpk_1.aa');
  assert.equal(await store.get('aigpk_1.aa'), undefined);
});

test('each secret gets its own data key: the same value seals differently', async () => {
  const store = new EncryptedFileSecretStore(join(dir, 'b'), randomBytes(32));
  await store.set('x1', 'same-value-0123456789');
  await store.set('x2', 'same-value-0123456789');
  const a = JSON.parse(readFileSync(join(dir, 'b', 'x1.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(dir, 'b', 'x2.json'), 'utf8'));
  assert.notEqual(a.wrappedKey, b.wrappedKey);
  assert.notEqual(a.ciphertext, b.ciphertext);
});

test('a wrong master key, a tampered file or a file copied over another key fails to decrypt', async () => {
  const key = randomBytes(32);
  const store = new EncryptedFileSecretStore(join(dir, 'c'), key);
  await store.set('k1', 'value-one-0123456789');
  await store.set('k2', 'value-two-0123456789');

  const wrong = new EncryptedFileSecretStore(join(dir, 'c'), randomBytes(32));
  await assert.rejects(wrong.get('k1'), AigwError);

  copyFileSync(join(dir, 'c', 'k2.json'), join(dir, 'c', 'k1.json'));
  await assert.rejects(store.get('k1'), AigwError);

  const sealed = JSON.parse(readFileSync(join(dir, 'c', 'k2.json'), 'utf8'));
  const ct = Buffer.from(sealed.ciphertext, 'base64');
  ct[0] ^= 1;
  sealed.ciphertext = ct.toString('base64');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'c', 'k2.json'), JSON.stringify(sealed));
  await assert.rejects(store.get('k2'), AigwError);
});

test('refs cannot escape the secrets directory', async () => {
  const store = new EncryptedFileSecretStore(join(dir, 'd'), randomBytes(32));
  await assert.rejects(store.set('../escape', 'value-0123456789ab'), AigwError);
});

test('a passphrase master key derives the same key for the same install and a different one elsewhere', () => {
  assert.deepEqual(deriveMasterKey('pass', 'install-a'), deriveMasterKey('pass', 'install-a'));
  assert.notDeepEqual(deriveMasterKey('pass', 'install-a'), deriveMasterKey('pass', 'install-b'));
});
