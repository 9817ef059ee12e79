import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AIGW_BIN, fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { processRunning } from '../../src/cli/daemon-process.js';
import { daemonArgs } from '../../src/core/daemon-runtime.js';

const VERSION = JSON.parse((await import('node:fs')).readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;

test('start, status, a second start, stop: one daemon per home, status in JSON', async () => {
  const home = new TestHome();
  try {
    const started = await home.run(['daemon', 'start']);
    assert.equal(started.code, 0, started.stderr);
    const status = await home.json(['daemon', 'status']);
    assert.equal(status.running, true);
    assert.equal(status.version, VERSION);
    assert.equal(status.controlSocket, join(home.dir, 'run', 'control.sock'));
    assert.match(status.gatewayUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(status.secretStore.kind, 'file');
    assert.match(status.secretStore.reason, /AIGW_SECRET_STORE=file/);
    assert.equal(typeof status.uptimeSeconds, 'number');
    assert.ok(processRunning(status.pid));

    const gateway = await fetch(`${status.gatewayUrl}/health`);
    assert.equal(gateway.status, 200);

    const again = await home.run(['daemon', 'start']);
    assert.equal(again.code, 0);
    assert.match(again.stderr, /already running/);
    assert.equal((await home.json(['daemon', 'status'])).pid, status.pid);

    const stopped = await home.run(['daemon', 'stop']);
    assert.equal(stopped.code, 0, stopped.stderr);
    assert.ok(!processRunning(status.pid));
    assert.ok(!existsSync(status.controlSocket), 'the socket is removed on shutdown');

    const down = await home.run(['daemon', 'status', '-o', 'json']);
    assert.equal(down.code, 4);
    assert.equal(JSON.parse(down.stdout).running, false);
    assert.match(down.stderr, /ERR_AIGW_20012/);
  } finally {
    await home.cleanup();
  }
});

test('the socket is 0600 in a 0700 directory; state directories and the database are owner-only', async () => {
  const home = new TestHome();
  try {
    await home.run(['daemon', 'start']);
    assert.equal(statSync(join(home.dir, 'run', 'control.sock')).mode & 0o777, 0o600);
    for (const dir of ['run', 'data', 'config', 'state']) assert.equal(statSync(join(home.dir, dir)).mode & 0o777, 0o700, dir);
    assert.equal(statSync(join(home.dir, 'data', 'aigw.db')).mode & 0o777, 0o600);
    assert.equal(statSync(join(home.dir, 'config', 'master.key')).mode & 0o777, 0o600);
    const res = await rawApi(home.dir, 'GET', '/version');
    assert.equal(res.headers['aigw-daemon-version'], VERSION);
  } finally {
    await home.cleanup();
  }
});

test('a daemon killed with SIGKILL leaves a stale socket that the next command replaces, data intact', async () => {
  const home = new TestHome();
  try {
    const id = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() })).id;
    const { pid } = await home.json(['daemon', 'status']);
    process.kill(pid, 'SIGKILL');
    while (processRunning(pid)) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(join(home.dir, 'run', 'control.sock')), 'the stale socket is still there');

    const result = await home.run(['provider-keys', 'get', id, '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /started the daemon/);
    assert.equal(JSON.parse(result.stdout).id, id);
    assert.notEqual((await home.json(['daemon', 'status'])).pid, pid);
  } finally {
    await home.cleanup();
  }
});

