import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { AIGW_BIN, TestHome } from '../helpers/aigw.js';

/**
 * What output needs a real process for: a real terminal and a real pipe. Each verb's output in each mode
 * (JSON, plain, -q, tables) is checked in-process, in test/cli/output-modes.test.ts.
 */
let home: TestHome;
let id: string;
before(async () => {
  home = new TestHome();
  id = (await home.json(['access-keys', 'create', '--name', 'modes'])).id;
});
after(() => home.cleanup());

test('a real terminal gets a table, a pipe gets plain lines', async () => {
  const list = await home.runTty(['access-keys', 'list']);
  assert.equal(list.code, 0, list.stdout);
  assert.match(list.stdout, new RegExp(`│ ${id} │ modes`));
  const piped = await home.run(['access-keys', 'list']);
  assert.match(piped.stdout, new RegExp(`^${id}\tmodes\t`, 'm'));
});

test('output into a pipe its reader has closed (`| head`) ends quietly, exit 0', () => {
  // `true` exits before aigw writes, so every write meets a closed pipe (EPIPE).
  const script = 'set -o pipefail; "$0" "$1" access-keys list -o json | true';
  const result = spawnSync('bash', ['-c', script, process.execPath, AIGW_BIN], { env: home.env, encoding: 'utf8' });
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
});
