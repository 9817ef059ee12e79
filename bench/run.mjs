// `npm run bench`: aigw's performance figures, each as a ratio measured in the same run on this machine.
// It starts a mock upstream, a minimal undici pass-through (the floor for a Node proxy) and real daemons
// through the real CLI on temp homes, drives them with wrk when it is installed (autocannon otherwise), and
// prints one table with PASS/FAIL.
// Options: --quick (short runs, for a smoke test), --json FILE (also write the figures as JSON).
// BENCH_LOAD=autocannon uses autocannon even where wrk is installed.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, Agent } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { Client } from 'undici';

const REPO = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const BIN = join(REPO, 'bin', 'aigw');
const QUICK = process.argv.includes('--quick');
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : undefined;

const LOAD_SECONDS = QUICK ? 1 : 2;
const ROUNDS = QUICK ? 1 : 5;
const CONNECTIONS = 16;
/** The throughput rows' targets and what each is judged against, as [target, reference]. */
const RATIO_PAIRS = [
  ['passthrough', 'direct'],
  ['gateway', 'passthrough'],
  ['limited', 'passthrough'],
  ['failover', 'gateway'],
  ['manyKeys', 'gateway'],
  ['metrics', 'gateway'],
  ['postgres', 'gateway'],
  ['replicas', 'postgres'],
];
const LATENCY_REQUESTS = QUICK ? 200 : 2000;
const STREAM_REQUESTS = QUICK ? 50 : 300;
// Sequential requests first run unmeasured until the bench's own client code is compiled: in a cold Node
// client the first ~2,000 requests see p99 ~2 ms against the mock alone (~0.15 ms once warm), as V8
// compiles it on the same two cores, which would swamp the p99 being measured.
const LATENCY_WARMUP = QUICK ? 200 : 3000;
// The pass-through runs the same code for SSE as for JSON, warm from the throughput runs; the gateway's SSE
// path (stream mode, usage scanner and filter) runs first here, and after 50 requests V8 still runs it in its
// baseline tiers: both are warmed to the steady state a running daemon is in before the first chunk is timed.
const STREAM_WARMUP = QUICK ? 50 : 500;
const CLI_ROUNDS = QUICK ? 3 : 15;
const LIST_REQUESTS = QUICK ? 10 : 50;
const MANY_KEYS = QUICK ? 1000 : 10_000;
const STREAM_EVENTS = 5;
const IDLE_SETTLE_MS = 10_000;

const GOOD = `sk-bench-good-${randomBytes(16).toString('hex')}`;
const BAD = `sk-bench-bad-${randomBytes(16).toString('hex')}`;
const BODY = JSON.stringify({ model: 'openai:gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] });
const STREAM_BODY = JSON.stringify({ model: 'openai:gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Say hello.' }] });

const children = [];
const homes = [];
/** The throwaway PostgreSQL cluster of the PostgreSQL row, when there is one. */
let cluster;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** A child process that prints its port on its first line; resolves with its port and pid. */
function startServer(script, env) {
  return new Promise((resolvePort, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'bench', script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    child.on('error', reject);
    child.stdout.once('data', (d) => resolvePort({ port: Number(String(d).trim()), pid: child.pid }));
  });
}

