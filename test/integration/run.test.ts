import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AIGW_BIN, fakeKey, REPO, TestHome } from '../helpers/aigw.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { haveTool } from '../helpers/tools.js';

/** `aigw run` with a real child: the official SDKs, configured by nothing but the environment aigw gives them. */
const CHILD = join(REPO, 'dist', 'test', 'helpers', 'run-child.js');
let home: TestHome;
let mock: MockUpstream;
const openaiKey = fakeKey('sk-proj-');
const anthropicKey = fakeKey('sk-ant-api03-');

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  mock.accept(openaiKey, anthropicKey);
  home = new TestHome();
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--provider-base-url', `anthropic=${mock.baseUrl}`]);
  await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: openaiKey });
  await home.json(['provider-keys', 'create', '--provider-id', 'anthropic', '--value-stdin'], { input: anthropicKey });
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

const accessKeys = async () => (await home.json(['access-keys', 'list'])).aiGatewayAccessKeys as { id: string; name: string }[];

/** Starts `aigw run -- node CHILD …` with pipes, for tests that signal aigw itself. */
function startRun(childArgs: string[], env: NodeJS.ProcessEnv = {}) {
  const aigw = spawn(process.execPath, [AIGW_BIN, 'run', '--', process.execPath, CHILD, ...childArgs], {
    env: { ...home.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  aigw.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    aigw.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { aigw, exited };
}

async function waitForFile(path: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${pattern} in ${path}`);
}

test('the SDKs in the child reach the gateway with the short-lived key; no provider key is in its environment', async () => {
  const out = join(home.dir, 'sdk.json');
  // The parent's own provider key variables must not reach the child.
  const parentEnv = { OPENAI_API_KEY: openaiKey, ANTHROPIC_API_KEY: anthropicKey, GROQ_API_KEY: fakeKey('gsk_'), AIGW_MASTER_KEY: 'not-for-children', AIGW_CONTROL_TOKEN: 'aigwc_not-for-children-either' };
  const result = await home.run(['run', '--', process.execPath, CHILD, 'sdk', out], { env: parentEnv });
  assert.equal(result.code, 0, result.stderr);
  const seen = JSON.parse(readFileSync(out, 'utf8'));
  assert.equal(seen.openai, 'hello from gpt-4o-mini');
  assert.ok(Array.isArray(seen.anthropic) && seen.anthropic.length > 0);
  const env = seen.env as Record<string, string>;
  const text = JSON.stringify(env);
  for (const secret of [openaiKey, anthropicKey, parentEnv.GROQ_API_KEY, parentEnv.AIGW_MASTER_KEY, parentEnv.AIGW_CONTROL_TOKEN]) {
    assert.ok(!text.includes(secret), "a provider key, the master key or a control token reached the child's environment");
  }
  assert.equal(env.GROQ_API_KEY, undefined);
  assert.match(env.OPENAI_API_KEY!, /^aigw_/);
  assert.equal(env.ANTHROPIC_API_KEY, env.OPENAI_API_KEY);
  assert.equal(env.ANTHROPIC_AUTH_TOKEN, env.OPENAI_API_KEY);
  assert.equal(env.OPENAI_BASE_URL, `${env.ANTHROPIC_BASE_URL}/v1`);
  assert.equal(env.AIGW_GATEWAY_URL, env.ANTHROPIC_BASE_URL);
  // The upstream saw the stored keys, never the access key.
  assert.ok(mock.requests.some((r) => r.key === openaiKey) && mock.requests.some((r) => r.key === anthropicKey));
  assert.ok(!JSON.stringify(mock.requests.map((r) => r.headers)).includes(env.OPENAI_API_KEY!));
  // The key is gone, and the summary says what the run used.
  assert.deepEqual(await accessKeys(), []);
  const again = await home.run(['run', '--', process.execPath, CHILD, 'exit', '0'], { env: { OPENAI_API_KEY: env.OPENAI_API_KEY } });
  assert.equal(again.code, 0, again.stderr);
  assert.match(result.stderr, /^aigw run: 2 requests, \d+ input \+ \d+ output tokens, (\$[\d.]+|cost unknown)[^;]*; key aigk_\w+ deleted$/m);
  const gateway = new URL(env.OPENAI_BASE_URL!);
  const refused = await fetch(new URL('/v1/models', gateway), { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } });
  assert.equal(refused.status, 401, 'the deleted key no longer works');
});

test('Claude Code gets ANTHROPIC_AUTH_TOKEN without ANTHROPIC_API_KEY, which it would ask to approve on every run', async () => {
  const claude = join(home.dir, 'bin', 'claude');
  const out = join(home.dir, 'claude-env.txt');
  mkdirSync(join(home.dir, 'bin'), { recursive: true });
  writeFileSync(claude, `#!/bin/sh\nenv > '${out}'\n`, { mode: 0o755 });
  const result = await home.run(['run', '-q', '--', claude], { env: { ANTHROPIC_API_KEY: anthropicKey } });
  assert.equal(result.code, 0, result.stderr);
  const env = readFileSync(out, 'utf8');
  assert.match(env, /^ANTHROPIC_AUTH_TOKEN=aigw_/m);
  assert.match(env, /^ANTHROPIC_BASE_URL=http/m);
  assert.doesNotMatch(env, /^ANTHROPIC_API_KEY=/m);
});

test("the child's exit status is aigw's; -q leaves out the summary; the key is deleted", async () => {
  const result = await home.run(['run', '-q', '--', process.execPath, CHILD, 'exit', '7']);
  assert.equal(result.code, 7);
  assert.equal(result.stderr, '');
  assert.deepEqual(await accessKeys(), []);
});

test('a child killed by a signal gives 128+n; SIGINT and SIGTERM to aigw reach the child and the key still goes', async () => {
  const out = join(home.dir, 'signals.txt');
  const run = startRun(['signals', out]);
  await waitForFile(out, /ready/);
  const during = await accessKeys();
  assert.equal(during.length, 1);
  assert.match(during[0]!.name, /^aigw run: node \(pid \d+\)$/);
  run.aigw.kill('SIGTERM');
  await waitForFile(out, /SIGTERM/);
  run.aigw.kill('SIGINT');
  const { code, stderr } = await run.exited;
  assert.equal(code, 130, stderr);
  assert.equal(readFileSync(out, 'utf8'), 'ready\nSIGTERM\nSIGINT\n', 'each signal reached the child once');
  assert.deepEqual(await accessKeys(), []);

  const killed = startRun(['signals', join(home.dir, 'killed.txt')]);
  await waitForFile(join(home.dir, 'killed.txt'), /ready/);
  const child = (await accessKeys()).length;
  assert.equal(child, 1);
  // SIGKILL cannot be caught or passed on: kill the child directly, as the OOM killer would.
  const pids = spawnSync('pgrep', ['-P', String(killed.aigw.pid)], { encoding: 'utf8' }).stdout.trim().split('\n');
  process.kill(Number(pids[0]), 'SIGKILL');
  const ended = await killed.exited;
  assert.equal(ended.code, 128 + 9, ended.stderr);
  assert.deepEqual(await accessKeys(), []);
});

test('a command that does not exist: exit 127 with a coded line, and no key left behind', async () => {
  const result = await home.run(['run', '--', 'no-such-command-aigw']);
  assert.equal(result.code, 127);
  assert.match(result.stderr, /no-such-command-aigw: command not found.*ERR_AIGW_20030/);
  assert.deepEqual(await accessKeys(), []);
});

test('bad options are refused before any key is made', async () => {
  await home.fails(['run', '--ttl', '2 hours', '--', 'true'], 2, 'ERR_AIGW_20024');
  await home.fails(['run', '--ttl', '0s', '--', 'true'], 2, 'ERR_AIGW_20024');
  await home.fails(['run'], 2, 'ERR_AIGW_20023');
  // Without --, the command's flags would be aigw's: `--version` would print aigw's version.
  const unseparated = await home.fails(['run', process.execPath, '--version'], 2, 'ERR_AIGW_20002');
  assert.match(unseparated.stderr, /put `--` before the command/);
  assert.equal(unseparated.stdout, '');
  await home.fails(['run', '--config', 'aigac_00000000000000000000000000', '--', 'true'], 3, 'ERR_AIGW_');
  assert.deepEqual(await accessKeys(), []);
});

test('--config links the short-lived key to a configuration', async () => {
  const config = await home.json(['configs', 'create', '--name', 'openai only', '--allow-provider', 'openai']);
  const out = join(home.dir, 'config.json');
  const result = await home.run(['run', '--config', config.id, '--', process.execPath, CHILD, 'sdk', out]);
  // The configuration allows OpenAI only: the child's Anthropic request is refused.
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /403/);
  assert.deepEqual(await accessKeys(), []);
});

// A person at a terminal, played through tmux.
function tmux(socket: string, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = { ...home.env, TERM: 'xterm-256color' };
  delete env.CI;
  const result = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function waitForScreen(socket: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = tmux(socket, 'capture-pane', '-p', '-J', '-t', 'run', '-S', '-100');
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern} on the screen:\n${text}`);
}

test('in a terminal the child is interactive, and one Ctrl-C reaches it once', async (t) => {
  if (!haveTool(t, 'tmux')) return;
  const socket = join(home.dir, 'tmux.sock');
  t.after(() => void spawnSync('tmux', ['-S', socket, 'kill-server']));
  const command = `${process.execPath} ${AIGW_BIN} run -- ${process.execPath} ${CHILD} interactive; echo "EXIT=$?"; sleep 600`;
  tmux(socket, 'new-session', '-d', '-s', 'run', '-x', '160', '-y', '50', command);
  await waitForScreen(socket, /Your name\?/);
  assert.match(await waitForScreen(socket, /TTY=/), /TTY=true\/true/);
  tmux(socket, 'send-keys', '-t', 'run', '-l', 'Ada');
  tmux(socket, 'send-keys', '-t', 'run', 'Enter');
  await waitForScreen(socket, /HELLO Ada/);
  tmux(socket, 'send-keys', '-t', 'run', 'C-c');
  const done = await waitForScreen(socket, /EXIT=\d+/);
  assert.match(done, /EXIT=42/, done);
  assert.match(done, /INTERRUPTS=1/);
  assert.doesNotMatch(done, /INTERRUPTS=2/, 'the terminal and aigw both delivered the Ctrl-C');
  assert.match(done, /aigw run: 0 requests; key aigk_\w+ deleted/);
  assert.deepEqual(await accessKeys(), []);
});

test('--budget gives the run a one-off allowance: the request after the one that spent it is refused', async () => {
  const out = join(home.dir, 'budget.json');
  // Less than one request costs: the first is admitted (nothing is spent yet), the second is not.
  const result = await home.run(['run', '--budget', '0.000001', '--', process.execPath, CHILD, 'chats', out]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), [200, { status: 402, code: 'ERR_AIGW_30030' }]);
  assert.match(result.stderr, /aigw run: 1 request, /);
  assert.deepEqual(await accessKeys(), []);

  await home.fails(['run', '--budget', '-1', '--', 'true'], 2, 'ERR_AIGW_10030');
  assert.deepEqual(await accessKeys(), [], 'a refused budget creates no key');
});

test(
  'a key left by a killed aigw run stops working at its expiry',
  async (t) => {
    const out = join(home.dir, 'held.json');
    const aigw = spawn(process.execPath, [AIGW_BIN, 'run', '--ttl', '3s', '--', process.execPath, CHILD, 'hold', out], { env: home.env, stdio: 'ignore' });
    const { env } = JSON.parse(await waitForFile(out, /\}$/));
    const child = Number(spawnSync('pgrep', ['-P', String(aigw.pid)], { encoding: 'utf8' }).stdout.trim());
    t.after(() => process.kill(child, 'SIGKILL'));
    const models = () => fetch(`${env.OPENAI_BASE_URL}/models`, { headers: { authorization: `Bearer ${env.OPENAI_API_KEY}` } });
    assert.equal((await models()).status, 200);
    // SIGKILL: aigw gets no chance to delete the key, and the child runs on.
    aigw.kill('SIGKILL');
    assert.equal((await models()).status, 200, 'the key outlives the aigw that made it');
    await new Promise((r) => setTimeout(r, 3500));
    assert.equal((await models()).status, 401, 'refused once the key has expired');
    for (const key of await accessKeys()) await home.run(['access-keys', 'delete', key.id, '--yes']);
  },
);
