import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

describe('key values read from files and pipes are bounded', () => {
  let home: TestHome;
  before(() => {
    home = new TestHome();
  });
  after(() => home.cleanup());

  for (const [name, flags, stdinFile] of [
    ['--value-file /dev/zero', ['--value-file', '/dev/zero'], undefined],
    ['--value-stdin < /dev/zero', ['--value-stdin'], '/dev/zero'],
    ['--value-file - < /dev/zero', ['--value-file', '-'], '/dev/zero'],
  ] as const) {
    test(`${name} is refused with 10014 at once, and nothing is created`, async () => {
      const started = Date.now();
      const result = await home.run(['provider-keys', 'create', '--provider-id', 'openai', ...flags], { stdinFile, timeoutMs: 15_000 });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^aigw: .*longer than 8192 bytes.*ERR_AIGW_10014/);
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.ok(Date.now() - started < 10_000, 'refused without reading the device to its (missing) end');
    });
  }

  test('a value of exactly the limit, with a final newline, is still accepted', async () => {
    const file = join(home.dir, 'big-key.txt');
    writeFileSync(file, `sk-${'a'.repeat(8189)}\r\n`);
    const created = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-file', file]);
    assert.match(created.id, /^aigpk_/);
    const list = await home.json(['provider-keys', 'list']);
    assert.equal(list.aiGatewayProviderKeys.length, 1, 'only this key: the refused ones created nothing');
  });
});

describe('state files are never used through a symbolic link', () => {
  let home: TestHome;
  before(() => {
    home = new TestHome();
  });
  after(() => home.cleanup());

  test('a daemon.log that is a symlink: the daemon is not started, the target is untouched, doctor says to remove the link', async () => {
    await home.inProcess(['daemon', 'start']);
    await home.inProcess(['daemon', 'stop']);
    const log = join(home.dir, 'state', 'daemon.log');
    const target = join(home.dir, 'victim.txt');
    writeFileSync(target, 'precious\n');
    unlinkSync(log);
    symlinkSync(target, log);

    const result = await home.run(['provider-keys', 'list']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /daemon\.log is a symbolic link.*rm .*daemon\.log.*ERR_AIGW_20011/);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n', 'nothing was appended through the link');

    const doctor = await home.run(['doctor', '-o', 'json']);
    const permissions = JSON.parse(doctor.stdout).checks.find((c: { id: string }) => c.id === 'permissions');
    assert.equal(permissions.status, 'fail');
    assert.match(permissions.detail, /daemon\.log is a symbolic link/);
    assert.equal(permissions.fix, `rm ${log}`);
    assert.doesNotMatch(permissions.fix, /chmod/, 'chmod would change the target, not the link');
    unlinkSync(log);
  });

  test('a pid file that is a symlink is refused by the daemon, the target untouched', async () => {
    const pid = join(home.dir, 'run', 'daemon.pid');
    const target = join(home.dir, 'victim-pid.txt');
    writeFileSync(target, 'precious\n');
    symlinkSync(target, pid);
    const result = await home.run(['daemon', 'start']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /daemon\.pid is a symbolic link/);
    assert.equal(readFileSync(target, 'utf8'), 'precious\n');
    unlinkSync(pid);
  });
});

describe('loose modes on existing state are refused with the command to run', () => {
  let home: TestHome;
  before(async () => {
    home = new TestHome();
    await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() });
    await home.inProcess(['daemon', 'stop']);
  });
  after(() => home.cleanup());

  const secretsDir = () => join(home.dir, 'data', 'secrets');
  const cases: { name: string; path: () => string; loose: number; fixed: number }[] = [
    { name: 'a daemon.log at 0644', path: () => join(home.dir, 'state', 'daemon.log'), loose: 0o644, fixed: 0o600 },
    { name: 'a secrets directory at 0755', path: secretsDir, loose: 0o755, fixed: 0o700 },
    {
      name: 'a secret file at 0644',
      path: () => join(secretsDir(), readdirSync(secretsDir()).find((f) => f.endsWith('.json'))!),
      loose: 0o644,
      fixed: 0o600,
    },
  ];
  for (const c of cases) {
    test(`${c.name}: the daemon does not start and says which chmod to run`, async () => {
      const path = c.path();
      chmodSync(path, c.loose);
      try {
        const result = await home.run(['provider-keys', 'list']);
        assert.notEqual(result.code, 0);
        assert.ok(result.stderr.includes(`run \`chmod ${c.fixed.toString(8)} ${path}\``), result.stderr);
        assert.match(result.stderr, /ERR_AIGW_20011/);
      } finally {
        chmodSync(path, c.fixed);
      }
      const ok = await home.run(['provider-keys', 'list']);
      assert.equal(ok.code, 0, ok.stderr);
      await home.inProcess(['daemon', 'stop']);
    });
  }
});
