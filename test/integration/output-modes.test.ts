import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { AIGW_BIN, fakeKey, TestHome } from '../helpers/aigw.js';

/**
 * Every read and write verb of the control-plane resources in each output mode: JSON is the API object,
 * plain is tab-separated, -q is ids only, and a terminal gets a table.
 */
let home: TestHome;
let ids: Record<string, string>;
before(async () => {
  home = new TestHome();
  const accessKey = await home.json(['access-keys', 'create', '--name', 'modes']);
  const providerKey = await home.json(
    ['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', accessKey.id],
    { input: fakeKey() },
  );
  const config = await home.json(['configs', 'create', '--name', 'modes', '--route-provider', 'openai', '--step', providerKey.id]);
  const provider = await home.json(['providers', 'create', '--provider-id', 'modes', '--base-url', 'http://127.0.0.1:9/v1']);
  ids = { accessKey: accessKey.id, providerKey: providerKey.id, config: config.id, provider: provider.id };
});
after(() => home.cleanup());

const verbs = () => [
  { args: ['access-keys', 'get', ids.accessKey], id: ids.accessKey },
  { args: ['access-keys', 'update', ids.accessKey, '--description', 'd'], id: ids.accessKey },
  { args: ['access-keys', 'list'], id: ids.accessKey },
  { args: ['configs', 'get', ids.config], id: ids.config },
  { args: ['configs', 'update', ids.config, '--description', 'd'], id: ids.config },
  { args: ['configs', 'list'], id: ids.config },
  { args: ['providers', 'get', ids.provider], id: ids.provider },
  { args: ['providers', 'update', ids.provider, '--description', 'd'], id: ids.provider },
  { args: ['provider-keys', 'list', '--ai-gateway-api-key-id', ids.accessKey], id: ids.providerKey },
];

test('JSON: one document on stdout, the API object or list', async () => {
  for (const { args, id } of verbs()) {
    const document = await home.json(args);
    assert.ok(JSON.stringify(document).includes(id), args.join(' '));
  }
});

test('plain: tab-separated lines, no JSON, no colour', async () => {
  for (const { args, id } of verbs()) {
    const result = await home.run([...args, '-o', 'plain']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.startsWith('{'), args.join(' '));
    assert.match(result.stdout, new RegExp(`(^|\t)${id}(\t|$)`, 'm'), args.join(' '));
    assert.ok(!result.stdout.includes('\x1b['), args.join(' '));
  }
});

test('quiet: ids only', async () => {
  for (const { args, id } of verbs()) {
    const result = await home.run([...args, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${id}\n`, args.join(' '));
    assert.equal(result.stderr, '', args.join(' '));
  }
});

test('a terminal gets tables', async () => {
  const list = await home.runTty(['access-keys', 'list']);
  assert.equal(list.code, 0, list.stdout);
  // CONFIGURATION is empty in every row, so the table leaves it out.
  assert.match(list.stdout, /│ ID\s+│ NAME\s+│ KEY\s+│ CREATED\s+│ LAST USED/);
  assert.match(list.stdout, new RegExp(`│ ${ids.accessKey} │ modes`));
  const config = await home.runTty(['configs', 'get', ids.config]);
  assert.match(config.stdout, /│ Router rules\s+│ openai: aigpk_/);
  const providers = await home.runTty(['providers', 'list']);
  assert.match(providers.stdout, /│ openai\s+│ built-in │ OpenAI/);
  assert.match(providers.stdout, /│ modes\s+│ custom\s+│/);
  const created = await home.runTty(['access-keys', 'create', '--name', 'tty']);
  assert.match(created.stdout, /│ Token\s+│ aigw_[0-9A-Za-z]{36} │/);
  assert.match(created.stdout, /cannot be shown again/);
  const gateway = await home.runTty(['gateway', 'config', 'get']);
  assert.match(gateway.stdout, /│ Total timeout\s+│ 10m/);
});

test('output into a pipe its reader has closed (`| head`) ends quietly, exit 0', () => {
  // `true` exits before aigw writes, so every write meets a closed pipe (EPIPE).
  const script = 'set -o pipefail; "$0" "$1" access-keys list -o json | true';
  const result = spawnSync('bash', ['-c', script, process.execPath, AIGW_BIN], { env: home.env, encoding: 'utf8' });
  assert.equal(result.stderr, '');
  assert.equal(result.status, 0);
});
