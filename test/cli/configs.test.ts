import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts): the real CLI and control plane, no spawned processes.
let home: InProcessDaemon;
let openaiA: any;
let openaiB: any;
let anthropic: any;
before(async () => {
  home = await InProcessDaemon.start();
  openaiA = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'a'], { input: fakeKey() });
  openaiB = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'b'], { input: fakeKey() });
  anthropic = await home.json(['provider-keys', 'create', '--provider-id', 'anthropic', '--value-stdin'], { input: fakeKey('sk-ant-') });
});
after(() => home.close());

const MISSING_KEY = 'aigpk_01m80000000000000000000000';

test('create from flags: access lists and one rule with ordered steps, expanded keys on read', async () => {
  const created = await home.json([
    'configs', 'create', '--name', 'prod', '--description', 'production',
    '--allow-provider', 'openai', '--allow-model', 'openai:gpt-4o', '--allow-model', 'openai:gpt-4o-mini',
    '--route-provider', 'openai', '--step', `${openaiA.id},${openaiB.id}`, '--step', openaiB.id,
  ]);
  assert.match(created.id, /^aigac_[0-9a-z]{26}$/);
  assert.equal(created.uri, `/access-key-configurations/${created.id}`);
  assert.deepEqual(created.access, { providers: { allow: ['openai'] }, models: { allow: ['openai:gpt-4o', 'openai:gpt-4o-mini'] } });
  assert.deepEqual(created.router, {
    rules: [
      {
        provider: 'openai',
        steps: [
          {
            type: 'user',
            keySelectionStrategy: 'ordered',
            keys: [
              { id: openaiA.id, name: 'a', keyRedacted: openaiA.keyRedacted },
              { id: openaiB.id, name: 'b', keyRedacted: openaiB.keyRedacted },
            ],
          },
          { type: 'user', keySelectionStrategy: 'ordered', keys: [{ id: openaiB.id, name: 'b', keyRedacted: openaiB.keyRedacted }] },
        ],
      },
    ],
  });
  assert.deepEqual(await home.json(['configs', 'get', created.id]), created);
  const plain = await home.run(['configs', 'get', created.id, '-o', 'plain']);
  assert.match(plain.stdout, /^access\.providers\topenai$/m);
  assert.match(plain.stdout, new RegExp(`^router\\.rules\topenai: ${openaiA.id},${openaiB.id} → ${openaiB.id}$`, 'm'));
  const list = await home.run(['configs', 'list']);
  assert.match(list.stdout, new RegExp(`^${created.id}\tprod\topenai\topenai:gpt-4o,openai:gpt-4o-mini\t1\t`, 'm'));
});

test('create from a JSON file on stdin, in ngrok\'s shape; -q prints the id; omitted access is no restriction', async () => {
  const document = {
    name: 'from-file',
    access: { providers: { allow: [] } },
    router: { rules: [{ model: 'anthropic:claude-sonnet-4', steps: [{ type: 'user', keys: [{ id: anthropic.id }] }] }] },
  };
  const quiet = await home.run(['configs', 'create', '--file', '-', '-q'], { input: JSON.stringify(document) });
  assert.equal(quiet.code, 0, quiet.stderr);
  const id = quiet.stdout.trim();
  assert.match(id, /^aigac_/);
  const got = await home.json(['configs', 'get', id]);
  assert.deepEqual(got.access, { providers: { allow: [] } });
  assert.equal(got.router.rules[0].model, 'anthropic:claude-sonnet-4');

  const open = await home.json(['configs', 'create', '--name', 'open']);
  assert.equal(open.access, undefined);
  assert.equal(open.router, undefined);
  const ids = (await home.run(['configs', 'list', '-q'])).stdout.trim().split('\n');
  assert.equal(ids[0], open.id);
  assert.equal(ids[1], id);
});

test('every reference is checked and named; nothing is stored when one is wrong', async () => {
  const before = await home.snapshot();
  const unknownKey = await home.fails(['configs', 'create', '--name', 'x', '--route-provider', 'openai', '--step', MISSING_KEY], 2, 'ERR_AIGW_27605');
  assert.match(unknownKey.stderr, new RegExp(MISSING_KEY));
  const unknownProvider = await home.fails(['configs', 'create', '--name', 'x', '--allow-provider', 'no-such-ai'], 2, 'ERR_AIGW_27508');
  assert.match(unknownProvider.stderr, /no-such-ai/);
  await home.fails(['configs', 'create', '--name', 'x', '--allow-model', 'nope:gpt'], 2, 'ERR_AIGW_27508');
  await home.fails(['configs', 'create', '--name', 'x', '--route-provider', 'nope', '--step', openaiA.id], 2, 'ERR_AIGW_27508');
  const mismatch = await home.fails(['configs', 'create', '--name', 'x', '--route-provider', 'anthropic', '--step', openaiA.id], 2, 'ERR_AIGW_27605');
  assert.match(mismatch.stderr, /is for openai/);
  await home.fails(['configs', 'create', '--name', 'x', '--step', openaiA.id], 2, 'ERR_AIGW_20002');
  await home.fails(['configs', 'create', '--allow-provider', 'openai'], 2, 'ERR_AIGW_20002');
  await home.fails(['configs', 'create', '--file', '-'], 2, 'ERR_AIGW_20007', { input: '{not json' });
  await home.fails(['configs', 'create', '--file', '-'], 2, 'ERR_AIGW_10002', { input: '{"name":"x","extra":1}' });
  await home.fails(['configs', 'create', '--file', '-'], 2, 'ERR_AIGW_27605', {
    input: JSON.stringify({ name: 'x', router: { rules: [{ provider: 'openai', steps: [{ type: 'ngrok' }] }] } }),
  });
  await home.fails(['configs', 'get', 'aigac_01m80000000000000000000000'], 3, 'ERR_AIGW_10404');
  assert.deepEqual(await home.snapshot(), before);
});

