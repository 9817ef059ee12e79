import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts); a real round trip of each verb, and values read from a real pipe
// and file, are in test/integration/provider-keys-cli.test.ts.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

test('plain output is tab-separated with no colour; -q prints ids only; json is the API object', async () => {
  const value = fakeKey();
  const id = (await home.run(['provider-keys', 'create', '--provider-id', 'groq', '--value-stdin', '-q'], { input: value })).stdout.trim();
  assert.match(id, /^aigpk_[0-9a-z]{26}$/);

  const plain = await home.run(['provider-keys', 'list', '--provider-id', 'groq']);
  assert.equal(plain.code, 0);
  const lines = plain.stdout.split('\n');
  assert.equal(lines.length, 2, 'one line per key, no header');
  const [rowId, provider, name, redacted, accessKey, created, lastUsed] = lines[0]!.split('\t');
  assert.deepEqual([rowId, provider, name, redacted, accessKey, lastUsed], [id, 'groq', '', `${value.slice(0, 10)}***${value.slice(-4)}`, '', '']);
  assert.match(created!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/, 'RFC 3339 off a terminal');
  assert.ok(!/\x1b\[/.test(plain.stdout + plain.stderr), 'no ANSI escapes off a terminal');

  const detail = await home.run(['provider-keys', 'get', id]);
  assert.match(detail.stdout, new RegExp(`^id\\t${id}\\nproviderId\\tgroq\\n`));

  const quiet = await home.run(['provider-keys', 'list', '-q', '--provider-id', 'groq']);
  assert.equal(quiet.stdout, id + '\n');

  const json = await home.json(['provider-keys', 'get', id]);
  assert.deepEqual(Object.keys(json).sort(), [
    'accessKeyId', 'createdAt', 'createdBy', 'description', 'disabled', 'id', 'keyRedacted', 'lastUpdatedBy', 'lastUsed', 'metadata', 'name',
    'providerId', 'updatedAt', 'uri',
  ]);
  assert.equal(json.uri, `/provider-keys/${id}`);
  assert.match(json.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal((await home.run(['provider-keys', 'get', id, '--json'])).stdout, JSON.stringify(json, null, 2) + '\n');
});

test('--value works, as in ngrok, but warns that argv is visible', async () => {
  const value = fakeKey();
  const result = await home.run(['provider-keys', 'create', '--provider-id', 'openai', '--value', value, '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /warning: --value puts the key where other processes can see it/);
  assert.ok(!result.stdout.includes(value) && !result.stderr.includes(value));
});

test('without a terminal, a missing value or provider is an error naming the flag to use', async () => {
  const noValue = await home.run(['provider-keys', 'create', '--provider-id', 'openai']);
  assert.equal(noValue.code, 2);
  assert.match(noValue.stderr, /--value-stdin.*--value-file PATH.*ERR_AIGW_20003/);
  const noProvider = await home.run(['provider-keys', 'create', '--value-stdin'], { input: fakeKey() });
  assert.equal(noProvider.code, 2);
  assert.match(noProvider.stderr, /--provider-id/);
  const twoSources = await home.run(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--value', 'x'], { input: 'y' });
  assert.equal(twoSources.code, 2);
  assert.match(twoSources.stderr, /only one of --value, --value-stdin and --value-file/);
});

test('delete without a terminal needs --yes, and leaves the key alone without it', async () => {
  const created = await home.json(['provider-keys', 'create', '--provider-id', 'deepseek', '--value-stdin'], { input: fakeKey() });
  const refused = await home.run(['provider-keys', 'delete', created.id]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /pass --yes.*ERR_AIGW_20004/);
  assert.equal((await home.json(['provider-keys', 'get', created.id])).id, created.id);
});

test('--limit and --before-id page through keys newest first; --all follows every page', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    ids.push((await home.json(['provider-keys', 'create', '--provider-id', 'hyperbolic', '--value-stdin'], { input: fakeKey() })).id);
  }
  const newest = [...ids].reverse();
  const page1 = await home.json(['provider-keys', 'list', '--provider-id', 'hyperbolic', '--limit', '2']);
  assert.deepEqual(page1.aiGatewayProviderKeys.map((k: any) => k.id), newest.slice(0, 2));
  assert.equal(page1.nextPageUri, `/provider-keys?provider=hyperbolic&limit=2&beforeId=${newest[1]}`);
  const page2 = await home.json(['provider-keys', 'list', '--provider-id', 'hyperbolic', '--limit', '2', '--before-id', newest[1]!]);
  assert.deepEqual(page2.aiGatewayProviderKeys.map((k: any) => k.id), newest.slice(2, 4));
  const all = await home.json(['provider-keys', 'list', '--provider-id', 'hyperbolic', '--limit', '2', '--all']);
  assert.deepEqual(all.aiGatewayProviderKeys.map((k: any) => k.id), newest);
  assert.equal(all.nextPageUri, null);
  const bad = await home.run(['provider-keys', 'list', '--limit', 'lots']);
  assert.equal(bad.code, 2);
  const tooMany = await home.run(['provider-keys', 'list', '--limit', '500']);
  assert.equal(tooMany.code, 2);
  assert.match(tooMany.stderr, /ERR_AIGW_10005/);
});

test('ngrok\'s command name works as an alias', async () => {
  const result = await home.run(['ai-gateway-provider-keys', 'list', '-q']);
  assert.equal(result.code, 0, result.stderr);
});
