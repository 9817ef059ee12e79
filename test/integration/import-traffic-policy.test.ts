import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { AIGW_BIN, fakeKey, TestHome } from '../helpers/aigw.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { haveTool } from '../helpers/tools.js';

let home: TestHome;
let mock: MockUpstream;
let gatewayUrl: string;
/** Policy files live outside the home: they hold inline keys, and the home must hold none in plaintext. */
const policies = mkdtempSync(join(tmpdir(), 'aigw-policies-'));

const hello = [{ role: 'user' as const, content: 'hi' }];
const values = {
  primary: fakeKey(),
  backup: fakeKey(),
  anthropic1: fakeKey('sk-ant-api03-'),
  anthropic2: fakeKey('sk-ant-api03-'),
  custom: fakeKey('sk-custom-'),
  late: fakeKey(),
};
const secretEnv = { OPENAI_PRIMARY: values.primary, OPENAI_BACKUP: values.backup, CUSTOM_KEY: values.custom };
const secretFlags = ['--secret', 'openai/primary=OPENAI_PRIMARY', '--secret', 'openai/backup=OPENAI_BACKUP', '--secret', 'custom/api-key=CUSTOM_KEY'];

/**
 * ngrok's BYOK examples in one policy (managing provider keys, multiple keys for failover, custom providers,
 * key selection): secrets references and inline keys, two built-in providers and a custom `base_url` one.
 */
function byokPolicy(): string {
  return `on_http_request:
  - name: DefaultAIGateway
    actions:
      - type: ai-gateway
        config:
          per_request_timeout: "30s"
          on_error: "continue"
          api_key_selection:
            strategy:
              - "ai.keys.filter(k, k.quota.remaining_requests > 100)"
          providers:
            - id: "openai"
              api_keys:
                - value: \${secrets.get('openai', 'primary')}
                - value: \${secrets.get('openai', 'backup')}
            - id: "anthropic"
              api_keys:
                - value: "${values.anthropic1}"
                - value: "${values.anthropic2}"
            - id: "my-custom-provider"
              base_url: "${mock.baseUrl}"
              api_keys:
                - value: \${secrets.get('custom', 'api-key')}
              models:
                - id: "my-model"
`;
}

function policyFile(name: string, text: string): string {
  const path = join(policies, name);
  writeFileSync(path, text);
  return path;
}

/** No value of a key may appear in what the CLI printed. */
function assertNoValues(...outputs: string[]): void {
  for (const value of Object.values(values)) {
    for (const out of outputs) assert.ok(!out.includes(value), 'a key value was printed');
  }
}

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  mock.accept(...Object.values(values));
  home = new TestHome();
  gatewayUrl = await home.gatewayUrl();
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--provider-base-url', `anthropic=${mock.baseUrl}`]);
});

after(async () => {
  await home.cleanup();
  await mock.close();
  rmSync(policies, { recursive: true, force: true });
});