test('many commands starting the daemon at once end up with one daemon', async () => {
  const home = new TestHome();
  try {
    const results = await Promise.all(Array.from({ length: 6 }, () => home.run(['provider-keys', 'list', '-q'])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const { pid } = await home.json(['daemon', 'status']);
    const { execFileSync } = await import('node:child_process');
    const entry = daemonArgs().at(-1)!;
    const daemonsOfThisHome = () =>
      execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(entry) && !l.includes('ps -eo'))
        .filter((l) => {
          const p = Number(l.trim().split(/\s+/)[0]);
          try {
            return readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`AIGW_HOME=${home.dir}`);
          } catch {
            return false; // a daemon that lost the lock may have exited since ps listed it
          }
        });
    // A command returns once any daemon answers, while the one it spawned may still be starting up on its way
    // to losing the lock and exiting: give those a bounded moment to finish before counting.
    let ours = daemonsOfThisHome();
    for (const deadline = Date.now() + 10_000; ours.length > 1 && Date.now() < deadline; ours = daemonsOfThisHome()) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ours.length, 1, ours.join('\n'));
    assert.ok(ours[0]!.trim().startsWith(String(pid)));
  } finally {
    await home.cleanup();
  }
});

test('the daemon runs with its memory settings, and a MALLOC_ARENA_MAX of the user\'s own is kept', async () => {
  const settingsOf = async (home: TestHome) => {
    assert.equal((await home.run(['daemon', 'start'])).code, 0);
    const { pid } = await home.json(['daemon', 'status']);
    return {
      args: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'),
      env: readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0'),
    };
  };
  const plain = new TestHome({ MALLOC_ARENA_MAX: undefined });
  const tuned = new TestHome({ MALLOC_ARENA_MAX: '4' });
  try {
    const ours = await settingsOf(plain);
    for (const flag of ['--max-semi-space-size=8', '--no-maglev', '--bytecode-old-age=2']) assert.ok(ours.args.includes(flag), ours.args.join(' '));
    assert.ok(ours.env.includes('MALLOC_ARENA_MAX=2'));
    const theirs = await settingsOf(tuned);
    assert.ok(theirs.env.includes('MALLOC_ARENA_MAX=4'));
    assert.ok(!theirs.env.includes('MALLOC_ARENA_MAX=2'));
  } finally {
    await plain.cleanup();
    await tuned.cleanup();
  }
});

test('the daemon loads the undici it uses, a Pool and request(), not the whole library', async () => {
  const { execFileSync } = await import('node:child_process');
  const { readdirSync } = await import('node:fs');
  const { fileURLToPath, pathToFileURL } = await import('node:url');
  const daemonDir = fileURLToPath(new URL('../../src/daemon/', import.meta.url));
  // Every daemon module but the one that runs on import: the daemon itself.
  const modules = readdirSync(daemonDir, { recursive: true, encoding: 'utf8' }).filter(
    (file) => file.endsWith('.js') && file !== 'main.js',
  );
  const script = [
    ...modules.map((file) => `await import(${JSON.stringify(pathToFileURL(join(daemonDir, file)).href)});`),
    `console.log(JSON.stringify(Object.keys((await import('node:module')).default._cache)));`,
  ].join('\n');
  const loaded = (JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[]).filter(
    (file) => file.includes(`${join('node_modules', 'undici')}/`),
  );
  assert.ok(modules.length > 20 && loaded.some((file) => file.endsWith(join('lib', 'dispatcher', 'pool.js'))), loaded.join(' '));
  assert.ok(!loaded.some((file) => file.endsWith(join('undici', 'index.js'))), 'undici\'s index (fetch, WebSocket, mocks…) is not loaded');
  assert.ok(loaded.length < 40, `${loaded.length} undici modules`);
});

