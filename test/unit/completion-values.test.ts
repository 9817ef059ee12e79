import assert from 'node:assert/strict';
import { test } from 'node:test';
import { valuesOf } from '../../src/cli/completion/request.js';
import { RESOURCES } from '../../src/cli/completion/resources.js';

/** What TAB offers from a list answer, for the list shapes the management API has. */
const providers = {
  aiGatewayProviders: [{ id: 'aigp_01abc', providerId: 'ollama', name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' }],
  builtinProviders: [{ providerId: 'openai', name: 'OpenAI', baseUrl: 'https://api.openai.com/v1', builtin: true }],
  uri: '/providers',
  nextPageUri: null,
};

test('--provider-id takes provider ids, custom and built-in, from every list in the answer', () => {
  assert.deepEqual(
    valuesOf(RESOURCES.providers, providers).map((v) => v.value),
    ['ollama', 'openai'],
  );
});

test('a custom provider argument takes only aigp_ ids, not the built-ins listed beside them', () => {
  assert.deepEqual(
    valuesOf(RESOURCES['custom-providers'], providers).map((v) => v.value),
    ['aigp_01abc'],
  );
});

test('provider key ids from their list; error bodies and junk give nothing', () => {
  const keys = { aiGatewayProviderKeys: [{ id: 'aigpk_01x', name: 'main' }, { id: 42 }, null], uri: '/provider-keys', nextPageUri: null };
  assert.deepEqual(valuesOf(RESOURCES['provider-keys'], keys).map((v) => v.value), ['aigpk_01x']);
  assert.deepEqual(valuesOf(RESOURCES['provider-keys'], { errorCode: 'ERR_AIGW_10405', msg: 'no' }), []);
  assert.deepEqual(valuesOf(RESOURCES['provider-keys'], undefined), []);
});
