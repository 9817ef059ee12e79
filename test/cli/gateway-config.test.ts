import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts): the real CLI and control plane, no spawned processes.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

test('get shows ngrok\'s fields with defaults; set changes only what it is given', async () => {
  const initial = await home.json(['gateway', 'config', 'get']);
  assert.deepEqual(Object.keys(initial), [
    'accountId', 'uri', 'totalTimeout', 'perRequestTimeout', 'maxInputTokens', 'maxOutputTokens', 'metadata', 'providerBaseUrls', 'passthroughProviders',
  ]);
  assert.equal(initial.uri, '/gateway-config');
  assert.equal(initial.totalTimeout, '10m');
  assert.equal(initial.perRequestTimeout, '5m');
  assert.equal(initial.maxInputTokens, null);
  assert.deepEqual(initial.providerBaseUrls, {});

  const set = await home.json([
    'gateway', 'config', 'set', '--per-request-timeout', '90s', '--max-output-tokens', '4096',
    '--provider-base-url', 'openai=http://127.0.0.1:1234/v1', '--provider-base-url', 'anthropic=https://proxy.example/v1',
  ]);
  assert.equal(set.perRequestTimeout, '90s');
  assert.equal(set.totalTimeout, '10m');
  assert.equal(set.maxOutputTokens, 4096);
  assert.deepEqual(set.providerBaseUrls, { openai: 'http://127.0.0.1:1234/v1', anthropic: 'https://proxy.example/v1' });
  assert.deepEqual(await home.json(['gateway', 'config', 'get']), set);

  const listed = await home.json(['providers', 'list']);
  assert.equal(listed.builtinProviders.find((p: any) => p.providerId === 'openai').baseUrl, 'http://127.0.0.1:1234/v1');

  const plain = await home.run(['gateway', 'config', 'get']);
  assert.match(plain.stdout, /^perRequestTimeout\t90s$/m);
  assert.match(plain.stdout, /^providerBaseUrls\t(openai=http:\/\/127\.0\.0\.1:1234\/v1,anthropic=https:\/\/proxy\.example\/v1|anthropic=https:\/\/proxy\.example\/v1,openai=http:\/\/127\.0\.0\.1:1234\/v1)$/m);
  const quiet = await home.run(['gateway', 'config', 'set', '--metadata', 'x', '-q']);
  assert.equal(quiet.stdout, `${initial.accountId}\n`);

  const removed = await home.json(['gateway', 'config', 'set', '--provider-base-url', 'openai=', '--max-output-tokens', 'none', '--clear-metadata']);
  assert.deepEqual(removed.providerBaseUrls, { anthropic: 'https://proxy.example/v1' });
  assert.equal(removed.maxOutputTokens, null);
  assert.equal(removed.metadata, null);
  const all = await home.json(['gateway', 'config', 'set', '--clear-provider-base-urls']);
  assert.deepEqual(all.providerBaseUrls, {});
});

test('bad durations, providers and URLs are refused and change nothing', async () => {
  await home.json(['gateway', 'config', 'set', '--total-timeout', '2m', '--per-request-timeout', '30s']);
  const before = await home.snapshot();
  await home.fails(['gateway', 'config', 'set', '--total-timeout', '10 minutes'], 2, 'ERR_AIGW_27606');
  await home.fails(['gateway', 'config', 'set', '--per-request-timeout', '5m'], 2, 'ERR_AIGW_27606');
  await home.fails(['gateway', 'config', 'set', '--provider-base-url', 'ollama=http://127.0.0.1:1/v1'], 2, 'ERR_AIGW_27508');
  await home.fails(['gateway', 'config', 'set', '--provider-base-url', 'openai=http://api.example.com/v1'], 2, 'ERR_AIGW_27718');
  await home.fails(['gateway', 'config', 'set', '--provider-base-url', 'openai'], 2, 'ERR_AIGW_20002');
  await home.fails(['gateway', 'config', 'set', '--max-input-tokens', '0'], 2, 'ERR_AIGW_20002');
  await home.fails(['gateway', 'config', 'set'], 2, 'ERR_AIGW_20002');
  assert.deepEqual(await home.snapshot(), before);
});