test('an AIGW_HOME too deep for a Unix socket path still works, through a short socket directory', async () => {
  const base = mkdtempSync(join(tmpdir(), 'aigw-deep-'));
  const deep = join(base, 'd'.repeat(60), 'e'.repeat(60));
  const home = new TestHome({ AIGW_HOME: deep });
  try {
    const result = await home.run(['provider-keys', 'list', '-q']);
    assert.equal(result.code, 0, result.stderr);
    const status = await home.json(['daemon', 'status']);
    assert.ok(Buffer.byteLength(status.controlSocket) <= 103);
    assert.ok(!status.controlSocket.startsWith(deep));
    assert.equal(statSync(join(status.controlSocket, '..')).mode & 0o777, 0o700);
  } finally {
    await home.cleanup();
    rmSync(base, { recursive: true, force: true });
  }
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) test(`\`daemon run\` stays in the foreground, logs to stdout, and shuts down cleanly on ${signal} to its pid`, async () => {
  const home = new TestHome();
  try {
    const child = spawn(process.execPath, [AIGW_BIN, 'daemon', 'run'], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const deadline = Date.now() + 15_000;
    while (!out.includes('daemon ready') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.match(out, /daemon ready/);
    const listed = await home.run(['provider-keys', 'list', '-q']);
    assert.equal(listed.code, 0);
    assert.doesNotMatch(listed.stderr, /started the daemon/);
    child.kill(signal);
    const code = await Promise.race([
      new Promise((r) => child.on('exit', (c) => r(c))),
      new Promise((r) => setTimeout(() => r(`still running 15 s after ${signal}`), 15_000)),
    ]);
    if (code !== 0) child.kill('SIGKILL');
    assert.equal(code, 0);
    assert.match(out, /"msg":"stopped"/);
  } finally {
    await home.cleanup();
  }
});

test('a bad listen address or body limit stops the daemon as a configuration error (exit 78), saying what to write', async () => {
  const home = new TestHome();
  try {
    const cases = [
      { env: { AIGW_GATEWAY_LISTEN: 'nonsense' }, says: /the gateway address "nonsense" must look like 127\.0\.0\.1:9271/ },
      { env: { AIGW_CONTROL_LISTEN: 'localhost' }, says: /the management API address "localhost" must look like/ },
      { env: { AIGW_GATEWAY_BODY_LIMIT: 'lots' }, says: /the gateway body limit "lots" must be a size such as 10MiB/ },
    ];
    for (const { env, says } of cases) {
      const ran = await home.run(['daemon', 'run'], { env });
      assert.equal(ran.code, 78, JSON.stringify(env));
      const logged = JSON.parse(ran.stdout.trim().split('\n').at(-1)!) as { msg: string; err: string };
      assert.equal(logged.msg, 'cannot start');
      assert.match(logged.err, says);
    }
  } finally {
    await home.cleanup();
  }
});

test('`daemon logs` prints the daemon log', async () => {
  const home = new TestHome();
  try {
    await home.run(['daemon', 'start']);
    const logs = await home.run(['daemon', 'logs', '-n', '50']);
    assert.equal(logs.code, 0);
    assert.match(logs.stdout, /"msg":"daemon ready"/);
  } finally {
    await home.cleanup();
  }
});

test('a bad --gateway-listen is a usage error, and flags given to a running daemon are said not to apply', async () => {
  const home = new TestHome();
  try {
    const bad = await home.fails(['daemon', 'start', '--gateway-listen', 'nonsense'], 2, 'ERR_AIGW_20002');
    assert.match(bad.stderr, /--gateway-listen "nonsense" must be HOST:PORT/);
    await home.fails(['daemon', 'start'], 2, 'ERR_AIGW_20002', { env: { AIGW_GATEWAY_LISTEN: 'localhost' } });
    assert.equal((await home.run(['daemon', 'status'])).code, 4, 'nothing was started');
    const first = await home.run(['daemon', 'start']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /created the master key file/);
    const again = await home.run(['daemon', 'start', '--gateway-listen', '127.0.0.1:0']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already running[\s\S]*--gateway-listen not applied .*aigw daemon stop && aigw daemon start --gateway-listen/);
    for (const args of [['daemon', 'start'], ['daemon', 'status']]) {
      assert.doesNotMatch((await home.run(args)).stderr, /master key file/, `${args.join(' ')} repeats the warning`);
    }
  } finally {
    await home.cleanup();
  }
});

test('`daemon start` fails, on stderr, when the gateway port is taken, and names the flag that picks another', async () => {
  const { createServer } = await import('node:net');
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const port = (taken.address() as { port: number }).port;
  const home = new TestHome({ AIGW_GATEWAY_LISTEN: `127.0.0.1:${port}` });
  try {
    const result = await home.fails(['daemon', 'start'], 4, 'ERR_AIGW_20014');
    assert.match(result.stderr, /EADDRINUSE[\s\S]*--gateway-listen HOST:PORT or AIGW_GATEWAY_LISTEN/);
    assert.equal((await home.run(['provider-keys', 'list'])).code, 0, 'key management still works');
  } finally {
    await home.cleanup();
    taken.close();
  }
});

test('a daemon that cannot start says why', async () => {
  const home = new TestHome({ AIGW_SECRET_STORE: 'bogus' });
  try {
    const result = await home.run(['provider-keys', 'list']);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /AIGW_SECRET_STORE must be auto, keychain, file or database.*ERR_AIGW_20011/);
  } finally {
    await home.cleanup();
  }
});

test('a daemon of another version is reported clearly by the CLI', async () => {
  const { cpSync, symlinkSync, writeFileSync, readFileSync } = await import('node:fs');
  const { REPO } = await import('../helpers/aigw.js');
  const other = mkdtempSync(join(tmpdir(), 'aigw-other-version-'));
  const home = new TestHome();
  try {
    // A second install of aigw that differs only in its version number.
    cpSync(join(REPO, 'dist'), join(other, 'dist'), { recursive: true });
    cpSync(join(REPO, 'bin'), join(other, 'bin'), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(other, 'node_modules'));
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
    writeFileSync(join(other, 'package.json'), JSON.stringify({ ...pkg, version: '99.0.0' }));
    const started = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [join(other, 'bin', 'aigw'), 'daemon', 'start'], { env: home.env, stdio: 'ignore' });
      child.on('exit', (code) => resolve(code ?? 1));
    });
    assert.equal(started, 0);

    const result = await home.run(['provider-keys', 'list', '-q']);
    assert.equal(result.code, 0);
    assert.match(result.stderr, new RegExp(`the running daemon is aigw 99\\.0\\.0 but this CLI is ${VERSION.replace(/\./g, '\\.')}; restart it`));
    const status = await home.run(['daemon', 'status']);
    assert.match(status.stdout, new RegExp(`99\\.0\\.0 \\(CLI is ${VERSION.replace(/\./g, '\\.')}\\)`));
  } finally {
    await home.cleanup();
    rmSync(other, { recursive: true, force: true });
  }
});

