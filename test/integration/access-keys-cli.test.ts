import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

// Output modes, labels and configuration links of these verbs are checked in-process, in test/cli/access-keys.test.ts.
let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

test('create shows the token once; get, list, the log and the files under AIGW_HOME never hold it', async () => {
  const created = await home.json(['access-keys', 'create', '--name', 'app', '--description', 'my app', '--metadata', '{"a":1}']);
  assert.match(created.id, /^aigk_[0-9a-z]{26}$/);
  assert.match(created.token, /^aigw_[0-9A-Za-z]{36}$/);
  assert.equal(created.keyRedacted, created.token.slice(0, 10) + '***' + created.token.slice(-4));
  assert.equal(created.accessKeyConfiguration, null);
  assert.equal(created.name, 'app');
  assert.equal(created.uri, `/access-keys/${created.id}`);
  for (const field of ['createdAt', 'updatedAt', 'createdBy', 'lastUpdatedBy', 'lastUsed', 'description', 'metadata']) {
    assert.ok(field in created, field);
  }

  const got = await home.json(['access-keys', 'get', created.id]);
  assert.equal(got.token, undefined);
  const { token, ...withoutToken } = created;
  assert.deepEqual(got, withoutToken);

  const listed = await home.json(['access-keys', 'list']);
  assert.deepEqual(listed.aiGatewayAccessKeys, [got]);
  assert.equal(listed.nextPageUri, null);

  const plainGet = await home.run(['access-keys', 'get', created.id, '-o', 'plain']);
  const plainList = await home.run(['access-keys', 'list']);
  for (const output of [plainGet, plainList]) {
    assert.equal(output.code, 0, output.stderr);
    assert.ok(!output.stdout.includes(token) && !output.stderr.includes(token));
  }
  assert.match(plainList.stdout, new RegExp(`^${created.id}\tapp\t`, 'm'));

  // The daemon writes its log and store asynchronously: stop it so every byte is on disk.
  await home.inProcess(['daemon', 'stop']);
  const hash = createHash('sha256').update(token).digest('hex');
  const files = home.files();
  assert.ok(files.some((f) => f.path.endsWith('daemon.log')));
  for (const file of files) assert.ok(!file.bytes.includes(token), `${file.path} holds the token`);
  assert.ok(files.some((f) => f.bytes.includes(hash)), 'the store keeps the token hash');
});

test('delete refuses while provider keys are attached; --force deletes them and their secrets', async () => {
  const key = await home.json(['access-keys', 'create', '--name', 'doomed']);
  const value = fakeKey();
  const attached = await home.json(
    ['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', key.id],
    { input: value },
  );
  const other = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() });

  const before = await home.snapshot();
  await home.fails(['access-keys', 'delete', key.id], 2, 'ERR_AIGW_20004');
  await home.fails(['access-keys', 'delete', key.id, '--yes'], 5, 'ERR_AIGW_27615');
  assert.deepEqual(await home.snapshot(), before);

  const forced = await home.run(['access-keys', 'delete', key.id, '--yes', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, new RegExp(`Deleted access key ${key.id}`));
  await home.fails(['access-keys', 'get', key.id], 3, 'ERR_AIGW_27509');
  await home.fails(['provider-keys', 'get', attached.id], 3, 'ERR_AIGW_10404');
  const left = (await home.json(['provider-keys', 'list'])).aiGatewayProviderKeys.map((k: any) => k.id);
  assert.deepEqual(left, [other.id]);
  const secrets = home.files().filter((f) => f.path.includes('/secrets/'));
  assert.ok(!secrets.some((f) => f.path.includes(attached.id)), 'the attached key’s secret is gone');
  assert.ok(secrets.some((f) => f.path.includes(other.id)), 'the account-wide key’s secret stays');

  const quietDelete = await home.run(['access-keys', 'delete', (await home.json(['access-keys', 'create'])).id, '--yes', '-q']);
  assert.equal(quietDelete.code, 0);
  assert.equal(quietDelete.stdout + quietDelete.stderr, '');
  await home.fails(['access-keys', 'delete', key.id, '--yes'], 3, 'ERR_AIGW_27509');
});