function aigw(home, args, input) {
  return new Promise((resolveRun, reject) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: home.env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      home.lastCall = performance.now();
      if (err) reject(new Error(`aigw ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolveRun(stdout);
    });
    child.stdin.end(input ?? '');
  });
}
const aigwJson = async (home, args, input) => JSON.parse(await aigw(home, [...args, '-o', 'json'], input));

/** A fresh AIGW_HOME with a running daemon whose openai base URL points at the mock; `extra` adds to its environment. */
async function newHome(name, mockUrl, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), `aigw-bench-${name}-`));
  const env = { ...process.env, AIGW_HOME: dir, AIGW_SECRET_STORE: 'file', AIGW_GATEWAY_LISTEN: '127.0.0.1:0', CI: 'true', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k.startsWith('AIGW_') && !['AIGW_HOME', 'AIGW_SECRET_STORE', 'AIGW_GATEWAY_LISTEN'].includes(k)) delete env[k];
  Object.assign(env, extra);
  const home = { dir, env };
  homes.push(home);
  await aigw(home, ['daemon', 'start']);
  await aigw(home, ['gateway', 'config', 'set', '--provider-base-url', `openai=${mockUrl}/v1`]);
  await refreshStatus(home);
  return home;
}
async function refreshStatus(home) {
  const status = await aigwJson(home, ['daemon', 'status']);
  home.url = status.gatewayUrl;
  home.pid = status.pid;
  home.socket = status.controlSocket;
}
const addKey = (home, value, accessKeyId) =>
  aigwJson(home, ['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', ...(accessKeyId ? ['--ai-gateway-api-key-id', accessKeyId] : [])], value);
const fillerKey = () => `sk-bench-filler-${randomBytes(16).toString('hex')}`;

/** Writes many account-wide openai keys straight into a stopped daemon's store and secret store. */
async function seedKeys(home, count) {
  const saved = { ...process.env };
  Object.assign(process.env, home.env);
  try {
    const { resolvePaths } = await import(join(REPO, 'dist/src/core/paths.js'));
    const { SqliteStore } = await import(join(REPO, 'dist/src/store/sqlite/index.js'));
    const { openSecretStore } = await import(join(REPO, 'dist/src/daemon/secret-store.js'));
    const { newId } = await import(join(REPO, 'dist/src/core/ids.js'));
    const { redact } = await import(join(REPO, 'dist/src/core/redact.js'));
    const paths = resolvePaths(home.env);
    const store = new SqliteStore(paths.dbFile);
    const secrets = await openSecretStore(paths, store, home.env);
    const now = new Date().toISOString();
    for (let i = 0; i < count; i++) {
      const id = newId('providerKey');
      const secretRef = `${id}.${randomBytes(4).toString('hex')}`;
      const value = fillerKey();
      await secrets.store.set(secretRef, value);
      const record = { id, providerId: 'openai', name: `filler ${i}`, description: '', metadata: '', keyRedacted: redact(value), accessKeyId: null, secretRef, createdAt: now, updatedAt: now, lastUsed: null };
      await store.transaction(['providerKeys'], (tx) => tx.insertProviderKey(record));
    }
    await store.close();
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** CPU time (user + system) a process has used so far, in microseconds (clock ticks are 10 ms on Linux). */
function cpuMicros(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

// wrk, written in C, leaves the two cores of a small machine to the servers it measures; autocannon runs
// in Node and takes most of one core for itself, which squeezes whatever runs beside the proxy.
const WRK = process.env.BENCH_LOAD !== 'autocannon' && hasWrk();
function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    return err.code !== 'ENOENT'; // wrk --version exits 1 after printing its version
  }
}

let scripts = 0;
/** Runs one load and returns { total, seconds, failed }, from wrk or autocannon. */
async function drive(url, token, seconds, connections = CONNECTIONS) {
  const headers = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  if (!WRK) {
    const result = await autocannon({ url, method: 'POST', connections, duration: seconds, headers, body: BODY });
    return { total: result.requests.total, seconds: result.duration || seconds, failed: result.non2xx + result.errors + result.timeouts };
  }
  // One script per run: the two-replica row runs two at once.
  const script = join(tmpdir(), `aigw-bench-${process.pid}-${++scripts}.lua`);
  const lua = [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(BODY)}`, ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)];
  writeFileSync(script, `${lua.join('\n')}\n`);
  const out = await new Promise((done, reject) =>
    execFile('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '-s', script, url], (err, stdout) => (err ? reject(err) : done(stdout))),
  );
  rmSync(script, { force: true });
  const figure = (re) => Number(re.exec(out)?.[1] ?? 0);
  const socketErrors = /Socket errors:(.*)/.exec(out)?.[1] ?? '';
  const errors = [...socketErrors.matchAll(/\d+/g)].reduce((n, m) => n + Number(m[0]), 0);
  return { total: figure(/(\d+) requests in/), seconds: figure(/requests in ([\d.]+)s/), failed: figure(/Non-2xx or 3xx responses: (\d+)/) + errors };
}

/** Requests per second for one target, and the CPU its proxy process spent per request. */
async function load(url, token, seconds = LOAD_SECONDS, pid = undefined) {
  const cpuBefore = pid && cpuMicros(pid);
  const result = await drive(`${url}/v1/chat/completions`, token, seconds);
  if (result.failed > 0 || result.total === 0) throw new Error(`${url}: ${result.failed} of ${result.total} requests failed`);
  const cpuPerRequest = pid ? (cpuMicros(pid) - cpuBefore) / result.total : NaN;
  return { rps: result.total / result.seconds, cpuPerRequest };
}

/**
 * The same load split over several gateways at once (each gets an equal share of the connections): the
 * requests per second of all of them together, and the CPU all their processes spent per request.
 */
async function loadSplit(parts, seconds = LOAD_SECONDS) {
  const cpuBefore = parts.map((t) => cpuMicros(t.pid));
  const connections = Math.max(1, Math.round(CONNECTIONS / parts.length));
  const results = await Promise.all(parts.map((t) => drive(`${t.url}/v1/chat/completions`, t.token, seconds, connections)));
  for (const [i, result] of results.entries()) {
    if (result.failed > 0 || result.total === 0) throw new Error(`${parts[i].url}: ${result.failed} of ${result.total} requests failed`);
  }
  const total = results.reduce((n, r) => n + r.total, 0);
  const cpu = parts.reduce((n, t, i) => n + cpuMicros(t.pid) - cpuBefore[i], 0);
  return { rps: results.reduce((n, r) => n + r.total / r.seconds, 0), cpuPerRequest: cpu / total };
}
const loadTarget = (t, seconds) => (t.split ? loadSplit(t.split, seconds) : load(t.url, t.token, seconds, t.pid));

/** Sequential requests, alternating between targets so noise hits both alike; the first `warmup` unmeasured. */
async function sequential(targets, warmup, count, body, onResponse) {
  const clients = targets.map((t) => new Client(t.url, { pipelining: 1 }));
  const times = targets.map(() => []);
  const extra = targets.map(() => []);
  try {
    for (let i = 0; i < warmup + count; i++) {
      for (let j = 0; j < targets.length; j++) {
        const k = (i + j) % targets.length;
        const started = performance.now();
        const res = await clients[k].request({ path: '/v1/chat/completions', method: 'POST', body, headers: { 'content-type': 'application/json', ...(targets[k].token ? { authorization: `Bearer ${targets[k].token}` } : {}) } });
        if (res.statusCode !== 200) throw new Error(`${targets[k].url}: status ${res.statusCode}: ${await res.body.text()}`);
        const figure = await onResponse(res, started);
        if (i >= warmup) {
          times[k].push(figure.ms);
          extra[k].push(figure.extra);
        }
      }
    }
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  return { times, extra };
}

async function wholeResponse(res, started) {
  await res.body.arrayBuffer();
  return { ms: performance.now() - started };
}

async function firstChunk(res, started) {
  let first;
  let chunks = 0;
  for await (const _ of res.body) {
    first ??= performance.now() - started;
    chunks++;
  }
  return { ms: first, extra: chunks };
}

/** Wall time of one command, from spawn to exit. */
function timeCommand(args, env) {
  return new Promise((resolveTime, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveTime(performance.now() - started) : reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`))));
  });
}

/** One raw GET over the control socket: the page time as the daemon serves it, without the CLI. */
function socketGet(socketPath, path, agent) {
  return new Promise((resolveGet, reject) => {
    const started = performance.now();
    const req = httpRequest({ socketPath, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolveGet({ ms: performance.now() - started, status: res.statusCode, serverMs: Number(/dur=([\d.]+)/.exec(res.headers['server-timing'] ?? '')?.[1]), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const rows = [];
function row(measure, value, target, pass, reference) {
  rows.push({ measure, value, target, pass, reference });
}
const f1 = (n) => n.toFixed(1);
const f2 = (n) => n.toFixed(2);

async function main() {
  const started = Date.now();
  const mock = await startServer('mock.mjs', { BENCH_BAD_KEY: BAD, BENCH_STREAM_EVENTS: String(STREAM_EVENTS) });
  const mockUrl = `http://127.0.0.1:${mock.port}`;
  const pass = await startServer('passthrough.mjs', { BENCH_UPSTREAM: mockUrl, BENCH_GOOD_KEY: GOOD });
  const passUrl = `http://127.0.0.1:${pass.port}`;
  log(`mock upstream ${mockUrl}, pass-through ${passUrl}`);

  // Home A: 10 keys. The access key `plain` uses the account-wide good key (the first one created); the
  // access key `failover` has the always-429 key attached, which is tried first, then the good key.
  const a = await newHome('10keys', mockUrl);
  const plain = await aigwJson(a, ['access-keys', 'create', '--name', 'plain']);
  const failover = await aigwJson(a, ['access-keys', 'create', '--name', 'failover']);
  // Like `plain`, with a budget and every rate limit set high enough never to refuse: what checking them costs.
  const limited = await aigwJson(a, [
    'access-keys', 'create', '--name', 'limited', '--budget', '1000000', '--budget-period', 'month', '--budget-soft', '900000',
    '--rpm', '1000000000', '--tpm', '1000000000000', '--max-concurrent', '100000',
  ]);
  await addKey(a, GOOD);
  await addKey(a, BAD, failover.id);
  for (let i = 0; i < 8; i++) await addKey(a, fillerKey());
  log(`home A (10 keys) ready at ${a.url}`);

  // Home M: home A's setup with Prometheus metrics on a listener of their own, for what recording them costs.
  const m = await newHome('metrics', mockUrl, { AIGW_METRICS_LISTEN: '127.0.0.1:0' });
  const plainM = await aigwJson(m, ['access-keys', 'create', '--name', 'plain']);
  await addKey(m, GOOD);
  for (let i = 0; i < 9; i++) await addKey(m, fillerKey());
  const metricsUrl = (await aigwJson(m, ['daemon', 'status'])).metricsUrl;
  if (!metricsUrl) throw new Error('home M serves no metrics: AIGW_METRICS_LISTEN was not taken');
  log(`home M (metrics at ${metricsUrl}) ready at ${m.url}`);

  // Home B: the good key first, then many more account-wide keys for the same provider.
  const b = await newHome('manykeys', mockUrl);
  const plainB = await aigwJson(b, ['access-keys', 'create', '--name', 'plain']);
  await addKey(b, GOOD);
  await aigw(b, ['daemon', 'stop']);
  const seedStart = Date.now();
  await seedKeys(b, MANY_KEYS - 1);
  log(`seeded ${MANY_KEYS - 1} keys in ${((Date.now() - seedStart) / 1000).toFixed(1)} s`);
  await aigw(b, ['daemon', 'start']);
  await refreshStatus(b);
  log(`home B (${MANY_KEYS} keys) ready at ${b.url}`);

  // Home P, when PostgreSQL is installed: the Store and the secrets in a throwaway cluster (the tests' own).
  const { postgresBinDir, startCluster } = await import(join(REPO, 'dist/test/helpers/postgres.js'));
  let p;
  let plainP;
  /** A second replica on home P's database: the two-replica row. */
  let p2;
  if (typeof postgresBinDir() === 'string') {
    cluster = await startCluster();
    const databaseUrl = await cluster.createDatabase('aigw_bench');
    p = await newHome('postgres', mockUrl, { AIGW_DATABASE_URL: databaseUrl, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: 'bench' });
    plainP = await aigwJson(p, ['access-keys', 'create', '--name', 'plain']);
    await addKey(p, GOOD);
    log(`home P (PostgreSQL) ready at ${p.url}`);
    p2 = await newHome('postgres-b', mockUrl, { AIGW_DATABASE_URL: databaseUrl, AIGW_SECRET_STORE: 'database', AIGW_MASTER_KEY: 'bench' });
    log(`home P2 (a second replica on P's database) ready at ${p2.url}`);
  } else {
    log('PostgreSQL is not installed: no PostgreSQL row');
  }

  // Idle memory: before any gateway traffic, once each daemon has had nothing to do for 10 s. V8 gives back
  // the young generation that start-up grew only 8 s after the last garbage collection (its memory reducer),
  // so a daemon a moment after a command still holds ~14 MB it does not keep.
  const settled = Math.max(a.lastCall, b.lastCall) + IDLE_SETTLE_MS;
  await new Promise((r) => setTimeout(r, Math.max(0, settled - performance.now())));
  const rssIdle = rssMb(a.pid);
  const rssIdleMany = rssMb(b.pid);

  // 1, 4, 5: throughput; each target warmed up first.
  const targets = {
    direct: { url: mockUrl, token: undefined, pid: mock.pid },
    passthrough: { url: passUrl, token: undefined, pid: pass.pid },
    gateway: { url: a.url, token: plain.token, pid: a.pid },
    manyKeys: { url: b.url, token: plainB.token, pid: b.pid },
    failover: { url: a.url, token: failover.token, pid: a.pid },
    limited: { url: a.url, token: limited.token, pid: a.pid },
    metrics: { url: m.url, token: plainM.token, pid: m.pid },
    ...(p ? { postgres: { url: p.url, token: plainP.token, pid: p.pid } } : {}),
    // The same access key through both replicas, half the connections each: B knows it through the database.
    ...(p2 ? { replicas: { split: [{ url: p.url, token: plainP.token, pid: p.pid }, { url: p2.url, token: plainP.token, pid: p2.pid }] } } : {}),
  };
  const rps = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  for (const t of Object.values(targets)) await loadTarget(t, 1);
  const names = Object.keys(targets);
  // Each ratio row's two targets run back to back, in turn first and second, and the row is the median of
  // those pairs' ratios: a shared host's speed drifts over tens of seconds, and the two runs of a pair share
  // that drift where runs far apart in a round did not (bench/README.md).
  const pairs = RATIO_PAIRS.filter(([a, b]) => targets[a] && targets[b]);
  const pairRatios = Object.fromEntries(pairs.map(([a, b]) => [`${a}/${b}`, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [a, b]] of pairs.entries()) {
      const runs = {};
      for (const name of (round + i) % 2 ? [b, a] : [a, b]) {
        const run = await loadTarget(targets[name], LOAD_SECONDS);
        runs[name] = run;
        rps[name].push(run.rps);
        cpu[name].push(run.cpuPerRequest);
        log(`round ${round + 1}: ${name} ${Math.round(run.rps)} req/s, ${Math.round(run.cpuPerRequest)} µs CPU per request`);
      }
      pairRatios[`${a}/${b}`].push(runs[a].rps / runs[b].rps);
    }
  }
  const pairRatio = (a, b) => median(pairRatios[`${a}/${b}`]);
  // The metrics row means something only if the metrics counted the requests it measured.
  const exposition = await (await fetch(metricsUrl)).text();
  const counted = [...exposition.matchAll(/^aigw_gateway_requests_total\{[^}]*\} (\d+)/gm)].reduce((n, x) => n + Number(x[1]), 0);
  if (!(counted > 0)) throw new Error(`home M's /metrics counted no gateway requests:\n${exposition.slice(0, 2000)}`);
  const rssLoaded = rssMb(a.pid);
  const rssLoadedMany = rssMb(b.pid);
  const r = Object.fromEntries(names.map((k) => [k, median(rps[k])]));
  const us = Object.fromEntries(names.map((k) => [k, median(cpu[k])]));

  // 2: latency, sequential requests over one keep-alive connection each, through the gateway and through
  // the pass-through in the same run: the targets are ratios to the pass-through, which holds on any machine.
  const sequentialTargets = [targets.direct, targets.passthrough, targets.gateway];
  const lat = await sequential(sequentialTargets, LATENCY_WARMUP, LATENCY_REQUESTS, BODY, wholeResponse);
  const [p50, p99] = [0.5, 0.99].map((q) => lat.times.map((t) => quantile(t, q)));
  log(`latency p50 direct ${f2(p50[0])} ms, pass-through ${f2(p50[1])} ms, gateway ${f2(p50[2])} ms`);

  // 3: streaming, time to the first chunk; every event must arrive as its own chunk.
  const st = await sequential(sequentialTargets, STREAM_WARMUP, STREAM_REQUESTS, STREAM_BODY, firstChunk);
  const ttfc = st.times.map((t) => quantile(t, 0.5));
  const chunks = st.extra.map((c) => median(c));

  // 5: a list page with many keys, timed over the socket (and by the daemon itself when it says).
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const pages = [];
  for (let i = 0; i < LIST_REQUESTS + 5; i++) {
    const res = await socketGet(b.socket, '/provider-keys?limit=100', agent);
    if (res.status !== 200) throw new Error(`list page: status ${res.status}`);
    if (i >= 5) pages.push(res);
  }
  agent.destroy();
  const pageMs = median(pages.map((p) => p.ms));
  const pageServerMs = median(pages.map((p) => p.serverMs));
  const pageItems = JSON.parse(pages[0].body).aiGatewayProviderKeys.length;

  // 6: CLI cold start, each command against `node -e 0`, interleaved. Without NODE_OPTIONS and
  // NODE_EXTRA_CA_CERTS: Node 20 reads the whole CA file at start-up (~30 ms on the machine where a CI
  // setting put it), a cost on both sides of each ratio that would make aigw's own look smaller.
  const cliEnv = { ...a.env };
  delete cliEnv.NODE_OPTIONS;
  delete cliEnv.NODE_EXTRA_CA_CERTS;
  const cli = {
    node: ['-e', '0'],
    version: [BIN, '--version'],
    help: [BIN, '--help'],
    list: [BIN, 'provider-keys', 'list', '-o', 'json'],
    complete: [BIN, '__complete', 'provider-keys'],
  };
  const cliTimes = Object.fromEntries(Object.keys(cli).map((k) => [k, []]));
  const cliNames = Object.keys(cli);
  for (const n of cliNames) await timeCommand(cli[n], cliEnv);
  for (let i = 0; i < CLI_ROUNDS; i++) {
    for (let j = 0; j < cliNames.length; j++) {
      const n = cliNames[(i + j) % cliNames.length];
      cliTimes[n].push(await timeCommand(cli[n], cliEnv));
    }
  }
  const c = Object.fromEntries(cliNames.map((k) => [k, median(cliTimes[k])]));

  const ratio = (x, y) => x / y;
  const tp = pairRatio('gateway', 'passthrough');
  row('Gateway throughput vs minimal undici pass-through', `${f2(tp)}×`, '≥ 0.80×', tp >= 0.8, `${Math.round(r.gateway)} vs ${Math.round(r.passthrough)} req/s (16 conns; ratios: median of ${ROUNDS} back-to-back pairs); CPU ${Math.round(us.gateway)} vs ${Math.round(us.passthrough)} µs per request`);
  row('Gateway throughput vs mock directly', `${f2(ratio(r.gateway, r.direct))}×`, '—', null, `${Math.round(r.gateway)} vs ${Math.round(r.direct)} req/s`);
  row('Pass-through throughput vs mock directly', `${f2(pairRatio('passthrough', 'direct'))}×`, '—', null, `${Math.round(r.passthrough)} vs ${Math.round(r.direct)} req/s`);
  const vsPassthrough = (label, figures, limit) => {
    const [direct, passthrough, gateway] = figures;
    const x = ratio(gateway, passthrough);
    row(label, `${f2(x)}×`, `≤ ${f2(limit)}×`, x <= limit, `${f2(gateway)} vs ${f2(passthrough)} ms; mock directly ${f2(direct)} ms`);
  };
  vsPassthrough('Latency p50 vs pass-through (sequential)', p50, 1.1);
  vsPassthrough('Latency p99 vs pass-through (sequential)', p99, 1.5);
  vsPassthrough('Time to first chunk vs pass-through (streaming)', ttfc, 1.1);
  row('Stream chunks not coalesced', `${chunks[2]} of ${chunks[0]}`, 'equal', chunks[2] === chunks[0], `${STREAM_EVENTS} events + [DONE], 2 ms apart`);
  const fo = pairRatio('failover', 'gateway');
  row('Failover (first key always 429) vs no failures', `${f2(fo)}×`, '≥ 0.80×', fo >= 0.8, `${Math.round(r.failover)} vs ${Math.round(r.gateway)} req/s`);
  const lim = pairRatio('limited', 'passthrough');
  row('Gateway throughput with a budget and rate limits vs pass-through', `${f2(lim)}×`, '≥ 0.80×', lim >= 0.8, `${Math.round(r.limited)} req/s; ${f2(ratio(r.limited, r.gateway))}× the same key without them; CPU ${Math.round(us.limited)} µs per request`);
  if (r.postgres) {
    const pgRatio = pairRatio('postgres', 'gateway');
    row('Gateway throughput, PostgreSQL Store vs SQLite', `${f2(pgRatio)}×`, '≥ 0.90×', pgRatio >= 0.9, `${Math.round(r.postgres)} vs ${Math.round(r.gateway)} req/s`);
  }
  const met = pairRatio('metrics', 'gateway');
  row('Gateway throughput with Prometheus metrics (--metrics-listen) vs without', `${f2(met)}×`, '≥ 0.95×', met >= 0.95, `${Math.round(r.metrics)} vs ${Math.round(r.gateway)} req/s; CPU ${Math.round(us.metrics)} vs ${Math.round(us.gateway)} µs per request; ${counted.toLocaleString('en')} requests counted`);
  if (r.replicas) {
    const rep2 = pairRatio('replicas', 'postgres');
    row('Two replicas on one PostgreSQL, load split over both, vs one', `${f2(rep2)}×`, '≥ 0.90×', rep2 >= 0.9, `${Math.round(r.replicas)} vs ${Math.round(r.postgres)} req/s (8 + 8 vs 16 conns); CPU ${Math.round(us.replicas)} vs ${Math.round(us.postgres)} µs per request; on ${cpus().length} cores the replicas share them`);
  }
  const sc = pairRatio('manyKeys', 'gateway');
  row(`Throughput with ${MANY_KEYS.toLocaleString('en')} keys vs 10 keys`, `${f2(sc)}×`, '≥ 0.90×', sc >= 0.9, `${Math.round(r.manyKeys)} vs ${Math.round(r.gateway)} req/s`);
  const pageFigure = Number.isFinite(pageServerMs) ? pageServerMs : pageMs;
  row(`provider-keys list page (${pageItems} of ${MANY_KEYS.toLocaleString('en')})`, `${f1(pageFigure)} ms`, '≤ 20 ms', pageFigure <= 20, Number.isFinite(pageServerMs) ? `in the daemon; ${f1(pageMs)} ms over the socket` : 'over the socket');
  const cliRow = (label, key, limit) => {
    const x = ratio(c[key], c.node);
    row(label, `${f2(x)}×`, `≤ ${f2(limit)}×`, x <= limit, `${Math.round(c[key])} vs ${Math.round(c.node)} ms`);
  };
  cliRow('CLI `aigw --version` vs `node -e 0`', 'version', 1.3);
  cliRow('CLI `aigw --help` vs `node -e 0`', 'help', 1.5);
  cliRow('CLI `aigw provider-keys list -o json` vs `node -e 0`', 'list', 2.0);
  cliRow('TAB completion `aigw __complete provider-keys` vs `node -e 0`', 'complete', 1.5);
  row('Daemon RSS idle', `${f1(rssIdle)} MB`, '≤ 80 MB', rssIdle <= 80, `${f1(rssIdleMany)} MB with ${MANY_KEYS.toLocaleString('en')} keys`);
  row('Daemon RSS after the load runs', `${f1(rssLoaded)} MB`, '≤ 150 MB', rssLoaded <= 150, `${f1(rssLoadedMany)} MB with ${MANY_KEYS.toLocaleString('en')} keys`);

  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  const machine = `${cpus().length} cores (${cpuModel.trim()}), Node ${process.version}, ${WRK ? 'wrk' : 'autocannon'}, ${LOAD_SECONDS} s load runs, ${ROUNDS} back-to-back pairs per ratio, medians${QUICK ? ' (--quick)' : ''}`;
  const lines = ['| Measure | Result | Target | | Absolute (reference) |', '|---|---|---|---|---|'];
  for (const x of rows) lines.push(`| ${x.measure} | ${x.value} | ${x.target} | ${x.pass === null ? '' : x.pass ? 'PASS' : 'FAIL'} | ${x.reference} |`);
  process.stdout.write(`\n${machine}\n\n${lines.join('\n')}\n\n`);
  const failed = rows.filter((x) => x.pass === false).length;
  process.stdout.write(`${failed === 0 ? 'every target passed' : `${failed} target(s) missed`} in ${Math.round((Date.now() - started) / 1000)} s\n`);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ machine, rows, rps, cpu, pairRatios, p50, p99, ttfc, chunks, cli: cliTimes }, null, 2));
}

async function cleanup() {
  for (const home of homes) await aigw(home, ['daemon', 'stop']).catch(() => undefined);
  await cluster?.stop();
  for (const child of children) child.kill('SIGTERM');
  for (const home of homes) rmSync(home.dir, { recursive: true, force: true });
}

process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));
try {
  await main();
} catch (err) {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
