import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { http } from '../helpers/http.js';

/** The TCP ports a process listens on, from /proc: its socket inodes matched against /proc/net/tcp{,6}. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // The descriptor closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '0A' && inodes.has(cols[9]!)) ports.push(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return ports.sort();
}

let home: TestHome;
let controlUrl: string;
let token: string;

before(async () => {
  home = new TestHome();
});
after(() => home.cleanup());

test('without --control-listen the daemon listens on TCP for the gateway only', async () => {
  const gateway = new URL(await home.gatewayUrl());
  const status = await home.json(['daemon', 'status']);
  assert.equal(status.controlUrl, undefined);
  assert.deepEqual(listeningPorts(status.pid), [Number(gateway.port)]);
  await home.inProcess(['daemon', 'stop']);
});

test('with --control-listen: a 0600 token file is created and only that bearer token gets in', async () => {
  const started = await home.run(['daemon', 'start', '--control-listen', '127.0.0.1:0']);
  assert.equal(started.code, 0, started.stderr);
  const status = await home.json(['daemon', 'status']);
  controlUrl = status.controlUrl;
  assert.match(controlUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(listeningPorts(status.pid).length, 2);
  const file = join(home.dir, 'config', 'control-token');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  token = readFileSync(file, 'utf8').trim();
  assert.ok(token.length >= 32);

  const none = await http(`${controlUrl}/provider-keys`);
  assert.equal(none.status, 401);
  assert.equal(none.json.errorCode, 'ERR_AIGW_10401');
  const wrongSameLength = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
  for (const wrong of [wrongSameLength, 'short', token + 'x', token.toLowerCase() === token ? token.toUpperCase() : token.toLowerCase()]) {
    const res = await http(`${controlUrl}/provider-keys`, { headers: { authorization: `Bearer ${wrong}` } });
    assert.equal(res.status, 401, wrong);
    assert.equal(res.json.errorCode, 'ERR_AIGW_10401');
  }
  // Refused before the body is read: a write without the token changes nothing.
  const refusedWrite = await http(`${controlUrl}/provider-keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ providerId: 'openai', value: fakeKey() }),
  });
  assert.equal(refusedWrite.status, 401);
  assert.equal((await home.json(['provider-keys', 'list'])).aiGatewayProviderKeys.length, 0);

  const auth = { authorization: `Bearer ${token}` };
  const list = await http(`${controlUrl}/provider-keys`, { headers: auth });
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.aiGatewayProviderKeys, []);
  const created = await http(`${controlUrl}/provider-keys`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ providerId: 'openai', value: fakeKey() }),
  });
  assert.equal(created.status, 201, created.text);
  assert.equal((await home.json(['provider-keys', 'list'])).aiGatewayProviderKeys[0].id, created.json.id);
});

test('the CLI uses the API over TCP with AIGW_CONTROL_URL and the token file, and never starts a daemon of its own', async () => {
  const elsewhere = new TestHome();
  try {
    const env = { AIGW_CONTROL_URL: controlUrl, AIGW_CONTROL_TOKEN_FILE: join(home.dir, 'config', 'control-token') };
    const listed = await elsewhere.json(['provider-keys', 'list'], { env });
    assert.equal(listed.aiGatewayProviderKeys.length, 1, 'the keys of the daemon behind the URL');
    const wrongToken = join(elsewhere.dir, 'token');
    writeFileSync(wrongToken, 'not-the-token-0123456789\n', { mode: 0o600 });
    await elsewhere.fails(['provider-keys', 'list'], 4, 'ERR_AIGW_10401', { env: { ...env, AIGW_CONTROL_TOKEN_FILE: wrongToken } });
    assert.ok(!existsSync(join(elsewhere.dir, 'run', 'control.sock')), 'no local daemon was started');
  } finally {
    await elsewhere.cleanup();
  }
});

test('the token survives a restart, and a token file others can read stops the daemon', async () => {
  await home.inProcess(['daemon', 'stop']);
  chmodSync(join(home.dir, 'config', 'control-token'), 0o644);
  const refused = await home.run(['daemon', 'start', '--control-listen', '127.0.0.1:0']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /control-token.*chmod 600|chmod 600.*control-token/);
  chmodSync(join(home.dir, 'config', 'control-token'), 0o600);
  const started = await home.run(['daemon', 'start'], { env: { AIGW_CONTROL_LISTEN: '127.0.0.1:0' } });
  assert.equal(started.code, 0, started.stderr);
  const url = (await home.json(['daemon', 'status'])).controlUrl;
  assert.equal((await http(`${url}/health`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
});
