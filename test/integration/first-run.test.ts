import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

// Command-line mistakes, list filters, paging notes and plain escapes are checked in-process, in test/cli/first-run.test.ts.
let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

/** The daemon log's lines at pino level warn (40) or above. */
function logProblems(): string[] {
  const log = readFileSync(join(home.dir, 'state', 'daemon.log'), 'utf8');
  return log
    .split('\n')
    .filter(Boolean)
    .filter((line) => (JSON.parse(line) as { level: number }).level >= 40)
    .filter((line) => !line.includes('created the master key file'));
}

test('a create/update/rotate/delete cycle of every resource leaves no error in the daemon log', async () => {
  const ok = async (args: string[], input?: string) => {
    const result = await home.run(args, { input });
    assert.equal(result.code, 0, `aigw ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await ok(['providers', 'create', '--provider-id', 'ollama', '--base-url', 'http://127.0.0.1:11434/v1', '--model', 'llama3']);
  await ok(['providers', 'update', 'ollama', '--name', 'Local']);
  const accessKey = (await home.json(['access-keys', 'create', '--name', 'app'])).id as string;
  await ok(['access-keys', 'update', accessKey, '--name', 'app2']);
  const key = await ok(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '-q'], fakeKey());
  await ok(['provider-keys', 'update', key, '--name', 'primary']);
  await ok(['provider-keys', 'rotate', key, '--value-stdin'], fakeKey());
  const config = await ok(['configs', 'create', '--name', 'c', '--route-provider', 'openai', '--step', key, '-q']);
  await ok(['configs', 'update', config, '--description', 'd']);
  await ok(['gateway', 'config', 'set', '--total-timeout', '9m']);
  await ok(['configs', 'delete', config, '--yes']);
  await ok(['provider-keys', 'delete', key, '--yes']);
  await ok(['access-keys', 'delete', accessKey, '--yes']);
  await ok(['providers', 'delete', 'ollama', '--yes']);
  assert.deepEqual(logProblems(), []);
});

test('on a real terminal with CI set, a missing value says that CI turned prompts off', async () => {
  const result = await home.runTty(['provider-keys', 'create', '--provider-id', 'openai']);
  assert.match(result.stdout, /no key value given and CI is set, which turns prompts off: pipe it with --value-stdin.*ERR_AIGW_20003/);
  const piped = await home.run(['provider-keys', 'create', '--provider-id', 'openai']);
  assert.match(piped.stderr, /no key value given and no terminal to ask on/);
});
