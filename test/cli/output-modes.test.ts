import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

/**
 * Every read and write verb of the control-plane resources in each output mode: JSON is the API object,
 * plain is tab-separated, -q is ids only, and a terminal gets a table. In-process (test/helpers/in-process.ts);
 * that output into a closed pipe ends quietly needs a real process, in test/integration/output-modes.test.ts.
 */
let daemon: InProcessDaemon;
let ids: Record<string, string>;
before(async () => {
  daemon = await InProcessDaemon.start();
  const accessKey = await daemon.json(['access-keys', 'create', '--name', 'modes']);
  const providerKey = await daemon.json(
    ['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', accessKey.id],
    { input: fakeKey() },
  );
  const config = await daemon.json(['configs', 'create', '--name', 'modes', '--route-provider', 'openai', '--step', providerKey.id]);
  const provider = await daemon.json(['providers', 'create', '--provider-id', 'modes', '--base-url', 'http://127.0.0.1:9/v1']);
  ids = { accessKey: accessKey.id, providerKey: providerKey.id, config: config.id, provider: provider.id };
});
after(() => daemon.close());

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
  { args: ['provider-keys', 'get', ids.providerKey], id: ids.providerKey },
  { args: ['provider-keys', 'update', ids.providerKey, '--description', 'd'], id: ids.providerKey },
];

test('JSON: one document on stdout, the API object or list', async () => {
  for (const { args, id } of verbs()) {
    const result = await daemon.run([...args, '-o', 'json']);
    assert.equal(result.code, 0, result.stderr);
    const document = JSON.parse(result.stdout);
    assert.ok(JSON.stringify(document).includes(id), args.join(' '));
    assert.ok(!result.stdout.includes('\x1b['), args.join(' '));
  }
  // --json is the same as -o json.
  assert.deepEqual(await daemon.json(['access-keys', 'get', ids.accessKey]), JSON.parse((await daemon.run(['access-keys', 'get', ids.accessKey, '--json'])).stdout));
});

test('plain: tab-separated lines, no JSON, no colour', async () => {
  for (const { args, id } of verbs()) {
    const result = await daemon.run([...args, '-o', 'plain']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.startsWith('{'), args.join(' '));
    assert.match(result.stdout, new RegExp(`(^|\t)${id}(\t|$)`, 'm'), args.join(' '));
    assert.ok(!result.stdout.includes('\x1b['), args.join(' '));
  }
  // Plain is also what a pipe gets by default.
  assert.equal((await daemon.run(['access-keys', 'list'])).stdout, (await daemon.run(['access-keys', 'list', '-o', 'plain'])).stdout);
});

test('quiet: ids only', async () => {
  for (const { args, id } of verbs()) {
    const result = await daemon.run([...args, '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${id}\n`, args.join(' '));
    assert.equal(result.stderr, '', args.join(' '));
  }
  const token = await daemon.run(['access-keys', 'create', '--name', 'quiet', '-q']);
  assert.match(token.stdout, /^aigw_[0-9A-Za-z]{36}\n$/, 'create -q prints only the token');
});

test('a terminal gets tables', async () => {
  const list = await daemon.runTty(['access-keys', 'list']);
  assert.equal(list.code, 0, list.stdout);
  // CONFIGURATION is empty in every row, so the table leaves it out.
  assert.match(list.stdout, /│ ID\s+│ NAME\s+│ KEY\s+│ CREATED\s+│ LAST USED/);
  assert.match(list.stdout, new RegExp(`│ ${ids.accessKey} │ modes`));
  const config = await daemon.runTty(['configs', 'get', ids.config]);
  assert.match(config.stdout, /│ Router rules\s+│ openai: aigpk_/);
  const providers = await daemon.runTty(['providers', 'list']);
  assert.match(providers.stdout, /│ openai\s+│ built-in │ OpenAI/);
  assert.match(providers.stdout, /│ modes\s+│ custom\s+│/);
  const created = await daemon.runTty(['access-keys', 'create', '--name', 'tty']);
  assert.match(created.stdout, /│ Token\s+│ aigw_[0-9A-Za-z]{36} │/);
  assert.match(created.stdout, /cannot be shown again/);
  const gateway = await daemon.runTty(['gateway', 'config', 'get']);
  assert.match(gateway.stdout, /│ Total timeout\s+│ 10m/);
});

test('a table on a narrow terminal stays within its width', async () => {
  const list = await daemon.run(['access-keys', 'list'], { tty: true, columns: 60 });
  assert.equal(list.code, 0, list.stderr);
  for (const line of list.stdout.trimEnd().split('\n')) assert.ok([...line].length <= 60, line);
});

test('an unknown --output is one coded usage line, exit 2', async () => {
  const result = await daemon.run(['access-keys', 'list', '-o', 'yaml']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /^aigw: error: .*yaml.* \(ERR_AIGW_\d{5}\)\n$/);
});
