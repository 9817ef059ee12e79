import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isoTime } from '../../src/store/usage-time.js';

test('usage event times read as Date#toISOString, whatever order the times come in', () => {
  const year10000 = Date.UTC(10000, 0, 1);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: year10000 - 1 }), { minLength: 1, maxLength: 20 }), (times) => {
      for (const ms of times) assert.equal(isoTime(ms), new Date(ms).toISOString());
    }),
    { numRuns: 500 },
  );
  // Within one second and across its edges, where the reused prefix could go stale.
  const base = Date.UTC(2026, 10, 22, 23, 59, 59);
  for (const ms of [base, base + 7, base + 42, base + 999, base + 1000, base + 999, base - 1, base + 1_000_000]) {
    assert.equal(isoTime(ms), new Date(ms).toISOString());
  }
});
