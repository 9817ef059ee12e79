import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BUILTIN_PROVIDER_IDS } from '../../src/core/providers.js';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts): the real CLI and control plane, no spawned processes.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

test('list shows the built-in catalog, then custom providers', async () => {
  const empty = await home.json(['providers', 'list']);
  assert.deepEqual(empty.aiGatewayProviders, []);
  assert.deepEqual(empty.builtinProviders.map((p: any) => p.providerId), BUILTIN_PROVIDER_IDS);
  const quiet = await home.run(['providers', 'list', '-q']);
  assert.deepEqual(quiet.stdout.trim().split('\n'), BUILTIN_PROVIDER_IDS);

  await home.json(['providers', 'create', '--provider-id', 'ollama', '--base-url', 'http://127.0.0.1:11434/v1']);
  const plain = await home.run(['providers', 'list']);
  assert.match(plain.stdout, /^openai\tbuilt-in\tOpenAI\thttps:\/\/api\.openai\.com\/v1\topenai\t$/m);
  assert.match(plain.stdout, /^ollama\tcustom\tollama\thttp:\/\/127\.0\.0\.1:11434\/v1\topenai\taigp_[0-9a-z]{26}$/m);
});

test('create, get, update and delete a custom provider in every output mode', async () => {
  const created = await home.json([
    'providers', 'create', '--provider-id', 'vllm', '--name', 'Internal vLLM', '--base-url', 'https://vllm.internal.example/v1',
    '--format', 'openai', '--model', 'llama-3-70b', '--model', 'qwen-2', '--metadata', 'm',
  ]);
  assert.match(created.id, /^aigp_[0-9a-z]{26}$/);
  assert.equal(created.uri, `/providers/${created.id}`);
  assert.equal(created.providerId, 'vllm');
  assert.equal(created.name, 'Internal vLLM');
  assert.deepEqual(created.supportedApiSurfaces, [{ format: 'openai' }]);
  assert.deepEqual(created.models.map((m: any) => m.modelId), ['llama-3-70b', 'qwen-2']);
  for (const m of created.models) assert.match(m.id, /^aigpm_/);
  for (const field of ['createdAt', 'updatedAt', 'createdBy', 'lastUpdatedBy', 'metadata', 'baseUrl']) assert.ok(field in created, field);

  assert.deepEqual(await home.json(['providers', 'get', created.id]), created);
  assert.deepEqual(await home.json(['providers', 'get', 'vllm']), created);
  const plain = await home.run(['providers', 'get', 'vllm', '-o', 'plain']);
  assert.match(plain.stdout, /^models\tllama-3-70b,qwen-2$/m);
  assert.equal((await home.run(['providers', 'get', 'vllm', '-q'])).stdout, `${created.id}\n`);

  const updated = await home.json([
    'providers', 'update', 'vllm', '--base-url', 'http://10.0.0.7:8000/v1', '--format', 'openai', '--format', 'anthropic', '--model', 'qwen-2', '--model', 'mistral',
  ]);
  assert.equal(updated.baseUrl, 'http://10.0.0.7:8000/v1');
  assert.deepEqual(updated.supportedApiSurfaces, [{ format: 'openai' }, { format: 'anthropic' }]);
  assert.deepEqual(updated.models.map((m: any) => m.modelId), ['qwen-2', 'mistral']);
  assert.equal(updated.models[0].id, created.models[1].id, 'a model that stays keeps its id');
  assert.equal(updated.name, 'Internal vLLM');
  const cleared = await home.json(['providers', 'update', created.id, '--clear-models']);
  assert.deepEqual(cleared.models, []);

  const gone = await home.run(['providers', 'delete', 'vllm', '--yes', '-q']);
  assert.equal(gone.code, 0, gone.stderr);
  assert.equal(gone.stdout, '');
  await home.fails(['providers', 'get', created.id], 3, 'ERR_AIGW_10404');
});

