import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { INSTALL } from '../../src/cli/completion/install.js';
import { fakeKey, REPO, TestHome } from '../helpers/aigw.js';
import { haveFile, haveTool } from '../helpers/tools.js';

/**
 * A newcomer follows the install steps (the ones the README, the man page and `aigw completion --help`
 * show) in a fresh HOME, opens a new interactive shell in a terminal and presses TAB.
 */
let home: TestHome;
let keyId: string;
let userHome: string;
let socket: string;

function env(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...home.env, HOME: userHome, PATH: `${join(REPO, 'bin')}:${process.env.PATH}`, TERM: 'xterm-256color' };
  delete env.CI;
  delete env.XDG_CONFIG_HOME;
  delete env.XDG_DATA_HOME;
  delete env.ZDOTDIR;
  return env;
}

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', env: env() });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

const rcPath = (file: string) => join(userHome, file.replace(/^~\//, ''));

function sh(command: string): void {
  const result = spawnSync('sh', ['-c', command], { encoding: 'utf8', env: env() });
  assert.equal(result.status, 0, `${command}: ${result.stderr}`);
}

/** Types `typed`, presses TAB and waits until the line shows `expected`. */
async function tabTo(session: string, shell: string, typed: string, expected: string): Promise<void> {
  tmux('new-session', '-d', '-s', session, '-x', '150', '-y', '30', shell);
  await new Promise((r) => setTimeout(r, 800));
  tmux('send-keys', '-t', session, '-l', typed);
  tmux('send-keys', '-t', session, 'Tab');
  const deadline = Date.now() + 15_000;
  let screen = '';
  while (Date.now() < deadline) {
    screen = tmux('capture-pane', '-p', '-J', '-t', session);
    if (screen.includes(expected)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.fail(`${shell}: "${typed}<TAB>" did not become "${expected}":\n${screen}`);
}

before(async () => {
  home = new TestHome();
  userHome = mkdtempSync(join(tmpdir(), 'aigw-newcomer-'));
  // fish's first start writes generated completions in the background unless this exists, racing the cleanup.
  mkdirSync(join(userHome, '.local', 'share', 'fish', 'generated_completions'), { recursive: true });
  socket = join(userHome, 'tmux.sock');
  keyId = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() })).id;
});
after(async () => {
  spawnSync('tmux', ['-S', socket, 'kill-server']);
  rmSync(userHome, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  await home.cleanup();
});

const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';

test('bash with the bash-completion package', async (t) => {
  if (!haveTool(t, 'bash') || !haveTool(t, 'tmux') || !haveFile(t, BASH_COMPLETION, 'bash-completion')) return;
  // What Debian's default ~/.bashrc does.
  appendFileSync(rcPath('~/.bashrc'), `. ${BASH_COMPLETION}\n`);
  for (const command of INSTALL.bash.commands) sh(command);
  await tabTo('bash', 'bash', 'aigw provider-keys del', `aigw provider-keys delete `);
  await tabTo('bash2', 'bash', 'aigw provider-keys delete ', `aigw provider-keys delete ${keyId}`);
});

test('bash without it, in a fresh HOME with no ~/.bashrc: the install steps and the ~/.bashrc line', async (t) => {
  if (!haveTool(t, 'bash') || !haveTool(t, 'tmux')) return;
  const [savedHome, savedSocket] = [userHome, socket];
  userHome = mkdtempSync(join(tmpdir(), 'aigw-newcomer-bash-'));
  socket = join(userHome, 'tmux.sock');
  try {
    for (const command of INSTALL.bash.commands) sh(command);
    appendFileSync(rcPath(INSTALL.bash.rc!.file), `${INSTALL.bash.rc!.line}\n`);
    await tabTo('bash-plain', 'bash', 'aigw provider-keys del', 'aigw provider-keys delete ');
    await tabTo('bash-plain2', 'bash', 'aigw provider-keys delete ', `aigw provider-keys delete ${keyId}`);
  } finally {
    spawnSync('tmux', ['-S', socket, 'kill-server']);
    rmSync(userHome, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    [userHome, socket] = [savedHome, savedSocket];
  }
});

test('zsh', async (t) => {
  if (!haveTool(t, 'zsh') || !haveTool(t, 'tmux')) return;
  for (const command of INSTALL.zsh.commands) sh(command);
  appendFileSync(rcPath(INSTALL.zsh.rc!.file), `${INSTALL.zsh.rc!.line}\n`);
  await tabTo('zsh', 'zsh', 'aigw provider-keys delete ', `aigw provider-keys delete ${keyId}`);
});

test('fish', async (t) => {
  if (!haveTool(t, 'fish') || !haveTool(t, 'tmux')) return;
  for (const command of INSTALL.fish.commands) sh(command);
  await tabTo('fish', 'fish', 'aigw provider-keys delete ', `aigw provider-keys delete ${keyId}`);
});