test('update: flags replace only what they name, a file is a partial update, get -o json round-trips', async () => {
  const config = await home.json(['configs', 'create', '--name', 'edit', '--allow-provider', 'openai', '--allow-model', 'openai:gpt-4o']);
  const providers = await home.json(['configs', 'update', config.id, '--allow-provider', 'anthropic', '--allow-provider', 'openai']);
  assert.deepEqual(providers.access, { providers: { allow: ['anthropic', 'openai'] }, models: { allow: ['openai:gpt-4o'] } });

  const routed = await home.json(['configs', 'update', config.id, '--route-provider', 'openai', '--step', openaiA.id]);
  const rerouted = await home.json(['configs', 'update', config.id, '--route-provider', 'anthropic', '--step', anthropic.id]);
  assert.equal(routed.router.rules.length, 1);
  assert.deepEqual(rerouted.router.rules.map((r: any) => r.provider), ['openai', 'anthropic']);
  const replaced = await home.json(['configs', 'update', config.id, '--route-provider', 'openai', '--step', openaiB.id]);
  assert.deepEqual(replaced.router.rules.map((r: any) => r.steps[0].keys[0].id), [anthropic.id, openaiB.id]);

  // What `get -o json` prints can be edited and sent back.
  const exported = await home.json(['configs', 'get', config.id]);
  exported.name = 'edited';
  const roundTrip = await home.json(['configs', 'update', config.id, '--file', '-'], { input: JSON.stringify(exported) });
  assert.equal(roundTrip.name, 'edited');
  assert.deepEqual(roundTrip.router, replaced.router);

  const cleared = await home.json(['configs', 'update', config.id, '--allow-all', '--clear-router']);
  assert.equal(cleared.access, undefined);
  assert.equal(cleared.router, undefined);
  const partial = await home.json(['configs', 'update', config.id, '--file', '-', '--description', 'via file'], {
    input: JSON.stringify({ access: { models: { allow: [] } } }),
  });
  assert.deepEqual(partial.access, { models: { allow: [] } });
  assert.equal(partial.description, 'via file');
  assert.equal(partial.name, 'edited');

  const before = await home.snapshot();
  await home.fails(['configs', 'update', config.id, '--route-provider', 'openai', '--step', MISSING_KEY], 2, 'ERR_AIGW_27605');
  await home.fails(['configs', 'update', config.id], 2, 'ERR_AIGW_20002');
  await home.fails(['configs', 'update', 'aigac_01m80000000000000000000000', '--name', 'x'], 3, 'ERR_AIGW_10404');
  assert.deepEqual(await home.snapshot(), before);
});

test('a key a rule references cannot be deleted (27511) unless --force, which takes it out of the rules', async () => {
  const victim = await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'victim'], { input: fakeKey() });
  const config = await home.json([
    'configs', 'create', '--name', 'uses-victim', '--route-provider', 'openai', '--step', `${victim.id},${openaiA.id}`, '--step', victim.id,
  ]);
  const before = await home.snapshot();
  const refused = await home.fails(['provider-keys', 'delete', victim.id, '--yes'], 5, 'ERR_AIGW_27511');
  assert.match(refused.stderr, new RegExp(config.id));
  assert.deepEqual(await home.snapshot(), before);

  const forced = await home.run(['provider-keys', 'delete', victim.id, '--yes', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  const after = await home.json(['configs', 'get', config.id]);
  assert.deepEqual(after.router.rules[0].steps.map((s: any) => s.keys.map((k: any) => k.id)), [[openaiA.id]]);
  await home.fails(['provider-keys', 'get', victim.id], 3, 'ERR_AIGW_10404');
});

test('delete: refused while an access key links it, confirmation needed off a terminal, then gone', async () => {
  const config = await home.json(['configs', 'create', '--name', 'linked']);
  const key = await home.json(['access-keys', 'create', '--access-key-configuration-id', config.id]);
  const before = await home.snapshot();
  const refused = await home.fails(['configs', 'delete', config.id, '--yes'], 5, 'ERR_AIGW_27615');
  assert.match(refused.stderr, new RegExp(key.id));
  await home.fails(['configs', 'delete', config.id], 2, 'ERR_AIGW_20004');
  assert.deepEqual(await home.snapshot(), before);

  await home.json(['access-keys', 'update', key.id, '--allow-all']);
  const deleted = await home.run(['configs', 'delete', config.id, '--yes']);
  assert.equal(deleted.code, 0, deleted.stderr);
  await home.fails(['configs', 'get', config.id], 3, 'ERR_AIGW_10404');
  await home.fails(['configs', 'delete', config.id, '--yes'], 3, 'ERR_AIGW_10404');
});