test('built-in ids are reserved (27705), ids are unique (27712), base URLs are checked (27718); nothing changes', async () => {
  await home.json(['providers', 'create', '--provider-id', 'lmstudio', '--base-url', 'http://localhost:1234/v1']);
  const before = await home.snapshot();
  await home.fails(['providers', 'create', '--provider-id', 'openai', '--base-url', 'http://127.0.0.1:1/v1'], 5, 'ERR_AIGW_27705');
  await home.fails(['providers', 'create', '--provider-id', 'lmstudio', '--base-url', 'http://127.0.0.1:1/v1'], 5, 'ERR_AIGW_27712');
  const publicHttp = await home.fails(['providers', 'create', '--provider-id', 'pub', '--base-url', 'http://llm.example.com/v1'], 2, 'ERR_AIGW_27718');
  assert.match(publicHttp.stderr, /use https:\/\//);
  await home.fails(['providers', 'create', '--provider-id', 'pub', '--base-url', 'file:///etc/passwd'], 2, 'ERR_AIGW_27718');
  await home.fails(['providers', 'update', 'lmstudio', '--base-url', 'http://8.8.8.8/v1'], 2, 'ERR_AIGW_27718');
  await home.fails(['providers', 'create', '--provider-id', 'Bad:Id', '--base-url', 'https://x.example/v1'], 2, 'ERR_AIGW_27606');
  await home.fails(['providers', 'create', '--provider-id', 'fmt', '--base-url', 'https://x.example/v1', '--format', 'gemini'], 2, 'ERR_AIGW_27707');
  await home.fails(['providers', 'create', '--provider-id', 'dup', '--base-url', 'https://x.example/v1', '--model', 'a', '--model', 'a'], 2, 'ERR_AIGW_27711');
  await home.fails(['providers', 'create', '--base-url', 'https://x.example/v1'], 2, 'ERR_AIGW_20002');
  await home.fails(['providers', 'get', 'openai'], 3, 'ERR_AIGW_10404');
  await home.fails(['providers', 'delete', 'nope', '--yes'], 3, 'ERR_AIGW_10404');
  await home.fails(['providers', 'delete', 'lmstudio'], 2, 'ERR_AIGW_20004');
  assert.deepEqual(await home.snapshot(), before);
});

test('provider keys take a custom provider; a provider in use by a key or a configuration cannot be deleted (27710)', async () => {
  const ollama = await home.json(['providers', 'create', '--provider-id', 'ollama2', '--base-url', 'http://127.0.0.1:11434/v1']);
  const key = await home.json(['provider-keys', 'create', '--provider-id', 'ollama2', '--value-stdin'], { input: fakeKey('ollama-') });
  assert.equal(key.providerId, 'ollama2');

  let before = await home.snapshot();
  const byKey = await home.fails(['providers', 'delete', 'ollama2', '--yes'], 5, 'ERR_AIGW_27710');
  assert.match(byKey.stderr, new RegExp(key.id));
  assert.deepEqual(await home.snapshot(), before);
  const deleted = await home.run(['provider-keys', 'delete', key.id, '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);

  const config = await home.json(['configs', 'create', '--name', 'local-only', '--allow-provider', 'ollama2']);
  before = await home.snapshot();
  const byConfig = await home.fails(['providers', 'delete', ollama.id, '--yes'], 5, 'ERR_AIGW_27710');
  assert.match(byConfig.stderr, new RegExp(config.id));
  assert.deepEqual(await home.snapshot(), before);

  await home.json(['configs', 'update', config.id, '--allow-all']);
  const ok = await home.run(['providers', 'delete', ollama.id, '--yes']);
  assert.equal(ok.code, 0, ok.stderr);
  await home.fails(['provider-keys', 'create', '--provider-id', 'ollama2', '--value-stdin'], 2, 'ERR_AIGW_27508', { input: fakeKey() });
});
