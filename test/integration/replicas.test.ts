// Two daemons (two homes) on one PostgreSQL database, as two replicas behind a load balancer would be.
// Real daemons, the real CLI and the official OpenAI client; only the upstream provider is a mock.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import pg from 'pg';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { skipWithoutPostgres, startCluster, type PostgresCluster } from '../helpers/postgres.js';

const skip = skipWithoutPostgres();
const DATABASE = `aigw_replicas_${process.pid}`;
const hello = [{ role: 'user' as const, content: 'hi' }];
const PASSPHRASE = 'replicas share this passphrase';
const DATABASE_PASSWORD = 'canary-database-password';

/** Retries `attempt` until it stops throwing, for at most `withinMs`; the last failure otherwise. */
async function within<T>(withinMs: number, attempt: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

describe('two replicas on one PostgreSQL database', { skip }, () => {
  let cluster: PostgresCluster;
  let databaseUrl: string;
  let mock: MockUpstream;
  let a: TestHome;
  let b: TestHome;
  const gateways = new Map<TestHome, string>();
  /** Every provider key value and access key token the tests made: none may reach the database in plaintext. */
  const secrets: string[] = [];

  const client = (home: TestHome, token: string) =>
    new OpenAI({ apiKey: token, baseURL: `${gateways.get(home)}/v1`, maxRetries: 0, timeout: 10_000 });

  async function accessKey(home: TestHome): Promise<{ id: string; token: string }> {
    const created = await home.json(['access-keys', 'create', '--name', 'replicas']);
    secrets.push(created.token);
    return { id: created.id, token: created.token };
  }

  async function providerKey(home: TestHome, accessKeyId: string): Promise<string> {
    const value = fakeKey();
    mock.accept(value);
    secrets.push(value);
    const created = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', accessKeyId], {
      input: value,
    });
    return created.id;
  }

  before(async () => {
    cluster = await startCluster();
    // The test cluster trusts local connections, so the password is never asked for; it must still never show.
    const url = (databaseUrl = (await cluster.createDatabase(DATABASE)).replace('//aigw@', `//aigw:${DATABASE_PASSWORD}@`));
    mock = new MockUpstream();
    await mock.start();
    const env = { AIGW_DATABASE_URL: url, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: PASSPHRASE };
    a = new TestHome(env, 'aigw-replica-a-');
    b = new TestHome(env, 'aigw-replica-b-');
    // Started together: the schema is migrated once, under the advisory lock.
    const [urlA, urlB] = await Promise.all([a.gatewayUrl(), b.gatewayUrl()]);
    gateways.set(a, urlA).set(b, urlB);
    await a.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`]);
  });

  after(async () => {
    await Promise.all([a?.cleanup(), b?.cleanup()]);
    await mock?.close();
    await cluster?.stop();
  });

  test('both daemons report the shared Store and the database secret store', async () => {
    for (const home of [a, b]) {
      const status = await home.json(['daemon', 'status']);
      assert.equal(status.secretStore.kind, 'database');
      assert.deepEqual(status.store, { kind: 'postgres', location: `database ${DATABASE} on ${cluster.socketDir}` });
      assert.match(status.secretStore.reason, /AIGW_SECRET_STORE=database; master key from AIGW_MASTER_KEY \(key id [0-9a-f]{16}\)/);
    }
    const check = await rawApi(a.dir, 'GET', '/status/store');
    assert.equal(check.body.status, 'ok', JSON.stringify(check.body));
    assert.match(check.body.detail, /PostgreSQL 1\d/);
  });

  test("a key created through A is used by B's gateway within a second; one deleted through B is refused by A within a second", async () => {
    const access = await accessKey(a);
    await providerKey(a, access.id);
    const answered = await within(1000, () => client(b, access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));
    assert.ok(answered.choices.length > 0);

    await b.run(['access-keys', 'delete', access.id, '--force', '--yes']).then((r) => assert.equal(r.code, 0, r.stderr));
    const refusal = await within(1000, async () => {
      const err = await client(a, access.token)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: hello })
        .then(() => undefined, (e: unknown) => e);
      if (!err) throw new Error('A still serves the deleted key');
      return err as { status?: number };
    });
    assert.equal(refusal.status, 401);
  });

  test('40 creates split over both replicas at once leave exactly 15 keys attached', async () => {
    const access = await accessKey(b);
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const value = fakeKey();
        secrets.push(value);
        return rawApi((i % 2 ? a : b).dir, 'POST', '/provider-keys', JSON.stringify({ providerId: 'openai', value, accessKeyId: access.id }));
      }),
    );
    const created = outcomes.filter((o) => o.status < 300);
    assert.equal(created.length, 15, JSON.stringify(outcomes.filter((o) => o.status >= 300).slice(0, 1)));
    assert.ok(outcomes.every((o) => o.status < 300 || /ERR_AIGW_/.test(JSON.stringify(o.body))));
    for (const home of [a, b]) {
      const listed = await home.json(['provider-keys', 'list', '--all', '--ai-gateway-api-key-id', access.id]);
      assert.equal(listed.aiGatewayProviderKeys.length, 15);
    }
  });

  test('usage from both replicas appears in one `aigw usage list`', async () => {
    const access = await accessKey(a);
    await providerKey(b, access.id);
    for (const home of [a, b, a]) {
      await within(1000, () => client(home, access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));
    }
    await b.json(['usage', 'list']); // flushes B's recorder
    const events = await within(2000, async () => {
      const listed = await a.json(['usage', 'list', '--access-key-id', access.id]);
      assert.equal(listed.aiGatewayUsage.length, 3);
      return listed.aiGatewayUsage;
    });
    assert.equal(events.length, 3);
  });

  test("a budget spent through A is refused by B within seconds: B's gateway reads every replica's spend", async () => {
    // One chat completion of the mock (11 input, 5 output tokens) then costs $0.021: five cross a $0.10 budget.
    await a.json(['prices', 'set', 'openai:gpt-4o-mini', '--input-price', '1000', '--output-price', '2000']);
    const created = await a.json(['access-keys', 'create', '--name', 'budgeted', '--budget', '0.1', '--budget-period', 'month']);
    secrets.push(created.token);
    await providerKey(a, created.id);
    const loadedAt = Date.now();
    const ask = (home: TestHome) =>
      client(home, created.token)
        .chat.completions.create({ model: 'gpt-4o-mini', messages: hello })
        .then(() => 'answered', (err: { code?: string; message?: string }) => err.code ?? String(err.message));
    const throughA: string[] = [];
    while (throughA.at(-1) !== 'ERR_AIGW_30030' && throughA.length < 10) throughA.push(await ask(a));
    assert.deepEqual(throughA.at(-1), 'ERR_AIGW_30030', `A's own spend: ${throughA.join(', ')}`);
    await a.json(['usage', 'list']); // flushes A's recorder
    // B counted its spend when it heard of the key, before A spent anything; it reads the Store again at most
    // every 5 s while the key is busy, and the request that starts that read is still admitted.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, loadedAt + 5500 - Date.now())));
    const throughB: string[] = [];
    const deadline = Date.now() + 4000;
    while (throughB.at(-1) !== 'ERR_AIGW_30030' && Date.now() < deadline) {
      throughB.push(await ask(b));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(throughB.at(-1), 'ERR_AIGW_30030', `B: ${throughB.join(', ')}`);
    // On its own count B would have answered five before refusing.
    assert.ok(throughB.filter((r) => r === 'answered').length <= 1, `B: ${throughB.join(', ')}`);
  });

  test('a value stored through one replica is found by an import through either: one value HMAC key, made once, for all', async () => {
    const access = await accessKey(a);
    const value = fakeKey();
    secrets.push(value);
    const stored = await a.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: value });
    // Neither replica has looked a value up yet: these lookups make the HMAC key, which both must then share
    // (the race of two making it at once is the secret store's setIfAbsent, tested in postgres.test.ts).
    const lookup = (home: TestHome) => rawApi(home.dir, 'POST', '/provider-keys/lookup', JSON.stringify({ value }));
    const found = await Promise.all([lookup(a), lookup(b), lookup(b), lookup(a)]);
    assert.deepEqual(found.map((r) => r.body.providerKey?.id), Array(4).fill(stored.id), JSON.stringify(found.map((r) => r.body)));
    const again = await Promise.all([lookup(b), lookup(a)]);
    assert.deepEqual(again.map((r) => r.body.providerKey?.id), [stored.id, stored.id]);
  });

  test('GET /health and /ready on each gateway port; both replicas survive a PostgreSQL restart without one of their own', async () => {
    for (const home of [a, b]) {
      assert.equal((await fetch(`${gateways.get(home)}/health`)).status, 200);
      const ready = await fetch(`${gateways.get(home)}/ready`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
    }
    await cluster.restart();
    // Back once each replica's listener has reconnected (and reloaded its snapshot).
    for (const home of [a, b]) {
      await within(15_000, async () => assert.equal((await fetch(`${gateways.get(home)}/ready`)).status, 200));
    }
    const access = await accessKey(b);
    await providerKey(b, access.id);
    const answered = await within(1000, () => client(a, access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));
    assert.ok(answered.choices.length > 0);
  });

  test('a replica with another master key refuses to start, naming both key ids; bad settings are refused before anything starts', async () => {
    const other = new TestHome({ AIGW_DATABASE_URL: databaseUrl, AIGW_SECRET_STORE: '', AIGW_MASTER_KEY: 'not the passphrase the others use' }, 'aigw-replica-c-');
    try {
      const started = await other.run(['daemon', 'start']);
      assert.notEqual(started.code, 0);
      assert.match(started.stderr, /wrapped by master key [0-9a-f]{16}, not by this daemon's \([0-9a-f]{16}\)/);
      const badUrl = await other.run(['daemon', 'start', '--database-url', 'mysql://db/aigw']);
      assert.equal(badUrl.code, 2);
      assert.match(badUrl.stderr, /--database-url must be a PostgreSQL URL/);
      const noDatabase = await other.run(['daemon', 'start'], { env: { AIGW_DATABASE_URL: '', AIGW_SECRET_STORE: 'database' } });
      assert.notEqual(noDatabase.code, 0);
      assert.match(noDatabase.stderr, /AIGW_SECRET_STORE=database keeps keys in PostgreSQL: set AIGW_DATABASE_URL/);
    } finally {
      await other.cleanup();
    }
  });

  test('replica A killed with SIGKILL in the middle of writes loses none it acknowledged', async () => {
    const { pid } = await a.json(['daemon', 'status']);
    const access = await accessKey(b);
    const acknowledged: string[] = [];
    const writes = Array.from({ length: 20 }, async () => {
      const value = fakeKey();
      secrets.push(value);
      const res = await rawApi(a.dir, 'POST', '/provider-keys', JSON.stringify({ providerId: 'anthropic', value, accessKeyId: access.id })).catch(
        () => undefined,
      );
      if (res && res.status < 300) acknowledged.push(res.body.id);
      if (acknowledged.length === 1) process.kill(pid, 'SIGKILL');
    });
    await Promise.all(writes);
    assert.ok(acknowledged.length >= 1);
    const listed = await b.json(['provider-keys', 'list', '--all', '--ai-gateway-api-key-id', access.id]);
    const stored = new Set(listed.aiGatewayProviderKeys.map((k: { id: string }) => k.id));
    for (const id of acknowledged) assert.ok(stored.has(id), `acknowledged ${id} was lost`);
    assert.ok(stored.size < 20, `${stored.size} of 20 written: the kill came too late to test anything`);
    // A value is written before its key's row: a write cut short leaves no key without its value.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query(
        'SELECT p.id FROM provider_keys p LEFT JOIN sealed_secrets s ON s.ref = p.secret_ref WHERE s.ref IS NULL',
      );
      assert.deepEqual(rows, []);
    } finally {
      await db.end();
    }
  });

  test('a new master key without downtime: a replica given the old one as previous reads everything, and rewrap moves every value to the new one', async () => {
    const NEW = 'the new passphrase for every replica';
    const changing = new TestHome({ AIGW_DATABASE_URL: databaseUrl, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: NEW, AIGW_PREVIOUS_MASTER_KEY: PASSPHRASE }, 'aigw-replica-d-');
    const after = new TestHome({ AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: NEW }, 'aigw-replica-e-');
    const fileHome = new TestHome();
    try {
      gateways.set(changing, await changing.gatewayUrl());
      const access = await accessKey(b);
      await providerKey(b, access.id); // wrapped under the old key, by a replica that has only that one
      await within(1000, () => client(changing, access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));

      const result = await changing.json(['secrets', 'rewrap']);
      assert.ok(result.rewrapped > 15, JSON.stringify(result));
      assert.equal(result.remaining, 0);
      assert.deepEqual((await changing.json(['secrets', 'rewrap'])).rewrapped, 0, 'a second run has nothing left to do');
      // Now only the new key is needed, and the old one alone no longer opens anything. (This one is given
      // the database by flag: the CLI hands it to the daemon in its environment, not its argv.)
      const started = await after.run(['daemon', 'start', '--database-url', databaseUrl]);
      assert.equal(started.code, 0, started.stderr);
      const { pid } = await after.json(['daemon', 'status']);
      assert.ok(!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(DATABASE_PASSWORD), 'the URL is not in the daemon\'s argv');
      gateways.set(after, await after.gatewayUrl());
      await within(1000, () => client(after, access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }));
      const stale = new TestHome({ AIGW_DATABASE_URL: databaseUrl, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: PASSPHRASE }, 'aigw-replica-f-');
      try {
        const refused = await stale.run(['daemon', 'start']);
        assert.notEqual(refused.code, 0);
        assert.match(refused.stderr, /AIGW_PREVIOUS_MASTER_KEY/);
      } finally {
        await stale.cleanup();
      }

      await fileHome.fails(['secrets', 'rewrap'], 5, 'ERR_AIGW_20070');
    } finally {
      await Promise.all([changing.cleanup(), after.cleanup(), fileHome.cleanup()]);
    }
  });

  test('the database holds no plaintext: no provider key value or access key token in a pg_dump, nor in either home', async () => {
    const dump = await cluster.dump(DATABASE);
    assert.ok(dump.includes('sealed_secrets') && secrets.length > 40);
    for (const secret of secrets) assert.ok(!dump.includes(secret), 'a secret reached the database in plaintext');
    const files = [...a.files(), ...b.files()];
    assert.ok(files.some((f) => f.path.endsWith('daemon.log')));
    for (const { path, bytes } of files) {
      for (const secret of [...secrets, DATABASE_PASSWORD, PASSPHRASE]) assert.ok(!bytes.includes(secret), `${path} holds a secret`);
    }
  });
});

test('without AIGW_DATABASE_URL: the SQLite Store, and GET /ready is 200 once the gateway listens', async () => {
  const home = new TestHome();
  try {
    const gateway = await home.gatewayUrl();
    const ready = await fetch(`${gateway}/ready`);
    assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
    const status = await home.json(['daemon', 'status']);
    assert.equal(status.store.kind, 'sqlite');
    assert.match(status.store.location, /aigw\.db$/);
  } finally {
    await home.cleanup();
  }
});
