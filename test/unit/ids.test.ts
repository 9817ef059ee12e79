import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, newId, newRequestId } from '../../src/core/ids.js';

test('ids carry their resource prefix and 26 base32 characters', () => {
  const id = newId('providerKey');
  assert.match(id, /^aigpk_[0-9a-hjkmnp-tv-z]{26}$/);
  assert.ok(isId('providerKey', id));
  assert.ok(!isId('accessKey', id));
  assert.ok(!isId('providerKey', id + 'x'));
  assert.ok(!isId('providerKey', 'aigpk_../../etc/passwd'));
});

test('ids made in the same millisecond still sort in creation order and never repeat', () => {
  const now = Date.now();
  const ids = Array.from({ length: 2000 }, () => newId('providerKey', now));
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
});

test('later ids sort after earlier ones, even when the clock steps back', () => {
  const a = newId('providerKey', 2_000_000_000_000);
  const b = newId('providerKey', 1_000_000_000_000);
  assert.ok(b > a, `${b} should sort after ${a}`);
});

test('ids made in successive milliseconds sort by time and each draws fresh randomness', () => {
  const start = 3_000_000_000_000;
  // More ids than one draw of random bytes covers, so the pool is refilled on the way.
  const ids = Array.from({ length: 1000 }, (_, i) => newId('usageEvent', start + i));
  assert.deepEqual([...ids].sort(), ids);
  const randomParts = new Set(ids.map((id) => id.slice(-16)));
  assert.equal(randomParts.size, ids.length);
});

test('request ids are 12 random bytes in hex, drawn from the same pool as resource ids, never repeating', () => {
  // Interleaved with resource ids and past several refills of the pool: no draw overlaps another.
  const requestIds = Array.from({ length: 3000 }, (_, i) => (newId('usageEvent', 4_000_000_000_000 + i), newRequestId()));
  for (const id of requestIds) assert.match(id, /^req_[0-9a-f]{24}$/);
  assert.equal(new Set(requestIds).size, requestIds.length);
  const hex = requestIds.map((id) => id.slice(4)).join('');
  const ones = [...Buffer.from(hex, 'hex')].reduce((n, byte) => n + byte.toString(2).replaceAll('0', '').length, 0);
  assert.ok(Math.abs(ones / (hex.length * 4) - 0.5) < 0.01, 'the bits are random, not a zeroed buffer');
});
