// `aigw doctor` with AIGW_CONTROL_URL: a real daemon serving its management API over TLS (a self-signed
// certificate, named tokens), on SQLite and on a real PostgreSQL; the laptop is another home with no daemon.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TestHome } from '../helpers/aigw.js';
import { skipWithoutPostgres, startCluster, type PostgresCluster } from '../helpers/postgres.js';

interface Check {
  id: string;
  status: 'ok' | 'warn' | 'fail' | 'skip';
  detail: string;
  fix?: string;
  errorCode?: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for `days`. */
function selfSigned(dir: string, name: string, days: number): { cert: string; key: string } {
  const cert = join(dir, `${name}-cert.pem`);
  const key = join(dir, `${name}-key.pem`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days),
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
  chmodSync(key, 0o600);
  return { cert, key };
}

async function doctor(laptop: TestHome, env: NodeJS.ProcessEnv) {
  const result = await laptop.run(['doctor', '-o', 'json'], { env });
  const report = JSON.parse(result.stdout) as { ok: boolean; controlUrl: string; checks: Check[] };
  const byId = Object.fromEntries(report.checks.map((c) => [c.id, c])) as Record<string, Check>;
  return { result, report, byId };
}

/** The daemon's management API over TLS on a free port, and a named token for the laptop. */
async function startTlsDaemon(server: TestHome, tls: { cert: string; key: string }) {
  const started = await server.run(['daemon', 'start', '--control-listen', '127.0.0.1:0', '--tls-cert', tls.cert, '--tls-key', tls.key]);
  assert.equal(started.code, 0, started.stderr);
  const controlUrl = (await server.json(['daemon', 'status'])).controlUrl as string;
  const token = (await server.run(['daemon', 'tokens', 'create', 'laptop', '-q'])).stdout.trim();
  assert.match(token, /^aigwc_/);
  return { controlUrl, token };
}

describe('aigw doctor against a remote daemon over TLS (SQLite)', () => {
  let server: TestHome;
  let laptop: TestHome;
  let tls: { cert: string; key: string };
  let remote: NodeJS.ProcessEnv;
  let token: string;

  before(async () => {
    server = new TestHome();
    laptop = new TestHome();
    tls = selfSigned(server.dir, 'control', 30);
    const started = await startTlsDaemon(server, tls);
    token = started.token;
    const tokenFile = join(laptop.dir, 'gw.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    remote = { AIGW_CONTROL_URL: started.controlUrl, AIGW_CONTROL_CA: tls.cert, AIGW_CONTROL_TOKEN_FILE: tokenFile };
  });
  after(async () => {
    await laptop.cleanup();
    await server.cleanup();
  });

  test('a healthy daemon: the connection, the certificate, the token and what the daemon reports; exit 0', async () => {
    const { result, report, byId } = await doctor(laptop, remote);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.controlUrl, remote.AIGW_CONTROL_URL);
    assert.deepEqual(report.checks.map((c) => c.id), ['node', 'control', 'certificate', 'token', 'daemon', 'ready', 'secretStore', 'store', 'gateway']);
    for (const c of report.checks) assert.equal(c.status, 'ok', `${c.id}: ${c.detail}`);
    assert.match(byId.control!.detail, /accepts connections \(TLSv1\.[23]\)/);
    const fingerprint = execFileSync('openssl', ['x509', '-in', tls.cert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' }).split('=')[1]!.trim();
    assert.ok(byId.certificate!.detail.includes(fingerprint), byId.certificate!.detail);
    assert.match(byId.certificate!.detail, /trusted against AIGW_CONTROL_CA: localhost for IP Address:127\.0\.0\.1, DNS:localhost, issued by localhost/);
    assert.match(byId.certificate!.detail, /\((29|30) days\)/);
    const status = await server.json(['daemon', 'status']);
    assert.match(byId.daemon!.detail, new RegExp(`^aigw ${status.version.replace(/\./g, '\\.')}, up \\d+ s, Store: SQLite`));
    assert.match(byId.ready!.detail, /^ready/);
    assert.match(byId.secretStore!.detail, /the file secret store answers \(0 values\); file: AIGW_SECRET_STORE=file/);
    assert.match(byId.store!.detail, /quick_check ok/);
    assert.equal(byId.gateway!.detail, `the daemon reports it listens on ${status.gatewayUrl}`);
    assert.ok(!result.stdout.includes(token) && !result.stderr.includes(token), 'the token is never shown');
    assert.ok(!existsSync(join(laptop.dir, 'run', 'control.sock')), 'no local daemon was started');
  });

  test('the text output names each check; a certificate about to expire is a warning, not a failure', async () => {
    const text = await laptop.run(['doctor'], { env: remote });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /✓ Control plane\s+https:\/\/127\.0\.0\.1:\d+ accepts connections/);
    assert.match(text.stdout, /✓ Control token\s+accepted/);

    const soon = new TestHome();
    try {
      const shortTls = selfSigned(soon.dir, 'short', 2);
      const started = await startTlsDaemon(soon, shortTls);
      const { result, byId } = await doctor(laptop, { AIGW_CONTROL_URL: started.controlUrl, AIGW_CONTROL_CA: shortTls.cert, AIGW_CONTROL_TOKEN: started.token });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(byId.certificate!.status, 'warn');
      assert.match(byId.certificate!.detail, /\(1 day\)/);
      assert.match(byId.certificate!.fix!, /renew it/);
    } finally {
      await soon.cleanup();
    }
  });

  test('a wrong token: one line with ERR_AIGW_20112, exit 4, and the token is not shown', async () => {
    const wrong = `aigwc_${'B'.repeat(43)}`;
    const { result, byId, report } = await doctor(laptop, { ...remote, AIGW_CONTROL_TOKEN: wrong });
    assert.equal(result.code, 4, result.stderr);
    assert.equal(byId.token!.status, 'fail');
    assert.equal(byId.token!.errorCode, 'ERR_AIGW_20112');
    assert.equal(byId.control!.status, 'ok');
    assert.equal(byId.certificate!.status, 'ok');
    assert.deepEqual(report.checks.map((c) => c.id), ['node', 'control', 'certificate', 'token'], 'nothing more is asked without a token');
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /Control token: refused.*aigw daemon tokens create.*\(ERR_AIGW_20112\)$/m);
    assert.ok(!result.stdout.includes(wrong) && !result.stderr.includes(wrong));
    // A token deleted on the daemon's machine is refused the same way.
    const id = (await server.json(['daemon', 'tokens', 'list'])).controlTokens.find((t: { name: string }) => t.name === 'laptop').id;
    const second = (await server.run(['daemon', 'tokens', 'create', 'laptop-2', '-q'])).stdout.trim();
    assert.equal((await server.run(['daemon', 'tokens', 'delete', id, '--yes'])).code, 0);
    const deleted = await laptop.run(['doctor'], { env: remote });
    assert.equal(deleted.code, 4);
    assert.match(deleted.stderr, /ERR_AIGW_20112/);
    assert.match(deleted.stdout, /✗ Control token\s+refused/);
    writeFileSync(remote.AIGW_CONTROL_TOKEN_FILE!, `${second}\n`, { mode: 0o600 });
    assert.equal((await laptop.run(['doctor'], { env: remote })).code, 0);
  });

  test('an untrusted certificate: ERR_AIGW_20111, exit 4, and the token never goes there', async () => {
    const { result, byId, report } = await doctor(laptop, { ...remote, AIGW_CONTROL_CA: undefined });
    assert.equal(result.code, 4, result.stderr);
    assert.equal(byId.certificate!.errorCode, 'ERR_AIGW_20111');
    assert.match(byId.certificate!.detail, /not trusted against the system's CAs \(DEPTH_ZERO_SELF_SIGNED_CERT\)/);
    assert.match(byId.certificate!.fix!, /AIGW_CONTROL_CA/);
    assert.deepEqual(report.checks.map((c) => c.id), ['node', 'control', 'certificate']);
    assert.match(result.stderr, /^aigw: error: TLS certificate: not trusted.*\(ERR_AIGW_20111\)$/m);

    // A server with another certificate, even one for the right name: doctor sends it nothing.
    const other = selfSigned(laptop.dir, 'impostor', 30);
    const seen: string[] = [];
    const impostor = createServer({ cert: readFileSync(other.cert), key: readFileSync(other.key) }, (req, res) => {
      seen.push(String(req.headers.authorization));
      res.end('{}');
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(impostor.address() as AddressInfo).port}`;
      const refused = await doctor(laptop, { ...remote, AIGW_CONTROL_URL: url });
      assert.equal(refused.result.code, 4);
      assert.equal(refused.byId.certificate!.errorCode, 'ERR_AIGW_20111');
      assert.match(refused.byId.certificate!.detail, /against AIGW_CONTROL_CA/);
      assert.deepEqual(seen, [], 'no request, so no token, reached the untrusted server');
    } finally {
      impostor.close();
    }
  });

  test('nothing listening: ERR_AIGW_20110, exit 4; no token for another machine: ERR_AIGW_20096, exit 2', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const { result, byId } = await doctor(laptop, { ...remote, AIGW_CONTROL_URL: `https://127.0.0.1:${port}` });
    assert.equal(result.code, 4, result.stderr);
    assert.equal(byId.control!.errorCode, 'ERR_AIGW_20110');
    assert.match(byId.control!.detail, /cannot connect to https:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    assert.equal(byId.certificate!.status, 'skip');
    assert.match(result.stderr, /\(ERR_AIGW_20110\)$/m);

    const missing = await laptop.run(['doctor'], { env: { AIGW_CONTROL_URL: 'https://192.0.2.1:9272' } });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /ERR_AIGW_20096/);
    assert.equal(missing.stdout, '', 'refused before any check');
  });
});

describe('aigw doctor against a remote daemon on PostgreSQL', { skip: skipWithoutPostgres() }, () => {
  let cluster: PostgresCluster;
  let server: TestHome;
  let laptop: TestHome;
  let remote: NodeJS.ProcessEnv;

  before(async () => {
    cluster = await startCluster();
    const url = await cluster.createDatabase();
    server = new TestHome({ AIGW_DATABASE_URL: url, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: 'doctor remote passphrase' });
    laptop = new TestHome();
    const tls = selfSigned(server.dir, 'control', 30);
    const started = await startTlsDaemon(server, tls);
    remote = { AIGW_CONTROL_URL: started.controlUrl, AIGW_CONTROL_CA: tls.cert, AIGW_CONTROL_TOKEN: started.token };
  });
  after(async () => {
    await laptop?.cleanup();
    await server?.cleanup();
    await cluster?.stop();
  });

  test('the database and the secret store as the daemon reports them; a database that is down is a problem, exit 1', async () => {
    const healthy = await doctor(laptop, remote);
    assert.equal(healthy.result.code, 0, healthy.result.stdout);
    assert.match(healthy.byId.daemon!.detail, /Store: PostgreSQL \(database aigw_test_\d+_\d+ on /);
    assert.match(healthy.byId.store!.detail, /^PostgreSQL 1\d[^:]* \(database aigw_test_\d+_\d+\): schema version \d+/);
    assert.match(healthy.byId.ready!.detail, /PostgreSQL answers/);
    assert.match(healthy.byId.secretStore!.detail, /the database secret store answers \(0 values\); database: AIGW_SECRET_STORE=database/);

    await cluster.restart(async () => {
      // A named token is looked up in the Store, so with the database down the daemon cannot check it.
      const named = await doctor(laptop, remote);
      assert.equal(named.result.code, 1, named.result.stderr);
      assert.equal(named.byId.token!.status, 'fail');
      assert.equal(named.byId.token!.errorCode, undefined, 'the daemon answered: not an unreachable one');
      assert.match(named.byId.token!.detail, /^not checked: the daemon answered GET \/status with status 503/);
      assert.match(named.result.stderr, /1 problem found: Control token \(ERR_AIGW_20020\)$/m);
      // The daemon machine's own token (its config's control-token) does not need the Store.
      const own = readFileSync(join(server.dir, 'config', 'control-token'), 'utf8').trim();
      const down = await doctor(laptop, { ...remote, AIGW_CONTROL_TOKEN: own });
      assert.equal(down.result.code, 1, down.result.stderr);
      assert.equal(down.byId.token!.status, 'ok', 'the control plane still answers');
      assert.equal(down.byId.ready!.status, 'fail');
      assert.equal(down.byId.store!.status, 'fail');
      assert.match(down.byId.store!.detail, /the PostgreSQL Store does not answer/);
      assert.equal(down.byId.secretStore!.status, 'fail', down.byId.secretStore!.detail);
      assert.match(down.result.stderr, /problems found: Readiness, Secret store, Store \(ERR_AIGW_20020\)$/m);
      // A management request that needs the Store: a coded 503 on one line, exit 4, not an internal error.
      const list = await laptop.run(['provider-keys', 'list'], { env: { ...remote, AIGW_CONTROL_TOKEN: own } });
      assert.equal(list.code, 4, list.stderr);
      assert.match(list.stderr.trim(), /^aigw: error: PostgreSQL cannot be reached [^\n]*\(ERR_AIGW_10504\)$/);
      const withNamed = await laptop.run(['provider-keys', 'list'], { env: remote });
      assert.equal(withNamed.code, 4, withNamed.stderr);
      assert.match(withNamed.stderr, /ERR_AIGW_10504/);
    });
  });
});
