import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

// Output modes, refusals and paging of these verbs are checked in-process, in test/cli/provider-keys.test.ts.
let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

test('create → list → get → update → rotate → delete through the real CLI and daemon', async () => {
  const value = fakeKey();
  const created = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'main'], {
    input: value + '\n',
  });
  assert.match(created.id, /^aigpk_[0-9a-z]{26}$/);
  assert.equal(created.providerId, 'openai');
  assert.equal(created.name, 'main');
  assert.equal(created.keyRedacted, value.slice(0, 10) + '***' + value.slice(-4));

  const listed = await home.json(['provider-keys', 'list']);
  assert.deepEqual(listed.aiGatewayProviderKeys.map((k: any) => k.id), [created.id]);

  const got = await home.json(['provider-keys', 'get', created.id]);
  assert.deepEqual(got, created);

  const updated = await home.json(['provider-keys', 'update', created.id, '--description', 'prod', '--metadata', '{"team":"a"}']);
  assert.equal(updated.description, 'prod');
  assert.equal(updated.metadata, '{"team":"a"}');
  assert.equal(updated.name, 'main');

  const next = fakeKey();
  const rotated = await home.json(['provider-keys', 'rotate', created.id, '--value-stdin'], { input: next });
  assert.equal(rotated.id, created.id);
  assert.equal(rotated.keyRedacted, next.slice(0, 10) + '***' + next.slice(-4));

  const deleted = await home.run(['provider-keys', 'delete', created.id, '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
  const gone = await home.run(['provider-keys', 'get', created.id]);
  assert.equal(gone.code, 3);
  assert.match(gone.stderr, /ERR_AIGW_10404/);
});

test('the value can come from a file or stdin; a final newline is not part of it', async () => {
  const { writeFileSync } = await import('node:fs');
  const value = fakeKey();
  const file = `${home.dir}/key.txt`;
  writeFileSync(file, value + '\r\n', { mode: 0o600 });
  const fromFile = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-file', file]);
  assert.equal(fromFile.keyRedacted, value.slice(0, 10) + '***' + value.slice(-4));

  const missing = await home.run(['provider-keys', 'create', '--provider-id', 'openai', '--value-file', `${home.dir}/nope`]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read --value-file .*nope \(ENOENT\).*ERR_AIGW_20005/);
});
