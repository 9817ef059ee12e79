import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fakeKey, REPO, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { KEYCHAIN_REQUIRED, usableKeytar } from '../helpers/keychain.js';

/** A private Secret Service of our own, so freezing it cannot disturb the other tests' keychain. */
let session: ChildProcess | undefined;
let bus = '';
let keyringPid = 0;
let unusable: string | undefined;

before(async () => {
  const found = await usableKeytar();
  if (typeof found === 'string') {
    unusable = found;
    return;
  }
  const script =
    'echo "BUS=$DBUS_SESSION_BUS_ADDRESS"; ' +
    'dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus / ' +
    'org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets | awk \'{print "PID="$NF}\'; ' +
    'exec sleep 300';
  session = spawn('bash', [join(REPO, '.ci', 'keyring-session.sh'), 'bash', '-c', script], {
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  let out = '';
  session.stdout!.on('data', (d) => (out += d));
  const deadline = Date.now() + 20_000;
  while (!/PID=\d+/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  bus = /BUS=(.*)/.exec(out)?.[1] ?? '';
  keyringPid = Number(/PID=(\d+)/.exec(out)?.[1] ?? 0);
  if (!bus || !keyringPid) unusable = `could not start a private Secret Service: ${out}`;
});

after(() => {
  if (keyringPid) process.kill(keyringPid, 'SIGCONT');
  if (session?.pid) process.kill(-session.pid, 'SIGTERM');
});

function ready(t: { skip: (m: string) => void }): boolean {
  if (!unusable) return true;
  if (KEYCHAIN_REQUIRED) assert.fail(`a real Secret Service was promised but ${unusable}`);
  t.skip(unusable);
  return false;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = Date.now();
  const result = await fn();
  return [result, Date.now() - start];
}

test('a keychain that stops answering gives bounded, clear errors and no partial state', async (t) => {
  if (!ready(t)) return;
  const home = new TestHome({ AIGW_SECRET_STORE: 'keychain', DBUS_SESSION_BUS_ADDRESS: bus, AIGW_KEYCHAIN_TIMEOUT_MS: '1000' });
  try {
    const id = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() })).id;
    process.kill(keyringPid, 'SIGSTOP');

    const [stuck, ms] = await timed(() => home.run(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() }));
    assert.equal(stuck.code, 4, stuck.stderr);
    assert.match(stuck.stderr, /the OS keychain failed: the keychain \(set\) did not answer within 1000 ms \(ERR_AIGW_10503\)/);
    assert.ok(ms < 8000, `bounded: took ${ms} ms`);

    // While that call is stuck, the next one fails at once instead of queueing behind it.
    const [fast, fastMs] = await timed(() => rawApi(home.dir, 'POST', '/provider-keys', JSON.stringify({ providerId: 'openai', value: fakeKey() })));
    assert.equal(fast.status, 503);
    assert.match(fast.body.msg, /not answering/);
    assert.ok(fastMs < 500, `fail-fast took ${fastMs} ms`);

    // Metadata stays available, and nothing was half-created.
    const list = await home.json(['provider-keys', 'list']);
    assert.deepEqual(list.aiGatewayProviderKeys.map((k: any) => k.id), [id]);
  } finally {
    process.kill(keyringPid, 'SIGCONT');
    await home.cleanup();
  }
});

test('a frozen keychain at start-up: auto falls back to the file store in bounded time; keychain-only refuses', async (t) => {
  if (!ready(t)) return;
  const env = { DBUS_SESSION_BUS_ADDRESS: bus, AIGW_KEYCHAIN_TIMEOUT_MS: '1000' };
  const auto = new TestHome({ ...env, AIGW_SECRET_STORE: 'auto' });
  const only = new TestHome({ ...env, AIGW_SECRET_STORE: 'keychain' });
  process.kill(keyringPid, 'SIGSTOP');
  try {
    const [started, ms] = await timed(() => auto.run(['daemon', 'start']));
    assert.equal(started.code, 0, started.stderr);
    assert.ok(ms < 10_000, `bounded: took ${ms} ms`);
    const status = await auto.json(['daemon', 'status']);
    assert.equal(status.secretStore.kind, 'file');
    assert.match(status.secretStore.reason, /did not answer within 1000 ms/);

    // Refusing must be quick too: a keychain thread stuck at exit would otherwise hold the lock for ~25 s.
    const [refused, refusedMs] = await timed(() => only.run(['daemon', 'start']));
    assert.equal(refused.code, 4);
    assert.ok(refusedMs < 10_000, `bounded: took ${refusedMs} ms`);
    assert.match(refused.stderr, /AIGW_SECRET_STORE=keychain, but the OS keychain did not accept a test item/);
  } finally {
    process.kill(keyringPid, 'SIGCONT');
    await auto.cleanup();
    await only.cleanup();
  }
});

// Last in this file: a locked collection cannot be unlocked again without its (random) password.
test('a locked keychain: writes fail clearly and create nothing; a new home falls back to the file store', async (t) => {
  if (!ready(t)) return;
  const env = { DBUS_SESSION_BUS_ADDRESS: bus, AIGW_KEYCHAIN_TIMEOUT_MS: '3000' };
  const running = new TestHome({ ...env, AIGW_SECRET_STORE: 'keychain' });
  const fresh = new TestHome({ ...env, AIGW_SECRET_STORE: 'auto' });
  try {
    const id = (await running.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() })).id;
    const { execFileSync } = await import('node:child_process');
    execFileSync('dbus-send', [
      '--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
      'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login',
    ], { env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: bus }, stdio: 'ignore' });

    const [refused, ms] = await timed(() => running.run(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() }));
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /the OS keychain failed: .*locked.*ERR_AIGW_10503/i);
    assert.ok(ms < 8000, `bounded: took ${ms} ms`);
    assert.deepEqual((await running.json(['provider-keys', 'list'])).aiGatewayProviderKeys.map((k: any) => k.id), [id]);

    await fresh.inProcess(['daemon', 'start']);
    const status = await fresh.json(['daemon', 'status']);
    assert.equal(status.secretStore.kind, 'file');
    assert.match(status.secretStore.reason, /locked/i);
  } finally {
    await running.cleanup();
    await fresh.cleanup();
  }
});