test('the daemon refuses a master key file that others can read, and says how to fix it', async () => {
  const { chmodSync } = await import('node:fs');
  const home = new TestHome();
  try {
    await home.run(['daemon', 'start']);
    await home.run(['daemon', 'stop']);
    chmodSync(join(home.dir, 'config', 'master.key'), 0o644);
    const result = await home.run(['provider-keys', 'list']);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /master key file .* is readable by other users \(mode 644\); run `chmod 600 /);
  } finally {
    await home.cleanup();
  }
});

test('AIGW_MASTER_KEY replaces the key file: none is written', async () => {
  const home = new TestHome({ AIGW_MASTER_KEY: 'correct horse battery staple' });
  try {
    await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() });
    assert.ok(!existsSync(join(home.dir, 'config', 'master.key')));
    const status = await home.json(['daemon', 'status']);
    assert.match(status.secretStore.reason, /master key from AIGW_MASTER_KEY/);
  } finally {
    await home.cleanup();
  }
});

test('the command that auto-starts a daemon passes on its start-up warnings, once', async () => {
  const home = new TestHome();
  try {
    const first = await home.run(['provider-keys', 'list', '-q']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /started the daemon[\s\S]*warning: created the master key file .*master\.key: anyone who can read it/);
    await home.run(['daemon', 'stop']);
    const again = await home.run(['provider-keys', 'list', '-q']);
    assert.match(again.stderr, /started the daemon/);
    assert.doesNotMatch(again.stderr, /warning/);
  } finally {
    await home.cleanup();
  }
});
