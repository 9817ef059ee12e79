import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redact } from '../../src/core/redact.js';

test('standard-length keys show their first 10 and last 4 characters', () => {
  assert.equal(redact('sk-proj-abcdefghijklmnopqrstuvwxyz0123456789wxyz'), 'sk-proj-ab***wxyz');
});

test('keys under 32 characters show only the last 4', () => {
  const key = 'gsk_0123456789abcdefghijkl'; // 26 characters
  assert.equal(redact(key), '***ijkl');
  assert.equal(redact('a'.repeat(27) + 'wxyz'), '***wxyz'); // 31 characters
  assert.equal(redact('abcdefghij' + 'm'.repeat(18) + 'wxyz'), 'abcdefghij***wxyz'); // 32 characters
});

test('keys under 12 characters show nothing of themselves', () => {
  assert.equal(redact('short-key'), '***');
  assert.equal(redact('12345678901'), '***');
  assert.equal(redact('123456789012'), '***9012');
});

test('the redacted form never contains the middle of the key', () => {
  const key = 'sk-ant-api03-' + 'M'.repeat(40) + 'tail';
  const shown = redact(key);
  assert.ok(!shown.includes('MMMMM'), shown);
  assert.ok(shown.length < 20);
});

test('multi-byte characters are counted as characters, never split', () => {
  const key = 'é'.repeat(40);
  assert.equal(redact(key), 'é'.repeat(10) + '***' + 'é'.repeat(4));
});
