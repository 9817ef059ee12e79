import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AIGW_BIN, fakeKey, TestHome } from '../helpers/aigw.js';
import { haveTool } from '../helpers/tools.js';

/**
 * A person at a terminal, played through tmux: the hidden value prompt, the table it ends with, and
 * Ctrl-C at the prompt.
 */
let home: TestHome;
let socket: string;

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', env: terminalEnv() });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** A person's terminal: not CI, so prompts are allowed. */
function terminalEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...home.env, TERM: 'xterm-256color' };
  delete env.CI;
  return env;
}

const screen = (session: string, escapes = false) =>
  tmux('capture-pane', '-p', '-J', ...(escapes ? ['-e'] : []), '-t', session, '-S', '-200');

async function waitFor(session: string, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = screen(session);
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${pattern} on the screen:\n${text}`);
}

/** Starts `aigw <args>` in a new tmux window 160 columns wide; the shell prints its exit status after. */
function startSession(name: string, args: string[], prefix = ''): void {
  const command = `${prefix}${process.execPath} ${AIGW_BIN} ${args.join(' ')}; echo "EXIT=$?"; sleep 600`;
  tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', command);
}

before(async () => {
  home = new TestHome();
  socket = join(home.dir, 'tmux.sock');
});
after(async () => {
  spawnSync('tmux', ['-S', socket, 'kill-server']);
  await home.cleanup();
});

test('create on a terminal asks for the value without echoing it and shows the key redacted in a table', async (t) => {
  if (!haveTool(t, 'tmux')) return;
  const value = fakeKey();
  startSession('create', ['provider-keys', 'create', '--provider-id', 'openai']);
  await waitFor('create', /openai API key/);
  tmux('send-keys', '-t', 'create', '-l', value);
  await new Promise((r) => setTimeout(r, 300));
  const typing = screen('create');
  assert.ok(!typing.includes(value.slice(8, 20)), `typed characters are visible:\n${typing}`);
  assert.doesNotMatch(typing, /\*{6,}/, 'not even a mask');
  tmux('send-keys', '-t', 'create', 'Enter');
  const done = await waitFor('create', /EXIT=\d+/);
  assert.match(done, /EXIT=0/, done);
  const redacted = value.slice(0, 10) + '***' + value.slice(-4);
  assert.ok(done.includes(redacted), `no ${redacted} in:\n${done}`);
  assert.match(done, /[│|]\s*Key\s*[│|]/, 'a table');
  assert.ok(!done.includes(value), 'the value never reaches the screen');
  const keys = await home.json(['provider-keys', 'list']);
  assert.equal(keys.aiGatewayProviderKeys.length, 1);
});

test('Ctrl-C at the prompt exits 130 and creates nothing', async (t) => {
  if (!haveTool(t, 'tmux')) return;
  const before = (await home.json(['provider-keys', 'list'])).aiGatewayProviderKeys.length;
  startSession('interrupt', ['provider-keys', 'create', '--provider-id', 'anthropic']);
  await waitFor('interrupt', /anthropic API key/);
  tmux('send-keys', '-t', 'interrupt', '-l', 'sk-ant-partial');
  tmux('send-keys', '-t', 'interrupt', 'C-c');
  const done = await waitFor('interrupt', /EXIT=\d+/);
  assert.match(done, /EXIT=130/, done);
  assert.match(done, /nothing was changed/);
  const after = (await home.json(['provider-keys', 'list'])).aiGatewayProviderKeys.length;
  assert.equal(after, before);
});

test('--no-color takes the colour out of the prompt too (NO_COLOR unset)', async (t) => {
  if (!haveTool(t, 'tmux')) return;
  const SGR = /\x1b\[[0-9;]*m/;
  startSession('coloured', ['provider-keys', 'create', '--provider-id', 'groq'], 'env -u NO_COLOR ');
  await waitFor('coloured', /groq API key/);
  assert.match(screen('coloured', true), SGR, 'a terminal without NO_COLOR gets colour');
  startSession('plain', ['--no-color', 'provider-keys', 'create', '--provider-id', 'groq'], 'env -u NO_COLOR ');
  await waitFor('plain', /groq API key/);
  assert.doesNotMatch(screen('plain', true).replace(/\x1b\[0?m/g, ''), SGR);
  for (const session of ['coloured', 'plain']) tmux('send-keys', '-t', session, 'C-c');
});
