import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts); that the token reaches no file or log of the real daemon, and the
// cascade of a forced delete to stored secrets, are in test/integration/access-keys-cli.test.ts.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

test('plain and quiet create: plain shows the token with a warning, -q prints only the token', async () => {
  await home.json(['access-keys', 'create', '--name', 'app']);
  const plain = await home.run(['access-keys', 'create', '--name', 'plain', '-o', 'plain']);
  assert.equal(plain.code, 0, plain.stderr);
  const token = /^token\t(aigw_\S+)$/m.exec(plain.stdout)?.[1];
  assert.ok(token, plain.stdout);
  assert.match(plain.stderr, /cannot be shown again/);

  const quiet = await home.run(['access-keys', 'create', '--name', 'quiet', '-q']);
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.match(quiet.stdout, /^aigw_[0-9A-Za-z]{36}\n$/);
  assert.equal(quiet.stderr, '');

  const ids = await home.run(['access-keys', 'list', '-q']);
  assert.equal(ids.stdout.trim().split('\n').length, 3);
  assert.ok(ids.stdout.split('\n').every((l) => l === '' || /^aigk_/.test(l)));
  // Newest first.
  const names = (await home.json(['access-keys', 'list'])).aiGatewayAccessKeys.map((k: any) => k.name);
  assert.deepEqual(names, ['quiet', 'plain', 'app']);
  const page = await home.json(['access-keys', 'list', '--limit', '2']);
  assert.equal(page.aiGatewayAccessKeys.length, 2);
  assert.match(page.nextPageUri, /beforeId=aigk_/);
});

test('update changes labels and links or unlinks a configuration; bad references change nothing', async () => {
  const key = await home.json(['access-keys', 'create', '--name', 'linkme']);
  const config = await home.json(['configs', 'create', '--name', 'only-openai', '--allow-provider', 'openai']);

  const linked = await home.json(['access-keys', 'update', key.id, '--access-key-configuration-id', config.id, '--name', 'linked']);
  assert.deepEqual(linked.accessKeyConfiguration, { id: config.id, uri: `/access-key-configurations/${config.id}`, name: 'only-openai' });
  assert.equal(linked.name, 'linked');
  const quiet = await home.run(['access-keys', 'update', key.id, '--description', 'd', '-q']);
  assert.equal(quiet.stdout, `${key.id}\n`);

  const before = await home.snapshot();
  await home.fails(['access-keys', 'update', key.id, '--access-key-configuration-id', 'aigac_01m80000000000000000000000'], 3, 'ERR_AIGW_10404');
  await home.fails(['access-keys', 'create', '--access-key-configuration-id', 'aigac_01m80000000000000000000000'], 3, 'ERR_AIGW_10404');
  await home.fails(['access-keys', 'update', 'aigk_01m80000000000000000000000', '--name', 'x'], 3, 'ERR_AIGW_27509');
  await home.fails(['access-keys', 'get', 'aigk_01m80000000000000000000000'], 3, 'ERR_AIGW_27509');
  await home.fails(['access-keys', 'update', key.id], 2, 'ERR_AIGW_20002');
  await home.fails(['access-keys', 'create', '--name', 'x'.repeat(256)], 2, 'ERR_AIGW_27501');
  // A configuration an access key links cannot be deleted.
  await home.fails(['configs', 'delete', config.id, '--yes'], 5, 'ERR_AIGW_27615');
  assert.deepEqual(await home.snapshot(), before);

  const unlinked = await home.json(['access-keys', 'update', key.id, '--allow-all']);
  assert.equal(unlinked.accessKeyConfiguration, null);
  const deleted = await home.run(['configs', 'delete', config.id, '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
});

test('api-keys is an alias', async () => {
  const result = await home.run(['api-keys', 'list', '-q']);
  assert.equal(result.code, 0, result.stderr);
});
