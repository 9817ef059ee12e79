import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';

let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

const MISSING_ACCESS_KEY = 'aigk_01m80000000000000000000000';

function createKey(provider: string, accessKeyId?: string, extra: string[] = []) {
  const args = ['provider-keys', 'create', '--provider-id', provider, '--value-stdin', ...extra];
  if (accessKeyId) args.push('--ai-gateway-api-key-id', accessKeyId);
  return home.run([...args, '-o', 'json'], { input: fakeKey() });
}

test('provider keys attach to an access key with ngrok\'s flag and are listed by it', async () => {
  const a = await home.json(['access-keys', 'create', '--name', 'a']);
  const b = await home.json(['access-keys', 'create', '--name', 'b']);
  const onA = JSON.parse((await createKey('openai', a.id)).stdout);
  const onB = JSON.parse((await createKey('anthropic', b.id)).stdout);
  const shared = JSON.parse((await createKey('openai')).stdout);
  assert.equal(onA.accessKeyId, a.id);
  assert.equal(shared.accessKeyId, null);

  const listA = await home.json(['provider-keys', 'list', '--ai-gateway-api-key-id', a.id]);
  assert.deepEqual(listA.aiGatewayProviderKeys.map((k: any) => k.id), [onA.id]);
  assert.match(listA.uri, new RegExp(`accessKeyId=${a.id}`));
  const quietB = await home.run(['provider-keys', 'list', '--ai-gateway-api-key-id', b.id, '-q']);
  assert.equal(quietB.stdout, `${onB.id}\n`);
  const plain = await home.run(['provider-keys', 'get', onA.id, '-o', 'plain']);
  assert.match(plain.stdout, new RegExp(`^accessKeyId\t${a.id}$`, 'm'));
  const both = await home.json(['provider-keys', 'list', '--provider-id', 'openai']);
  assert.deepEqual(both.aiGatewayProviderKeys.map((k: any) => k.id), [shared.id, onA.id]);
});

test('an unknown access key is 27509, an unknown provider 27508; nothing is stored', async () => {
  const before = await home.snapshot();
  const files = home.files().length;
  await home.fails(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', MISSING_ACCESS_KEY], 3, 'ERR_AIGW_27509', { input: fakeKey() });
  await home.fails(['provider-keys', 'create', '--provider-id', 'nope', '--value-stdin'], 2, 'ERR_AIGW_27508', { input: fakeKey() });
  assert.deepEqual(await home.snapshot(), before);
  assert.equal(home.files().length, files, 'no secret was left behind');
});

test('the 16th key for one provider on one access key is refused with 27506; other providers and keys are not limited', async () => {
  const key = await home.json(['access-keys', 'create', '--name', 'limit']);
  for (let i = 0; i < 15; i++) {
    const result = await createKey('groq', key.id, ['-q']);
    assert.equal(result.code, 0, result.stderr);
  }
  const before = await home.snapshot();
  const result = await home.fails(
    ['provider-keys', 'create', '--provider-id', 'groq', '--value-stdin', '--ai-gateway-api-key-id', key.id],
    5,
    'ERR_AIGW_27506',
    { input: fakeKey() },
  );
  assert.match(result.stderr, /more than 15 provider keys for provider "groq"/);
  assert.deepEqual(await home.snapshot(), before);
  assert.equal((await createKey('openai', key.id)).code, 0);
  assert.equal((await createKey('groq')).code, 0);
});

test('20 CLI processes creating keys for one provider on one access key at once: exactly 15 succeed, all distinct', async () => {
  const key = await home.json(['access-keys', 'create', '--name', 'race']);
  // Each createKey is a separate `aigw` process, racing the others to the daemon.
  const results = await Promise.all(Array.from({ length: 20 }, () => createKey('deepseek', key.id)));
  const ok = results.filter((r) => r.code === 0);
  const ids = ok.map((r) => JSON.parse(r.stdout).id as string);
  assert.equal(new Set(ids).size, ids.length, `duplicate ids: ${ids.join(' ')}`);
  const refused = results.filter((r) => r.code === 5);
  assert.equal(ok.length, 15, results.map((r) => r.stderr).join('\n'));
  assert.equal(refused.length, 5);
  for (const r of refused) assert.match(r.stderr, /ERR_AIGW_27506/);
  const listed = await home.json(['provider-keys', 'list', '--ai-gateway-api-key-id', key.id, '--provider-id', 'deepseek']);
  assert.equal(listed.aiGatewayProviderKeys.length, 15);
  assert.deepEqual(listed.aiGatewayProviderKeys.map((k: any) => k.id).sort(), [...ids].sort());
  // Refused creates leave no secret behind.
  const secrets = home.files().filter((f) => f.path.includes('/secrets/') && f.path.includes('aigpk_'));
  const keys = await home.json(['provider-keys', 'list', '--all']);
  assert.equal(secrets.length, keys.aiGatewayProviderKeys.length);
});