describe('aigw import traffic-policy', () => {
  test('a malformed policy is one coded error and changes nothing', async () => {
    const before = await home.snapshot();
    const cases = [
      // Not YAML; the line holds an inline key, which the error must not quote.
      `on_http_request:\n  - type: ai-gateway\n    config: { providers: [ { id: openai, api_keys: [ { value: "${values.primary}" ] } ] }\n`,
      'on_http_request:\n  - actions:\n      - type: deny\n',
      'on_http_request:\n  - type: ai-gateway\n    config:\n      providers:\n        - id: openai\n          api_keys: "sk-not-a-list"\n',
      'on_http_request:\n  - type: ai-gateway\n    config:\n      providers:\n        - id: nosuch-provider\n          api_keys:\n            - value: "sk-abcdefghijklmnopqrstuvwxyz012345"\n',
      "on_http_request:\n  - type: ai-gateway\n    config:\n      providers:\n        - id: openai\n          api_keys:\n            - value: ${vars.openai_key}\n",
      'on_http_request:\n  - type: ai-gateway\n    config:\n      max_input_tokens: -3\n      providers: []\n',
      '[1, 2]',
    ];
    for (const [i, text] of cases.entries()) {
      const result = await home.fails(['import', 'traffic-policy', policyFile(`bad-${i}.yaml`, text)], 2, 'ERR_AIGW_20050');
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(result.stdout, '');
      assertNoValues(result.stderr);
    }
    // An inline value the API would refuse is refused with the policy's path, before any write.
    const policy = byokPolicy().replace(values.anthropic2, 'sk-has\\u0007control-chars-inside-1234');
    await home.fails(['import', 'traffic-policy', policyFile('bad-value.yaml', policy), ...secretFlags], 2, 'ERR_AIGW_20050', { env: secretEnv });
    // A configuration name the API would refuse, too.
    await home.fails(['import', 'traffic-policy', policyFile('long.yaml', byokPolicy()), '--name', 'x'.repeat(300)], 2, 'ERR_AIGW_20050');
    // A named variable that is not set is a usage error before any write, too.
    await home.fails(['import', 'traffic-policy', policyFile('legacy-byok.yaml', byokPolicy()), ...secretFlags], 2, 'ERR_AIGW_20002');
    assert.deepEqual(await home.snapshot(), before);
  });

  test('--dry-run prints the plan, redacted, and changes nothing', async () => {
    const before = await home.snapshot();
    const result = await home.run(['import', 'traffic-policy', policyFile('legacy-byok.yaml', byokPolicy()), ...secretFlags, '--dry-run', '-o', 'json'], {
      env: secretEnv,
    });
    assert.equal(result.code, 0, result.stderr);
    assertNoValues(result.stdout, result.stderr);
    const plan = JSON.parse(result.stdout);
    assert.equal(plan.dryRun, true);
    const planned = plan.items.filter((r: any) => r.action === 'create').map((r: any) => `${r.kind} ${r.name}`);
    assert.deepEqual(planned, [
      'provider my-custom-provider',
      'provider-key openai/primary',
      'provider-key openai/backup',
      'provider-key anthropic-1',
      'provider-key anthropic-2',
      'provider-key custom/api-key',
      'configuration legacy-byok',
    ]);
    assert.ok(result.stdout.includes(`${values.anthropic1.slice(0, 10)}***${values.anthropic1.slice(-4)}`));
    assert.deepEqual(await home.snapshot(), before);
  });

  test("the BYOK policy becomes keys, a custom provider and a configuration in the policy's order; unsupported parts are listed", async () => {
    const file = policyFile('legacy-byok.yaml', byokPolicy());
    const result = await home.run(['import', 'traffic-policy', file, ...secretFlags, '-o', 'json'], { env: secretEnv });
    assert.equal(result.code, 0, result.stderr);
    assertNoValues(result.stdout, result.stderr);
    const summary = JSON.parse(result.stdout);
    const created = summary.items.filter((r: any) => r.action === 'created');
    assert.equal(created.length, 7);
    const notImported = summary.items.filter((r: any) => r.action === 'not imported').map((r: any) => r.name);
    for (const field of ['per_request_timeout', 'on_error', 'api_key_selection']) {
      assert.ok(notImported.includes(`on_http_request[0].actions[0].config.${field}`), `${field} is listed`);
    }

    const keys = (await home.json(['provider-keys', 'list', '--all'])).aiGatewayProviderKeys as any[];
    const byName = new Map(keys.map((k) => [k.name, k]));
    assert.deepEqual([...byName.keys()].sort(), ['anthropic-1', 'anthropic-2', 'custom/api-key', 'openai/backup', 'openai/primary']);
    assert.equal(byName.get('anthropic-1').providerId, 'anthropic');
    assert.equal(byName.get('custom/api-key').providerId, 'my-custom-provider');
    const provider = await home.json(['providers', 'get', 'my-custom-provider']);
    assert.equal(provider.baseUrl, mock.baseUrl);
    assert.deepEqual(provider.models.map((m: any) => m.modelId), ['my-model']);
    const config = (await home.json(['configs', 'list', '--all'])).aiGatewayAccessKeyConfigurations.find((c: any) => c.name === 'legacy-byok');
    const order = config.router.rules.map((r: any) => [r.provider, r.steps[0].keys.map((k: any) => k.name)]);
    assert.deepEqual(order, [
      ['openai', ['openai/primary', 'openai/backup']],
      ['anthropic', ['anthropic-1', 'anthropic-2']],
      ['my-custom-provider', ['custom/api-key']],
    ]);
    for (const f of home.files()) for (const value of Object.values(values)) assert.ok(!f.bytes.includes(value), `a key value is in ${f.path}`);
  });

  test('the gateway then fails over in the policy\'s order', async () => {
    const config = (await home.json(['configs', 'list', '--all'])).aiGatewayAccessKeyConfigurations.find((c: any) => c.name === 'legacy-byok');
    const access = await home.json(['access-keys', 'create', '--name', 'imported', '--access-key-configuration-id', config.id]);
    mock.clear();
    mock.set(values.primary, { status: 429 });
    mock.set(values.anthropic1, { status: 500 });

    const openai = new OpenAI({ apiKey: access.token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0 });
    const answer = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    assert.equal(answer.object, 'chat.completion');
    assert.deepEqual(mock.requests.map((r) => r.key), [values.primary, values.backup]);

    mock.requests.length = 0;
    const anthropic = new Anthropic({ apiKey: access.token, baseURL: gatewayUrl, maxRetries: 0 });
    await anthropic.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 10, messages: hello });
    assert.deepEqual(mock.requests.map((r) => r.key), [values.anthropic1, values.anthropic2]);

    mock.requests.length = 0;
    await openai.chat.completions.create({ model: 'my-custom-provider:my-model', messages: hello });
    assert.deepEqual(mock.requests.map((r) => r.key), [values.custom]);
    mock.clear();
    // Usage (and the keys' lastUsed) is written in batches: let it land before the next test compares.
    await home.json(['usage', 'list']);
  });

  test('a second import of the same file creates nothing new', async () => {
    const before = await home.snapshot();
    const result = await home.run(['import', 'traffic-policy', join(policies, 'legacy-byok.yaml'), ...secretFlags, '-o', 'json'], { env: secretEnv });
    assert.equal(result.code, 0, result.stderr);
    const actions = new Set(JSON.parse(result.stdout).items.map((r: any) => r.action));
    assert.deepEqual([...actions].sort(), ['exists', 'not imported', 'unchanged']);
    assert.deepEqual(await home.snapshot(), before);
  });

  test('a secret with no source is skipped and said why; given later, it is added and the configuration follows', async () => {
    const policy = JSON.stringify({
      on_http_request: [
        {
          actions: [
            {
              type: 'ai-gateway',
              config: {
                only_allow_configured_providers: true,
                providers: [{ id: 'openai', api_keys: [{ value: "${secrets.get('openai', 'late')}" }, { value: values.backup }] }],
              },
            },
          ],
        },
      ],
    });
    const file = policyFile('late.json', policy);
    const first = await home.json(['import', 'traffic-policy', file]);
    const skipped = first.items.find((r: any) => r.action === 'skipped');
    assert.equal(skipped.name, 'openai/late');
    assert.match(skipped.detail, /--secret openai\/late=ENV_VAR/);
    const config = () => home.json(['configs', 'list', '--all']).then((l) => l.aiGatewayAccessKeyConfigurations.find((c: any) => c.name === 'late'));
    assert.deepEqual((await config()).router.rules[0].steps[0].keys.map((k: any) => k.name), ['openai-2']);
    assert.deepEqual((await config()).access, { providers: { allow: ['openai'] } });

    const second = await home.json(['import', 'traffic-policy', file, '--secret', 'openai/late=LATE_KEY'], { env: { LATE_KEY: values.late } });
    assert.deepEqual(
      second.items.filter((r: any) => ['created', 'updated'].includes(r.action)).map((r: any) => `${r.action} ${r.name}`),
      ['created openai/late', 'updated late'],
    );
    assert.deepEqual((await config()).router.rules[0].steps[0].keys.map((k: any) => k.name), ['openai/late', 'openai-2']);
  });

  test('a policy from standard input, and the table a person sees', async () => {
    const policy = 'on_http_request:\n  - type: ai-gateway\n    config:\n      providers:\n        - id: groq\n';
    const result = await home.run(['import', 'traffic-policy', '-'], { input: policy });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /not imported\tpolicy\ton_http_request\[0\]\.config\.providers\[0\]\t\tno api_keys: .*aigw providers passthrough enable groq/);
    assert.match(result.stdout, /created\tconfiguration\ttraffic-policy\t/);
  });

  test('on a terminal, a secret reference is asked for with a hidden prompt', async (t) => {
    if (!haveTool(t, 'tmux')) return;
    const socket = join(policies, 'tmux.sock');
    const env: NodeJS.ProcessEnv = { ...home.env, TERM: 'xterm-256color' };
    delete env.CI;
    const tmux = (...args: string[]) => spawnSync('tmux', ['-S', socket, ...args], { encoding: 'utf8', env }).stdout;
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 200; i++) {
        const text = tmux('capture-pane', '-p', '-J', '-t', 'prompt', '-S', '-200');
        if (pattern.test(text)) return text;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for ${pattern}`);
    };
    const value = fakeKey();
    const file = policyFile('prompted.yaml', "on_http_request:\n  - type: ai-gateway\n    config:\n      providers:\n        - id: groq\n          api_keys:\n            - value: ${secrets.get('groq', 'mine')}\n");
    try {
      tmux('new-session', '-d', '-s', 'prompt', '-x', '200', '-y', '50', `${process.execPath} ${AIGW_BIN} import traffic-policy ${file}; echo "EXIT=$?"; sleep 600`);
      await waitFor(/Value of secrets\.get\('groq', 'mine'\)/);
      tmux('send-keys', '-t', 'prompt', '-l', value);
      tmux('send-keys', '-t', 'prompt', 'Enter');
      const done = await waitFor(/EXIT=\d+/);
      assert.match(done, /EXIT=0/, done);
      assert.ok(!done.includes(value), 'the value reached the screen');
      const keys = (await home.json(['provider-keys', 'list', '--all'])).aiGatewayProviderKeys as any[];
      assert.equal(keys.find((k) => k.name === 'groq/mine')?.keyRedacted, `${value.slice(0, 10)}***${value.slice(-4)}`);
    } finally {
      spawnSync('tmux', ['-S', socket, 'kill-server']);
    }
  });
});
