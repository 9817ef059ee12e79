import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { AccessKey, AccessKeyList } from '../../src/core/api/access-keys.js';
import { Configuration, ConfigurationList } from '../../src/core/api/configurations.js';
import { ControlTokenCreated, ControlTokenList } from '../../src/core/api/control-tokens.js';
import { GatewayConfig } from '../../src/core/api/gateway-config.js';
import { OwnPrice, PriceList, PriceLookup } from '../../src/core/api/prices.js';
import { ProviderKey, ProviderKeyList, ProviderKeyLookupResult } from '../../src/core/api/provider-keys.js';
import { CustomProvider, ProviderList } from '../../src/core/api/providers.js';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

// The response shapes of src/core/api are what the control plane really answers, field for field: every
// shape refuses a field it does not name, so a field added to (or renamed in) a route builder without its
// schema fails here, as does a schema field the route stopped sending.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

function conforms(schema: TSchema, answer: unknown, what: string): void {
  const errors = [...Value.Errors(schema, answer)].map((e) => `${e.path}: ${e.message}`);
  assert.deepEqual(errors, [], `${what} does not match its schema in src/core/api`);
}

test('every resource the control API answers with matches its schema', async () => {
  const api = home.api();
  const request = <T = any>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown) => api.request<T>(method, path, body);

  const config = await request('POST', '/access-key-configurations', {
    name: 'contract',
    access: { providers: { allow: ['openai'] } },
    maxInputTokens: 1000,
    budget: { amountUsd: 10, period: 'month', softLimitUsd: 5 },
    rateLimits: { requestsPerMinute: 60 },
  });
  conforms(Configuration, config, 'POST /access-key-configurations');
  const key = await request('POST', '/access-keys', { name: 'contract', accessKeyConfigurationId: config.id, budget: { amountUsd: 1, period: 'day' } });
  conforms(AccessKey, key, 'POST /access-keys');
  assert.equal(typeof key.token, 'string', 'the create answer carries the token');
  const providerKey = await request('POST', '/provider-keys', { providerId: 'openai', value: fakeKey(), name: 'contract', accessKeyId: key.id });
  conforms(ProviderKey, providerKey, 'POST /provider-keys');
  const routed = await request('PATCH', `/access-key-configurations/${config.id}`, {
    router: { rules: [{ provider: 'openai', steps: [{ type: 'user', keySelectionStrategy: 'weighted', keys: [{ id: providerKey.id, weight: 2 }] }] }] },
  });
  conforms(Configuration, routed, 'PATCH /access-key-configurations/{id} with a router');
  const provider = await request('POST', '/providers', {
    providerId: 'contract-llm',
    name: 'Contract',
    baseUrl: 'http://127.0.0.1:11434/v1',
    supportedApiSurfaces: [{ format: 'openai', surface: 'chat-completions', supportedParams: [{ name: 'temperature' }] }],
    models: [{ modelId: 'llama3' }],
  });
  conforms(CustomProvider, provider, 'POST /providers');

  conforms(AccessKey, await request('POST', `/access-keys/${key.id}/rotate`, { gracePeriod: '1h' }), 'POST /access-keys/{id}/rotate');
  conforms(AccessKey, await request('GET', `/access-keys/${key.id}`), 'GET /access-keys/{id}');
  conforms(ProviderKey, await request('PATCH', `/provider-keys/${providerKey.id}`, { disabled: true }), 'PATCH /provider-keys/{id}');
  conforms(ProviderKey, await request('POST', `/provider-keys/${providerKey.id}/rotate`, { value: fakeKey() }), 'POST /provider-keys/{id}/rotate');
  conforms(ProviderKeyLookupResult, await request('POST', '/provider-keys/lookup', { value: fakeKey() }), 'POST /provider-keys/lookup');

  conforms(ProviderKeyList, await request('GET', '/provider-keys?limit=1'), 'GET /provider-keys');
  conforms(AccessKeyList, await request('GET', '/access-keys'), 'GET /access-keys');
  conforms(ConfigurationList, await request('GET', '/access-key-configurations'), 'GET /access-key-configurations');
  conforms(ProviderList, await request('GET', '/providers'), 'GET /providers');

  conforms(GatewayConfig, await request('PATCH', '/gateway-config', { providerBaseUrls: { openai: 'http://127.0.0.1:9/v1' }, passthroughProviders: { anthropic: {} } }), 'PATCH /gateway-config');
  conforms(GatewayConfig, await request('GET', '/gateway-config'), 'GET /gateway-config');

  conforms(OwnPrice, await request('POST', '/prices', { providerId: 'openai', modelId: 'gpt-contract', input: 1, output: 2 }), 'POST /prices');
  conforms(PriceList, await request('GET', '/prices'), 'GET /prices');
  conforms(PriceLookup, await request('GET', '/prices/lookup?providerId=openai&modelId=gpt-contract'), 'GET /prices/lookup');

  conforms(ControlTokenCreated, await request('POST', '/control-tokens', { name: 'contract@test' }), 'POST /control-tokens');
  conforms(ControlTokenList, await request('GET', '/control-tokens'), 'GET /control-tokens');
});

test('a field the schema does not name is a mismatch', () => {
  const key = { id: 'aigpk_x', uri: '/provider-keys/aigpk_x', createdAt: 't', updatedAt: 't', providerId: 'openai', name: '', keyRedacted: '***', createdBy: { id: 'local', uri: '' }, lastUpdatedBy: { id: 'local', uri: '' }, description: '', metadata: '', lastUsed: null, accessKeyId: null, disabled: false };
  assert.ok(Value.Check(ProviderKey, key));
  assert.ok(!Value.Check(ProviderKey, { ...key, tokenRedacted: '***' }));
  assert.ok(!Value.Check(ProviderKey, { ...key, keyRedacted: undefined }));
});
