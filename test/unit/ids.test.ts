import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, newId } from '../../src/core/ids.js';

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
