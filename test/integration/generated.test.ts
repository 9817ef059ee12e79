import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { AnyCommand } from '../../src/cli/commander.js';
import { buildSubcommands } from '../../src/cli/lazy-commands.js';
import { buildProgram } from '../../src/cli/main.js';
import { generatedFiles } from '../../src/cli/generate.js';
import { EXAMPLES } from '../../src/cli/man.js';
import { INSTALL, SHELLS } from '../../src/cli/completion/install.js';
import { ENVIRONMENT } from '../../src/cli/environment.js';
import { EXIT_CODES } from '../../src/cli/errors.js';
import { REPO, TestHome } from '../helpers/aigw.js';
import { haveTool, runProgram } from '../helpers/tools.js';

/** The checked-in completion scripts and man page are what the command tree generates today. */
let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

const files = generatedFiles(buildProgram());

for (const [path, text] of Object.entries(files)) {
  test(`${path} is up to date (run \`npm run generate\` after changing commands)`, () => {
    assert.equal(readFileSync(join(REPO, path), 'utf8'), text, `${path} drifted from the command tree`);
  });
}

for (const [shell, file] of [['bash', 'completions/aigw.bash'], ['zsh', 'completions/_aigw'], ['fish', 'completions/aigw.fish']]) {
  test(`aigw completion ${shell} prints ${file}`, async () => {
    const result = await home.run(['completion', shell!]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, readFileSync(join(REPO, file!), 'utf8'));
    assert.equal(result.stderr, '');
  });
}

test('aigw completion rejects an unknown shell with a usage error', async () => {
  const result = await home.run(['completion', 'tcsh']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
});

test('the man page renders without groff warnings', async (t) => {
  if (!haveTool(t, 'groff')) return;
  const result = await runProgram('groff', ['-man', '-Tutf8', '-ww', '-z', join(REPO, 'man', 'aigw.1')], process.env);
  assert.equal(result.stderr, '');
  assert.equal(result.code, 0);
});

test('man -l shows every command, exit code and environment variable', async (t) => {
  if (!haveTool(t, 'man')) return;
  const result = await runProgram('man', ['--warnings', '-l', join(REPO, 'man', 'aigw.1')], { ...process.env, MANWIDTH: '100', MANPAGER: 'cat', PAGER: 'cat' });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, '');
  const page = result.stdout.replace(/.\x08/g, '');
  for (const path of ['provider-keys create', 'provider-keys rotate', 'daemon logs', 'doctor', 'completion']) {
    assert.match(page, new RegExp(`aigw ${path}`), path);
  }
  for (const { code } of EXIT_CODES) assert.match(page, new RegExp(`^\\s+${code}\\s`, 'm'));
  for (const { name } of ENVIRONMENT) assert.ok(page.includes(name), name);
  assert.match(page, /--value-stdin/);
});

test('every example in the man page names a real command', () => {
  const program = buildProgram();
  for (const example of EXAMPLES) {
    for (const line of example.command.split('\n')) {
      const words = line.slice(line.indexOf('aigw ') + 5).split(' ');
      let command: AnyCommand = program;
      for (const word of words) {
        if (word.startsWith('-')) break;
        const next = buildSubcommands(command).commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!next) break;
        command = next;
      }
      assert.notEqual(command, program, line);
      assert.equal(buildSubcommands(command).commands.length, 0, `${line}: names a command group, not a command`);
    }
  }
});

test('aigw help exit-codes and help environment print the tables the man page is made from', async () => {
  const codes = await home.run(['help', 'exit-codes']);
  assert.equal(codes.code, 0, codes.stderr);
  assert.deepEqual(
    codes.stdout.trim().split('\n'),
    EXIT_CODES.map((e) => `${e.code}\t${e.meaning}`),
  );
  const environment = await home.json(['help', 'environment']);
  assert.deepEqual(environment, { environment: ENVIRONMENT });
  const unknown = await home.run(['help', 'nothing-like-this']);
  assert.equal(unknown.code, 2);
});

test('aigw help <command> shows that command\'s help', async () => {
  const result = await home.run(['help', 'provider-keys', 'create']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /--provider-id/);
});

test('the README lists every environment variable and exit code', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  for (const { name } of ENVIRONMENT) assert.ok(readme.includes(`| \`${name}\` |`), `README misses ${name}`);
  for (const { code } of EXIT_CODES) assert.ok(readme.includes(`| ${code} |`), `README misses exit code ${code}`);
  for (const shell of SHELLS) {
    const { commands, rc } = INSTALL[shell];
    for (const line of [...commands, rc?.line]) if (line) assert.ok(readme.includes(line), `README misses: ${line}`);
  }
});
