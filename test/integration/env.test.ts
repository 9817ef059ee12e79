import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { after, before, test } from 'node:test';
import { formatSettings, type EnvShell } from '../../src/cli/commands/env.js';
import { TestHome } from '../helpers/aigw.js';
import { haveTool, runProgram } from '../helpers/tools.js';

/** `aigw env`: what it prints reads back exactly in each real shell, and as a .env file. */
let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

const NAMES = ['OPENAI_BASE_URL', 'OPENAI_API_BASE', 'OPENAI_API_KEY', 'ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'AIGW_GATEWAY_URL'];

/** Each variable's value as the shell sees it after reading the file, one per line. */
const READERS: Record<'bash' | 'zsh' | 'fish', (file: string, names: string[]) => [string, string[]]> = {
  bash: (file, names) => ['bash', ['-c', `eval "$(cat '${file}')"; for n in ${names.join(' ')}; do printf '%s\\n' "\${!n}"; done`]],
  zsh: (file, names) => ['zsh', ['-fc', `eval "$(cat '${file}')"; for n in ${names.join(' ')}; do printf '%s\\n' "\${(P)n}"; done`]],
  fish: (file, names) => ['fish', ['--no-config', '-c', `source '${file}'; for n in ${names.join(' ')}; printf '%s\\n' $$n; end`]],
};

async function readBack(shell: 'bash' | 'zsh' | 'fish', text: string, names: string[]): Promise<string[]> {
  const file = join(home.dir, `env.${shell}`);
  writeFileSync(file, text + '\n');
  const [command, args] = READERS[shell](file, names);
  const ran = await runProgram(command, args, { PATH: process.env.PATH, HOME: home.dir });
  assert.equal(ran.code, 0, ran.stderr);
  return ran.stdout.split('\n').slice(0, names.length);
}

test('--new prints a working token once, and the output parses in bash, zsh and fish and as dotenv', async (t) => {
  const gateway = await home.gatewayUrl();
  const created = await home.run(['env', '--new', '--shell', 'json']);
  assert.equal(created.code, 0, created.stderr);
  const settings = JSON.parse(created.stdout) as Record<string, string>;
  assert.deepEqual(Object.keys(settings), NAMES);
  assert.match(settings.OPENAI_API_KEY!, /^aigw_/);
  assert.equal(settings.OPENAI_BASE_URL, `${gateway}/v1`);
  assert.match(created.stderr, /cannot be shown again/);
  const models = await fetch(`${settings.OPENAI_BASE_URL}/models`, { headers: { authorization: `Bearer ${settings.OPENAI_API_KEY}` } });
  assert.equal(models.status, 200);

  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    if (!haveTool(t, shell)) continue;
    const printed = await home.run(['env', '--new', '--shell', shell]);
    assert.equal(printed.code, 0, printed.stderr);
    const values = await readBack(shell, printed.stdout.trimEnd(), NAMES);
    assert.equal(values[0], `${gateway}/v1`, shell);
    assert.match(values[2]!, /^aigw_[0-9A-Za-z]{36}$/, shell);
    assert.equal(values[4], values[2]);
  }
  const dotenv = await home.run(['env', '--new', '--shell', 'dotenv']);
  const parsed = parseEnv(dotenv.stdout);
  assert.deepEqual(Object.keys(parsed).sort(), [...NAMES].sort());
  assert.match(parsed.OPENAI_API_KEY!, /^aigw_/);
  assert.doesNotMatch(dotenv.stdout, /['"]/, 'no quotes, which Docker --env-file would keep');
  assert.equal((await home.json(['access-keys', 'list'])).aiGatewayAccessKeys.length, 5);
});

test('quoting holds for values with quotes, dollars, backslashes and spaces in every shell', async (t) => {
  const awkward = [`it's "$HOME" \\ \`x\` $(false); ok`, "back\\slash'", 'plain'];
  const settings = awkward.map((value, i): [string, string] => [`AIGW_TEST_${i}`, value]);
  for (const shell of ['bash', 'zsh', 'fish'] as const) {
    if (!haveTool(t, shell)) continue;
    assert.deepEqual(await readBack(shell, formatSettings(shell as EnvShell, settings), settings.map(([n]) => n)), awkward, shell);
  }
  const spaced: [string, string][] = [['A', 'two words'], ['B', 'http://127.0.0.1:9271/v1']];
  assert.deepEqual(parseEnv(formatSettings('dotenv', spaced)), { A: 'two words', B: 'http://127.0.0.1:9271/v1' });
});

test('--access-key-id cannot print a token it no longer has: base URLs only, and how to get one', async () => {
  const key = await home.json(['access-keys', 'create', '--name', 'kept']);
  const result = await home.run(['env', '--access-key-id', key.id, '--shell', 'dotenv']);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(Object.keys(parseEnv(result.stdout)).sort(), ['AIGW_GATEWAY_URL', 'ANTHROPIC_BASE_URL', 'OPENAI_API_BASE', 'OPENAI_BASE_URL']);
  assert.ok(!result.stdout.includes(key.token));
  assert.match(result.stderr, new RegExp(`cannot print the token of ${key.id}.*aigw env --new`));
  await home.fails(['env', '--access-key-id', 'aigk_00000000000000000000000000'], 3, 'ERR_AIGW_27509');
  await home.fails(['env', '--new', '--access-key-id', key.id], 2, 'ERR_AIGW_20002');
  await home.fails(['env', '--shell', 'tcsh'], 2, 'ERR_AIGW_20024');
});
