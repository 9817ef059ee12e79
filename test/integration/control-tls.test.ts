import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TestHome } from '../helpers/aigw.js';
import { http } from '../helpers/http.js';

let server: TestHome;
let laptop: TestHome;
let cert: string;
let key: string;
let controlUrl: string;
const tokens: Record<string, string> = {};
/** Everything a person on the laptop sets: the URL, the CA and (per test) a token. */
let remote: NodeJS.ProcessEnv;

before(async () => {
  server = new TestHome();
  laptop = new TestHome();
  cert = join(server.dir, 'cert.pem');
  key = join(server.dir, 'key.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  chmodSync(key, 0o600);
});
after(async () => {
  await laptop.cleanup();
  await server.cleanup();
});

test('plain HTTP control off loopback is refused at start, with a code, and nothing listens', async () => {
  await server.fails(['daemon', 'start', '--control-listen', '0.0.0.0:0'], 2, 'ERR_AIGW_10070');
  /** What `daemon run` logged as it refused to start. */
  const refusal = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as { msg: string; err: string; errorCode: string };
  const run = await server.run(['daemon', 'run', '--control-listen', '0.0.0.0:0']);
  assert.equal(run.code, 78, run.stderr);
  assert.equal(refusal(run.stdout).errorCode, 'ERR_AIGW_10070');
  assert.ok(!existsSync(join(server.dir, 'run', 'control.sock')));
  // Half a TLS setup, or a key everyone can read, is refused as well.
  const half = await server.run(['daemon', 'run', '--control-listen', '127.0.0.1:0', '--tls-cert', cert]);
  assert.equal(half.code, 78);
  assert.equal(refusal(half.stdout).errorCode, 'ERR_AIGW_10071');
  await server.fails(['daemon', 'start', '--tls-key', key], 2, 'ERR_AIGW_10071');
  chmodSync(key, 0o644);
  const open = await server.run(['daemon', 'run', '--control-listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]);
  chmodSync(key, 0o600);
  assert.equal(open.code, 78);
  assert.equal(refusal(open.stdout).errorCode, 'ERR_AIGW_10072');
  assert.match(refusal(open.stdout).err, /chmod o-rwx/);
  // The CLI never sends a token in plain HTTP to another machine, nor this machine's own token anywhere else.
  await laptop.fails(['access-keys', 'list'], 2, 'ERR_AIGW_20095', { env: { AIGW_CONTROL_URL: 'http://192.0.2.1:9272', AIGW_CONTROL_TOKEN: 'x'.repeat(40) } });
  mkdirSync(join(laptop.dir, 'config'), { recursive: true, mode: 0o700 });
  writeFileSync(join(laptop.dir, 'config', 'control-token'), 'this-machines-own-token-0123456789\n', { mode: 0o600 });
  await laptop.fails(['access-keys', 'list'], 2, 'ERR_AIGW_20096', { env: { AIGW_CONTROL_URL: 'https://192.0.2.1:9272' } });
});

test('with --tls-cert and --tls-key the management API is HTTPS; named tokens are made on the daemon machine', async () => {
  const started = await server.run(['daemon', 'start', '--control-listen', '127.0.0.1:0', '--tls-cert', cert, '--tls-key', key]);
  assert.equal(started.code, 0, started.stderr);
  controlUrl = (await server.json(['daemon', 'status'])).controlUrl;
  assert.match(controlUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  for (const name of ['alice', 'bob']) {
    const created = await server.run(['daemon', 'tokens', 'create', `${name}@laptop`, '-q']);
    assert.equal(created.code, 0, created.stderr);
    tokens[name] = created.stdout.trim();
    assert.match(tokens[name]!, /^aigwc_[A-Za-z0-9_-]{43}$/);
  }
  const asJson = await server.json(['daemon', 'tokens', 'create', 'ci-runner']);
  assert.match(asJson.id, /^aigct_/);
  assert.equal(asJson.name, 'ci-runner');
  assert.match(asJson.token, /^aigwc_/);
  tokens.ci = asJson.token;
  await server.fails(['daemon', 'tokens', 'create', 'alice@laptop'], 5, 'ERR_AIGW_27731');
  await server.fails(['daemon', 'tokens', 'create', 'no spaces'], 2, 'ERR_AIGW_27732');
  const listed = await server.json(['daemon', 'tokens', 'list']);
  assert.deepEqual(listed.controlTokens.map((t: { name: string }) => t.name), ['alice@laptop', 'bob@laptop', 'ci-runner']);
  const offered = await server.run(['__complete', 'control-tokens']);
  assert.match(offered.stdout, new RegExp(`^${asJson.id}\tci-runner$`, 'm'), 'daemon tokens delete <TAB> offers the ids');
  assert.ok(!JSON.stringify(listed).includes(tokens.alice!), 'the list never shows a value');
  remote = { AIGW_CONTROL_URL: controlUrl, AIGW_CONTROL_CA: cert };
});

test('the CLI works over TLS with a named token: verbs, -o json, --token-file and completion', async () => {
  const env = { ...remote, AIGW_CONTROL_TOKEN: tokens.alice };
  const created = await laptop.json(['access-keys', 'create', '--name', 'ci'], { env });
  assert.match(created.id, /^aigk_/);
  const listed = await laptop.json(['access-keys', 'list'], { env });
  assert.deepEqual(listed.aiGatewayAccessKeys.map((k: { id: string }) => k.id), [created.id]);
  assert.equal((await server.json(['access-keys', 'get', created.id])).name, 'ci', 'the daemon behind the URL holds it');
  const plain = await laptop.run(['access-keys', 'get', created.id, '-o', 'plain'], { env });
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /name\tci/);

  const tokenFile = join(laptop.dir, 'bob.token');
  writeFileSync(tokenFile, `${tokens.bob}\n`, { mode: 0o600 });
  const viaFile = await laptop.json(['--token-file', tokenFile, 'daemon', 'tokens', 'list'], { env: remote });
  assert.equal(viaFile.controlTokens.length, 3);
  const viaVariable = await laptop.json(['access-keys', 'list'], { env: { ...remote, AIGW_CONTROL_TOKEN_FILE: tokenFile } });
  assert.equal(viaVariable.aiGatewayAccessKeys.length, 1);

  const completion = await laptop.run(['__complete', 'access-keys', 'get', ''], { env });
  assert.equal(completion.code, 0);
  assert.match(completion.stdout, new RegExp(`^${created.id}\tci`, 'm'));
  const wrongCompletion = await laptop.run(['__complete', 'access-keys', 'get', ''], { env: { ...remote, AIGW_CONTROL_TOKEN: 'aigwc_wrong' } });
  assert.equal(wrongCompletion.stdout, '');

  // A remote token may not mint or revoke tokens: that is done where the daemon runs.
  const refused = await laptop.fails(['daemon', 'tokens', 'create', 'mallory'], 4, 'ERR_AIGW_10073', { env });
  assert.ok(!refused.stderr.includes(tokens.alice!));
  const listId = (await server.json(['daemon', 'tokens', 'list'])).controlTokens[0].id;
  await laptop.fails(['daemon', 'tokens', 'delete', listId, '--yes'], 4, 'ERR_AIGW_10073', { env });
  assert.equal((await server.json(['daemon', 'tokens', 'list'])).controlTokens.length, 3);
  assert.ok(!existsSync(join(laptop.dir, 'run', 'control.sock')), 'no local daemon was started');
});

test('a wrong token and an untrusted certificate are refused, and neither error shows the token', async () => {
  const wrong = `aigwc_${'A'.repeat(43)}`;
  const refused = await laptop.fails(['access-keys', 'list'], 4, 'ERR_AIGW_10401', { env: { ...remote, AIGW_CONTROL_TOKEN: wrong } });
  assert.ok(!refused.stderr.includes(wrong));
  const untrusted = await laptop.fails(['access-keys', 'list'], 4, 'ERR_AIGW_20097', {
    env: { AIGW_CONTROL_URL: controlUrl, AIGW_CONTROL_TOKEN: tokens.alice },
  });
  assert.match(untrusted.stderr, /AIGW_CONTROL_CA/);
  assert.ok(!untrusted.stderr.includes(tokens.alice!));
  const plain = await http(controlUrl.replace('https:', 'http:') + '/health').catch((err: Error) => err);
  assert.ok(plain instanceof Error || plain.status >= 400, 'no plain HTTP on the TLS port');
});

test('a deleted token is refused at once, the others keep working', async () => {
  const bob = (await server.json(['daemon', 'tokens', 'list'])).controlTokens.find((t: { name: string }) => t.name === 'bob@laptop');
  const before = await laptop.run(['access-keys', 'list'], { env: { ...remote, AIGW_CONTROL_TOKEN: tokens.bob } });
  assert.equal(before.code, 0, before.stderr);
  const deleted = await server.run(['daemon', 'tokens', 'delete', bob.id, '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
  await laptop.fails(['access-keys', 'list'], 4, 'ERR_AIGW_10401', { env: { ...remote, AIGW_CONTROL_TOKEN: tokens.bob } });
  assert.equal((await laptop.run(['access-keys', 'list'], { env: { ...remote, AIGW_CONTROL_TOKEN: tokens.alice } })).code, 0);
  await server.fails(['daemon', 'tokens', 'delete', bob.id, '--yes'], 3, 'ERR_AIGW_27730');
});

test('tokens are kept hashed: no value in the database, the logs or any file of the home', async () => {
  const files = server.files();
  assert.ok(files.some((f) => f.path.endsWith('.db') || f.path.includes('aigw.db')), 'the database is among the files scanned');
  for (const value of Object.values(tokens)) {
    for (const file of files) assert.ok(!file.bytes.includes(value), `${file.path} holds a token`);
  }
  const log = readFileSync((await server.json(['daemon', 'status'])).paths.logFile, 'utf8');
  for (const value of Object.values(tokens)) assert.ok(!log.includes(value));
});
