// Profile the gateway's streaming path: mock upstream, a home, 6000 sequential streaming requests.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
const REPO = '/work/main';
const mock = spawn(process.execPath, [join(REPO, 'bench/mock.mjs')], { env: { ...process.env, BENCH_STREAM_EVENTS: '5' }, stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((r) => mock.stdout.once('data', (d) => r(Number(String(d).trim().split('\n')[0]))));
const dir = mkdtempSync(join(tmpdir(), 'aigw-prof-'));
const env = { ...process.env, AIGW_HOME: dir, AIGW_SECRET_STORE: 'file', AIGW_GATEWAY_LISTEN: '127.0.0.1:0', CI: 'true', NO_COLOR: '1' };
const aigw = (args, input) => execFileSync(join(REPO, 'bin/aigw'), args, { env, input, encoding: 'utf8' });
aigw(['daemon', 'start'], undefined, { env: { ...env } });
aigw(['gateway', 'config', 'set', '--provider-base-url', `openai=http://127.0.0.1:${port}/v1`]);
const ak = JSON.parse(aigw(['access-keys', 'create', '--name', 'p', '-o', 'json', ...(process.env.LIMITED ? ['--budget', '100000', '--rpm', '10000000', '--tpm', '1000000000', '--max-concurrent', '1000'] : [])]));
aigw(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], 'sk-bench-good-key-0123456789abcdef');
aigw(['daemon', 'stop']);
const d = spawn(process.execPath, ['--max-semi-space-size=8', ...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), join(REPO, 'dist/src/daemon/main.js')], { env, stdio: 'ignore' });
await new Promise((r) => setTimeout(r, 1500));
const st = JSON.parse(aigw(['daemon', 'status', '-o', 'json']));
console.log(st.gatewayUrl, st.pid);
const c = new Client(st.gatewayUrl, { pipelining: 1 });
const body = JSON.stringify({ model: 'openai:gpt-4o-mini', stream: !process.env.NOSTREAM, messages: [{ role: 'user', content: 'hi' }] });
const N = Number(process.env.N ?? 6000);
import { readFileSync } from 'node:fs';
const cpu = () => { const f = readFileSync(`/proc/${st.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10000; };
for (let i = 0; i < 1000; i++) { const res = await c.request({ path: '/v1/chat/completions', method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${ak.token}` } }); for await (const _ of res.body); }
const c0 = cpu();
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const res = await c.request({ path: '/v1/chat/completions', method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${ak.token}` } });
  if (res.statusCode !== 200) throw new Error(await res.body.text());
  for await (const _ of res.body);
}
console.log('ms/req', (performance.now() - t0) / N, 'cpu us/req', (cpu() - c0) / N);
await c.close();
process.kill(st.pid, 'SIGINT');
await new Promise((r) => d.on('exit', r));
mock.kill();
rmSync(dir, { recursive: true, force: true });
