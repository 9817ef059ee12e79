import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

async function doctor(home: TestHome) {
  const result = await home.run(['doctor', '-o', 'json']);
  const report = JSON.parse(result.stdout) as { ok: boolean; checks: Check[] };
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c])) as Record<string, Check>;
  return { result, report, byId };
}

describe('aigw doctor on a healthy setup', () => {
  let home: TestHome;
  before(async () => {
    home = new TestHome();
    await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() });
  });
  after(() => home.cleanup());

  test('every check passes and it exits 0', async () => {
    const { result, report, byId } = await doctor(home);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(report.ok, true);
    for (const id of ['node', 'daemon', 'permissions', 'secretStore', 'keytar', 'store', 'gateway']) {
      assert.equal(byId[id]?.status, 'ok', `${id}: ${byId[id]?.detail}`);
    }
    assert.match(byId.secretStore!.detail, /encrypted file: AIGW_SECRET_STORE=file/);
    assert.match(byId.gateway!.detail, /listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(byId.store!.detail, /quick_check ok/);
  });

  test('on a terminal-less run it prints one line a check, data on stdout only', async () => {
    const result = await home.run(['doctor']);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    assert.match(result.stdout, /✓ Node\.js/);
    assert.match(result.stdout, /✓ Daemon\s+running, pid \d+/);
    assert.doesNotMatch(result.stdout, /\x1b\[/);
  });

  test('a directory others can read is a problem with a fix, and exits 1', async () => {
    const dataDir = join(home.dir, 'data');
    chmodSync(dataDir, 0o755);
    try {
      const { result, byId } = await doctor(home);
      assert.equal(result.code, 1);
      assert.equal(byId.permissions!.status, 'fail');
      assert.match(byId.permissions!.detail, /data is mode 0755/);
      assert.equal(byId.permissions!.fix, `chmod 700 ${dataDir}`);
      assert.match(result.stderr, /ERR_AIGW_20020/);
    } finally {
      chmodSync(dataDir, 0o700);
    }
  });
});

describe('aigw doctor with the daemon stopped', () => {
  let home: TestHome;
  before(async () => {
    home = new TestHome();
    await home.json(['provider-keys', 'list']);
    await home.inProcess(['daemon', 'stop']);
  });
  after(() => home.cleanup());

  test('says the daemon is not running and how to start it, without starting it', async () => {
    const { result, byId } = await doctor(home);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(byId.daemon!.status, 'warn');
    assert.match(byId.daemon!.fix!, /aigw daemon start/);
    assert.equal(byId.gateway!.status, 'skip');
    assert.equal(byId.store!.status, 'ok', 'the store is checked without the daemon');
    assert.equal((await home.run(['daemon', 'status'])).code, 4, 'doctor must not start the daemon');
  });

  test('a damaged store is a problem with a fix, found by the daemon side\'s check in a process of its own', async () => {
    const dbFile = join(home.dir, 'data', 'aigw.db');
    writeFileSync(dbFile, 'this is not an SQLite database, it only sits where one should be');
    const { result, byId } = await doctor(home);
    assert.equal(result.code, 1);
    assert.equal(byId.store!.status, 'fail');
    assert.match(byId.store!.detail, new RegExp(`cannot open ${dbFile}: file is not a database`));
    assert.match(byId.store!.fix!, /chmod 600/);
    assert.equal((await home.run(['daemon', 'status'])).code, 4, 'doctor must not start the daemon');
  });
});

describe('aigw doctor without a keychain', () => {
  let home: TestHome;
  before(async () => {
    // auto: the daemon tries the keychain, which cannot be reached on a bus that does not exist.
    home = new TestHome({
      AIGW_SECRET_STORE: 'auto',
      AIGW_KEYCHAIN_TIMEOUT_MS: '3000',
      DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/aigw-test-bus',
    });
    await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() });
  });
  after(() => home.cleanup());

  test('explains that the encrypted-file store is in use, why, and how to enable the keychain', async () => {
    const { result, report, byId } = await doctor(home);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(report.ok, true);
    assert.equal(byId.secretStore!.status, 'warn');
    assert.match(byId.secretStore!.detail, /^encrypted file: .*keychain/);
    assert.match(byId.secretStore!.fix!, /Secret Service|libsecret/);
  });

  test('keeps the hint after a restart, when the home is on the file store because its keys are there', async () => {
    await home.inProcess(['daemon', 'stop']);
    const restarted = await home.run(['daemon', 'start']);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.doesNotMatch(restarted.stderr, /created the master key file/, 'said once, when it was created');
    const { byId } = await doctor(home);
    assert.match(byId.secretStore!.detail, /were stored there/);
    assert.equal(byId.secretStore!.status, 'warn');
    assert.match(byId.secretStore!.fix!, /Secret Service|libsecret/);
  });
});
