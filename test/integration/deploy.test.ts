// deploy/compose.yaml and deploy/Dockerfile, tested without Docker (this machine has no Docker daemon): each
// replica service's command and environment, with the image's ENV under it, run exactly as written against a
// real PostgreSQL that asks for a password. Only what a container gives differently is mapped: /run/secrets/*
// and the volumes to temp dirs, the `db` service to the test cluster, and each listener to a free loopback
// port. A laptop then manages replica A over TLS, and replica B's gateway serves what it made.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { AIGW_BIN, fakeKey, REPO, TestHome } from '../helpers/aigw.js';
import { http } from '../helpers/http.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { skipWithoutPostgres, startCluster, type PostgresCluster } from '../helpers/postgres.js';

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  ports?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}
interface Compose {
  services: Record<string, Service>;
  secrets: Record<string, { file?: string }>;
  volumes: Record<string, unknown>;
}

const compose = parse(readFileSync(join(REPO, 'deploy', 'compose.yaml'), 'utf8'), { merge: true }) as Compose;
const dockerfile = readFileSync(join(REPO, 'deploy', 'Dockerfile'), 'utf8');
const REPLICAS = ['aigw-a', 'aigw-b'] as const;
const SECRETS_DIR = '/run/secrets/';

/** The Dockerfile's stages, each a list of [INSTRUCTION, arguments] with continuation lines joined. */
function stages(text: string): [string, string][][] {
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const out: [string, string][][] = [];
  for (const line of lines) {
    const [, instruction = '', args = ''] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    if (instruction.toUpperCase() === 'FROM') out.push([]);
    out.at(-1)!.push([instruction.toUpperCase(), args]);
  }
  return out;
}
const runtime = stages(dockerfile).at(-1)!;
const instructions = (name: string) => runtime.filter(([i]) => i === name).map(([, args]) => args);

/** The runtime image's ENV (KEY=value pairs), which a container starts with under the service's environment. */
function imageEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of instructions('ENV')) for (const [, k, v] of args.matchAll(/(\w+)=(\S+)/g)) env[k!] = v!;
  return env;
}

/** Compose's `${NAME:-default}` with nothing set on this machine: the default, as `docker compose up` in a clean shell. */
function interpolate(value: string): string {
  const out = value.replace(/\$\{(\w+):-([^}]*)\}/g, (_, _name, fallback: string) => fallback);
  assert.ok(!out.includes('$'), `only \${NAME:-default} is interpolated here: ${value}`);
  return out;
}

describe('deploy/: the Dockerfile and compose.yaml', () => {
  test('the image runs `aigw daemon run` as a non-root user, from production dependencies only', () => {
    const build = stages(dockerfile)[0]!;
    assert.ok(stages(dockerfile).length >= 2, 'a multi-stage build');
    assert.ok(build.some(([i, a]) => i === 'RUN' && /\bnpm ci\b/.test(a) && !a.includes('--omit=dev')), 'the build stage has the dev dependencies');
    assert.ok(build.some(([i, a]) => i === 'RUN' && a.includes('npm run build')), 'the build stage builds');
    assert.ok(instructions('RUN').some((a) => /\bnpm ci\b.*--omit=dev/.test(a)), 'the runtime installs with npm ci --omit=dev');
    const user = instructions('USER').at(-1);
    assert.ok(user && !['root', '0'].includes(user.split(':')[0]!), `the daemon runs as ${user ?? 'root'}`);
    const cmdIndex = runtime.findIndex(([i]) => i === 'CMD');
    assert.ok(runtime.findIndex(([i]) => i === 'USER') < cmdIndex, 'USER comes before CMD');
    const cmd = JSON.parse(instructions('CMD').at(-1)!) as string[];
    assert.deepEqual(cmd.slice(1), ['daemon', 'run'], 'the daemon in the foreground');
    // `aigw` is found: bin/ is copied under WORKDIR and that folder is on the image's PATH.
    const workdir = instructions('WORKDIR').at(-1)!;
    assert.ok(instructions('COPY').some((a) => /^bin \.\/bin$/.test(a)));
    assert.ok(imageEnv().PATH!.split(':').includes(`${workdir}/bin`));
    assert.equal(imageEnv().AIGW_SECRET_STORE, 'database', 'no keychain in a container');
    const healthcheck = instructions('HEALTHCHECK').at(-1)!;
    for (const name of REPLICAS) {
      const service = compose.services[name]!;
      assert.deepEqual(service.command, cmd, `${name} runs the image's CMD`);
      const [kind, ...probe] = service.healthcheck!.test;
      assert.equal(kind, 'CMD');
      assert.deepEqual(probe, JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)), `${name}'s health check is the image's`);
    }
  });

  test('compose.yaml holds no secret: each is a file mounted at /run/secrets, and the database URL has no password', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, raw] of Object.entries(service.environment ?? {})) {
        const value = interpolate(String(raw));
        assert.ok(!/^(AIGW_MASTER_KEY|AIGW_CONTROL_TOKEN|PGPASSWORD|POSTGRES_PASSWORD)$/.test(key), `${name} sets ${key} inline`);
        if (value.startsWith(SECRETS_DIR)) assert.ok(service.secrets?.includes(value.slice(SECRETS_DIR.length)), `${name} mounts ${value}`);
      }
    }
    for (const [name, secret] of Object.entries(compose.secrets)) assert.ok(secret.file?.startsWith('./secrets/'), `secret ${name} comes from a file`);
    for (const name of REPLICAS) {
      const env = compose.services[name]!.environment!;
      const url = new URL(env.AIGW_DATABASE_URL!);
      assert.equal(url.password, '', 'no password in AIGW_DATABASE_URL');
      assert.ok(compose.services[url.hostname], `the URL names the ${url.hostname} service`);
      assert.equal(compose.services[name]!.depends_on?.[url.hostname]?.condition, 'service_healthy');
      assert.ok(env.PGPASSFILE?.startsWith(SECRETS_DIR), 'the password comes from PGPASSFILE');
      // The health check asks the gateway's /ready, on the port the gateway listens on.
      const gatewayPort = env.AIGW_GATEWAY_LISTEN!.split(':').at(-1)!;
      assert.ok(compose.services[name]!.healthcheck!.test.join(' ').includes(`:${gatewayPort}/ready`));
      for (const listen of [env.AIGW_GATEWAY_LISTEN!, env.AIGW_CONTROL_LISTEN!]) {
        const port = listen.split(':').at(-1)!;
        assert.ok(compose.services[name]!.ports!.some((p) => p.endsWith(`:${port}`)), `${name} publishes ${port}`);
      }
      assert.ok(env.AIGW_CONTROL_TLS_CERT && env.AIGW_CONTROL_TLS_KEY, 'the management API is served over TLS');
    }
  });
});

