import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
const REPO = '/work/main';
const start = (script, env) => new Promise((r) => { const c = spawn(process.execPath, [join(REPO, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] }); c.stdout.once('data', (d) => r({ c, port: Number(String(d).trim().split('\n')[0]) })); });
const GOOD = 'sk-bench-good-key-0123456789abcdef';
const mock = await start('bench/mock.mjs', { BENCH_STREAM_EVENTS: '5' });
const pass = await start('bench/passthrough.mjs', { BENCH_UPSTREAM: `http://127.0.0.1:${mock.port}`, BENCH_GOOD_KEY: GOOD });
const dir = mkdtempSync(join(tmpdir(), 'aigw-ttfc-'));
const env = { ...process.env, AIGW_HOME: dir, AIGW_SECRET_STORE: 'file', AIGW_GATEWAY_LISTEN: '127.0.0.1:0', CI: 'true', NO_COLOR: '1' };
const aigw = (args, input) => execFileSync(join(REPO, 'bin/aigw'), args, { env, input, encoding: 'utf8' });
aigw(['daemon', 'start']);
aigw(['gateway', 'config', 'set', '--provider-base-url', `openai=http://127.0.0.1:${mock.port}/v1`]);
const ak = JSON.parse(aigw(['access-keys', 'create', '--name', 'p', '-o', 'json']));
aigw(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], GOOD);
const st = JSON.parse(aigw(['daemon', 'status', '-o', 'json']));
const targets = [
  { name: 'pass', c: new Client(`http://127.0.0.1:${pass.port}`, { pipelining: 1 }), token: undefined },
  { name: 'gw', c: new Client(st.gatewayUrl, { pipelining: 1 }), token: ak.token },
];
const stream = process.env.NOSTREAM ? false : true;
const body = JSON.stringify({ model: 'gpt-4o-mini', stream, messages: [{ role: 'user', content: 'hi' }] });
const res = { pass: { h: [], f: [] }, gw: { h: [], f: [] } };
for (let i = 0; i < 4000; i++) {
  for (const t of (i % 2 ? targets : [...targets].reverse())) {
    const t0 = performance.now();
    const r = await t.c.request({ path: '/v1/chat/completions', method: 'POST', body, headers: { 'content-type': 'application/json', ...(t.token ? { authorization: `Bearer ${t.token}` } : {}) } });
    const th = performance.now() - t0;
    let tf;
    for await (const _ of r.body) tf ??= performance.now() - t0;
    if (i >= 1000) { res[t.name].h.push(th); res[t.name].f.push(tf); }
  }
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1];
for (const k of ['pass', 'gw']) console.log(k, 'headers', med(res[k].h).toFixed(3), 'first chunk', med(res[k].f).toFixed(3));
console.log('ratio headers', (med(res.gw.h) / med(res.pass.h)).toFixed(2), 'first', (med(res.gw.f) / med(res.pass.f)).toFixed(2));
for (const t of targets) await t.c.close();
aigw(['daemon', 'stop']);
mock.c.kill(); pass.c.kill();
rmSync(dir, { recursive: true, force: true });
