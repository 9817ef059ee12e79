import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { KEYCHAIN_REQUIRED, storeFacts, usableKeytar } from '../helpers/keychain.js';

type Keytar = typeof import('keytar');
let keytar: Keytar | undefined;
let unusable: string | undefined;
let home: TestHome;

before(async () => {
  const found = await usableKeytar();
  if (typeof found === 'string') unusable = found;
  else keytar = found;
  home = new TestHome({ AIGW_SECRET_STORE: 'keychain' });
});
after(() => home.cleanup());

/** Fails when a keychain is promised (CI); skips visibly on a developer machine without one. */
function needKeychain(t: { skip: (msg: string) => void }): Keytar | undefined {
  if (keytar) return keytar;
  if (KEYCHAIN_REQUIRED) assert.fail(`a real Secret Service was promised (CI or AIGW_TEST_KEYCHAIN) but ${unusable}`);
  t.skip(`no usable keychain here: ${unusable}`);
  return undefined;
}

test('the value lives in the OS keychain from create to delete, under this home\'s install id', async (t) => {
  const kt = needKeychain(t);
  if (!kt) return;
  const value = fakeKey();
  const created = await home.json(['provider-keys', 'create', '--provider-id', 'anthropic', '--value-stdin'], { input: value });

  const status = await home.json(['daemon', 'status']);
  assert.equal(status.secretStore.kind, 'keychain');
  assert.equal(status.secretStore.reason, 'AIGW_SECRET_STORE=keychain');

  const { installId, refs } = storeFacts(home.dir);
  const account = `${installId}/${refs.get(created.id)}`;
  assert.equal(await kt.getPassword('aigw', account), value);

  const next = fakeKey();
  await home.json(['provider-keys', 'rotate', created.id, '--value-stdin'], { input: next });
  const rotatedAccount = `${installId}/${storeFacts(home.dir).refs.get(created.id)}`;
  assert.notEqual(rotatedAccount, account);
  assert.equal(await kt.getPassword('aigw', rotatedAccount), next);
  assert.equal(await kt.getPassword('aigw', account), null, 'the old value is removed after rotate');

  const deleted = await home.run(['provider-keys', 'delete', created.id, '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.equal(await kt.getPassword('aigw', rotatedAccount), null, 'the value is removed with the key');
  const left = (await kt.findCredentials('aigw')).filter((c) => c.account.startsWith(`${installId}/`));
  assert.deepEqual(left, []);
});

test('nothing of the value is written under the home when the keychain holds it', async (t) => {
  if (!needKeychain(t)) return;
  const value = fakeKey('sk-ant-api03-');
  await home.json(['provider-keys', 'create', '--provider-id', 'anthropic', '--value-stdin'], { input: value });
  for (const file of home.files()) assert.ok(!file.bytes.includes(value), `${file.path} holds the value`);
});

test('auto: the keychain when it works; the encrypted file, with the reason, when it does not', async (t) => {
  if (!needKeychain(t)) return;
  const withKeychain = new TestHome({ AIGW_SECRET_STORE: '' });
  const without = new TestHome({ AIGW_SECRET_STORE: '', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' });
  try {
    await withKeychain.inProcess(['daemon', 'start']);
    const a = await withKeychain.json(['daemon', 'status']);
    assert.equal(a.secretStore.kind, 'keychain');
    assert.equal(a.secretStore.reason, 'the OS keychain is reachable');

    await without.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() });
    const b = await without.json(['daemon', 'status']);
    assert.equal(b.secretStore.kind, 'file');
    assert.match(b.secretStore.reason, /the OS keychain did not accept a test item/);

    // Keys stay where they are: with the keychain back, this home still uses its file store.
    await without.inProcess(['daemon', 'stop']);
    const back = new TestHome({ AIGW_SECRET_STORE: '', AIGW_HOME: without.dir });
    await back.inProcess(['daemon', 'start']);
    const c = await back.json(['daemon', 'status']);
    assert.equal(c.secretStore.kind, 'file');
    assert.match(c.secretStore.reason, /this home's keys were stored there/);
    await back.inProcess(['daemon', 'stop']);

    // Asking for the keychain explicitly would strand those keys: the daemon refuses and says so.
    const forced = new TestHome({ AIGW_SECRET_STORE: 'keychain', AIGW_HOME: without.dir });
    const refused = await forced.run(['provider-keys', 'list']);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /keys are in the file store; AIGW_SECRET_STORE=keychain would strand them/);
  } finally {
    await withKeychain.cleanup();
    await without.cleanup();
  }
});

test('start-up removes this home\'s orphan keychain items and never touches another home\'s', async (t) => {
  const kt = needKeychain(t);
  if (!kt) return;
  const mine = new TestHome({ AIGW_SECRET_STORE: 'keychain' });
  try {
    const id = (await mine.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() })).id;
    await mine.inProcess(['daemon', 'stop']);
    const { installId, refs } = storeFacts(mine.dir);
    await kt.setPassword('aigw', `${installId}/${id}.0badc0de`, 'orphan-from-a-crash');
    await kt.setPassword('aigw', `another-install/${id}.0badc0de`, 'not ours');

    await mine.inProcess(['daemon', 'start']);
    assert.equal(await kt.getPassword('aigw', `${installId}/${id}.0badc0de`), null);
    assert.ok(await kt.getPassword('aigw', `${installId}/${refs.get(id)}`), 'the live value stays');
    assert.equal(await kt.getPassword('aigw', `another-install/${id}.0badc0de`), 'not ours');
  } finally {
    for (const c of await kt.findCredentials('aigw')) if (c.account.startsWith('another-install/')) await kt.deletePassword('aigw', c.account);
    await mine.cleanup();
  }
});
