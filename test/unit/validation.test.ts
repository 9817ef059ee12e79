import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AigwError, ERRORS } from '../../src/core/errors.js';
import { charLength, checkLabels, checkSecretValue } from '../../src/core/provider-keys.js';
import { listUris } from '../../src/daemon/control/pagination.js';
import { readPageParams } from '../../src/daemon/control/query.js';

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AigwError, String(err));
    return err.code;
  }
  return undefined;
}

test('a provider key value must be present, printable ASCII, on one line', () => {
  assert.equal(codeOf(() => checkSecretValue('sk-proj-abc123')), undefined);
  assert.equal(codeOf(() => checkSecretValue('has inner space')), undefined);
  assert.equal(codeOf(() => checkSecretValue('')), ERRORS.emptyValue.code);
  assert.equal(codeOf(() => checkSecretValue('   \t ')), ERRORS.emptyValue.code);
  for (const bad of ['sk-abc\ndef', 'sk-abc\rdef', 'sk-\x00abc', 'sk-abc\x7f', 'tab\there', ' leading', 'trailing ', 'clé-é']) {
    assert.equal(codeOf(() => checkSecretValue(bad)), ERRORS.invalidValue.code, JSON.stringify(bad));
  }
  assert.equal(codeOf(() => checkSecretValue('k'.repeat(8193))), ERRORS.valueTooLong.code);
});

test('error messages about a value never quote it', () => {
  try {
    checkSecretValue('sk-secret-canary\nrest');
    assert.fail('should have thrown');
  } catch (err) {
    assert.ok(!(err as Error).message.includes('canary'));
  }
});

test('name and description are limited to 255 characters, metadata to 4096, counted as characters', () => {
  assert.equal(codeOf(() => checkLabels({ name: 'n'.repeat(255), description: 'd'.repeat(255), metadata: 'm'.repeat(4096) })), undefined);
  assert.equal(codeOf(() => checkLabels({ name: 'é'.repeat(255) })), undefined);
  assert.equal(codeOf(() => checkLabels({ name: 'n'.repeat(256) })), ERRORS.nameTooLong.code);
  assert.equal(codeOf(() => checkLabels({ description: 'd'.repeat(256) })), ERRORS.descriptionTooLong.code);
  assert.equal(codeOf(() => checkLabels({ metadata: 'm'.repeat(4097) })), ERRORS.metadataTooLong.code);
  assert.equal(charLength('😀é'), 2);
});

test('list paging reads limit 1-100 and beforeId, and rejects anything else', () => {
  assert.deepEqual(readPageParams({}), { limit: 100, beforeId: undefined });
  assert.deepEqual(readPageParams({ limit: '7', beforeId: 'aigpk_x' }), { limit: 7, beforeId: 'aigpk_x' });
  for (const limit of ['0', '101', '-1', '1.5', 'abc', '', '1e2']) {
    assert.equal(codeOf(() => readPageParams({ limit })), ERRORS.invalidQuery.code, limit);
  }
});

test('nextPageUri continues before the last id and keeps the filters; null on the last page', () => {
  const more = listUris('/provider-keys', { provider: 'openai' }, { limit: 2 }, 'aigpk_b', true);
  assert.equal(more.uri, '/provider-keys?provider=openai&limit=2');
  assert.equal(more.nextPageUri, '/provider-keys?provider=openai&limit=2&beforeId=aigpk_b');
  assert.equal(listUris('/provider-keys', {}, { limit: 2 }, 'aigpk_b', false).nextPageUri, null);
});