describe('deploy/compose.yaml run on this machine: two replicas on one PostgreSQL, managed from a laptop over TLS', { skip: skipWithoutPostgres() }, () => {
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let dir: string;
  let cluster: PostgresCluster;
  let mock: MockUpstream;
  let laptop: TestHome;
  const replicas = new Map<string, { env: NodeJS.ProcessEnv; child: ChildProcess; output: () => string }>();
  const running = (name: string) => replicas.get(name)!;

  /** The secrets a team makes once (see the README), as 0600 files in a folder that stands for /run/secrets. */
  function makeSecrets(secretsDir: string): void {
    mkdirSync(secretsDir, { mode: 0o700 });
    // The pgpass line names the test cluster's socket host; compose's names `db:5432`.
    writeFileSync(join(secretsDir, 'pgpass'), `*:*:aigw:aigw:${password}\n`, { mode: 0o600 });
    writeFileSync(join(secretsDir, 'master-key'), `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(secretsDir, 'tls-key.pem'), '-out', join(secretsDir, 'tls-cert.pem'),
    ], { stdio: 'ignore' });
  }

  /** The service's environment over the image's, with what a container has elsewhere mapped onto this machine. */
  function replicaEnv(name: string, secretsDir: string): NodeJS.ProcessEnv {
    const service = compose.services[name]!;
    const volumes = new Map((service.volumes ?? []).map((v) => [v.split(':')[1]!, v.split(':')[0]!]));
    const { PATH: _imagePath, ...image } = imageEnv();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: join(dir, `${name}-user`) };
    for (const [key, raw] of Object.entries({ ...image, ...service.environment })) {
      let value = interpolate(String(raw));
      const secret = value.startsWith(SECRETS_DIR) ? value.slice(SECRETS_DIR.length) : undefined;
      if (secret) value = join(secretsDir, compose.secrets[secret]!.file!.replace('./secrets/', ''));
      else if (volumes.has(value)) {
        assert.ok(volumes.get(value)! in compose.volumes, `${volumes.get(value)} is a named volume`);
        value = join(dir, volumes.get(value)!);
        mkdirSync(value, { mode: 0o700, recursive: true });
      } else if (key === 'AIGW_DATABASE_URL') {
        const url = new URL(value);
        value = `postgres://${url.username}@localhost${url.pathname}?host=${encodeURIComponent(cluster.socketDir)}`;
      } else if (key.endsWith('_LISTEN')) value = '127.0.0.1:0';
      env[key] = value;
    }
    return env;
  }

  /** `aigw …` inside the replica's container, as `docker compose exec aigw-a aigw …` runs it. */
  function exec(name: string, args: string[]): string {
    return execFileSync(process.execPath, [AIGW_BIN, ...args], { env: running(name).env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  async function untilReady(name: string): Promise<{ gatewayUrl: string; controlUrl: string }> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const status = JSON.parse(exec(name, ['daemon', 'status', '-o', 'json'])) as { gatewayUrl: string | null; controlUrl?: string };
        if (status.gatewayUrl && status.controlUrl) return { gatewayUrl: status.gatewayUrl, controlUrl: status.controlUrl };
      } catch {
        // not up yet
      }
      assert.ok(Date.now() < deadline, `${name} did not start:\n${running(name).output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** The compose health check's command, exactly, against the replica's gateway port. */
  function healthy(name: string, gatewayUrl: string): boolean {
    const [, program, ...args] = compose.services[name]!.healthcheck!.test;
    assert.equal(program, 'node');
    const port = compose.services[name]!.environment!.AIGW_GATEWAY_LISTEN!.split(':').at(-1)!;
    const mapped = args.map((a) => a.replace(`http://127.0.0.1:${port}`, gatewayUrl));
    try {
      execFileSync(process.execPath, mapped, { stdio: 'ignore', timeout: 10_000 });
      return true;
    } catch {
      return false;
    }
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aigw-deploy-'));
    cluster = await startCluster({ password });
    await cluster.createDatabase(new URL(compose.services['aigw-a']!.environment!.AIGW_DATABASE_URL!).pathname.slice(1));
    mock = new MockUpstream();
    await mock.start();
    const secretsDir = join(dir, 'secrets');
    makeSecrets(secretsDir);
    for (const name of REPLICAS) {
      const env = replicaEnv(name, secretsDir);
      const [program, ...args] = compose.services[name]!.command!;
      assert.equal(program, 'aigw');
      let output = '';
      const child = spawn(process.execPath, [AIGW_BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      replicas.set(name, { env, child, output: () => output });
    }
    laptop = new TestHome();
  });

  after(async () => {
    for (const { child } of replicas.values()) if (child.exitCode === null) child.kill('SIGKILL');
    await laptop?.cleanup();
    await mock?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("both replicas become ready; a key made through A's control plane over TLS is used through B's gateway", async () => {
    const [a, b] = await Promise.all(REPLICAS.map((name) => untilReady(name)));
    for (const [name, urls] of [['aigw-a', a], ['aigw-b', b]] as const) {
      assert.match(urls!.controlUrl, /^https:\/\//, `${name} serves the management API over TLS`);
      const deadline = Date.now() + 20_000;
      while (!healthy(name, urls!.gatewayUrl)) {
        assert.ok(Date.now() < deadline, `${name}'s health check never passed:\n${running(name).output()}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      const status = JSON.parse(exec(name, ['daemon', 'status', '-o', 'json']));
      assert.equal(status.store.kind, 'postgres');
      assert.equal(status.secretStore.kind, 'database');
      assert.match(status.secretStore.reason, /AIGW_MASTER_KEY_FILE|master key file/);
    }

    // On A's machine, once: a token for the laptop (`docker compose exec aigw-a aigw daemon tokens create …`).
    const token = exec('aigw-a', ['daemon', 'tokens', 'create', 'laptop', '-q']).trim();
    const tokenFile = join(laptop.dir, 'gw.token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const remote = {
      AIGW_CONTROL_URL: a!.controlUrl,
      AIGW_CONTROL_CA: running('aigw-a').env.AIGW_CONTROL_TLS_CERT,
      AIGW_CONTROL_TOKEN_FILE: tokenFile,
    };
    await laptop.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`], { env: remote });
    const access = await laptop.json(['access-keys', 'create', '--name', 'deploy'], { env: remote });
    const value = fakeKey();
    mock.accept(value);
    await laptop.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], {
      env: remote,
      input: value,
    });

    const deadline = Date.now() + 2000;
    let answer;
    do {
      answer = await http(`${b!.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
    } while (answer.status !== 200 && Date.now() < deadline && (await new Promise((r) => setTimeout(r, 50)), true));
    assert.equal(answer.status, 200, answer.text);
    assert.ok(mock.requests.some((r) => r.key === value), 'B sent the value stored through A');
    assert.ok(!running('aigw-b').output().includes(value) && !running('aigw-a').output().includes(value));
    // The token is in the shared Store: the laptop reaches replica B's control plane with it too.
    const throughB = await laptop.json(['access-keys', 'list'], { env: { ...remote, AIGW_CONTROL_URL: b!.controlUrl } });
    assert.deepEqual(throughB.aiGatewayAccessKeys.map((k: { id: string }) => k.id), [access.id]);
  });

  test('a replica stopped as `docker compose stop` stops it (SIGTERM) drains and exits 0', async () => {
    for (const name of REPLICAS) {
      const { child } = running(name);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, running(name).output());
    }
  });
});
