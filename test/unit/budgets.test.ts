import assert from 'node:assert/strict';
import { test } from 'node:test';
import { budgetPeriod, checkBudget, checkRateLimits, formatUsd } from '../../src/core/budgets.js';
import { AigwError } from '../../src/core/errors.js';

const at = (iso: string) => Date.parse(iso);
const span = (period: Parameters<typeof budgetPeriod>[0], iso: string) => {
  const { start, end } = budgetPeriod(period, at(iso));
  return [new Date(start).toISOString(), Number.isFinite(end) ? new Date(end).toISOString() : 'never'];
};

test('budget periods are UTC days, ISO weeks from Monday, calendar months, or forever', () => {
  assert.deepEqual(span('day', '2030-03-10T23:59:59.999Z'), ['2030-03-10T00:00:00.000Z', '2030-03-11T00:00:00.000Z']);
  // 2030-03-10 is a Sunday: the last day of the week that began on Monday the 4th.
  assert.deepEqual(span('week', '2030-03-10T12:00:00.000Z'), ['2030-03-04T00:00:00.000Z', '2030-03-11T00:00:00.000Z']);
  assert.deepEqual(span('week', '2030-03-11T00:00:00.000Z'), ['2030-03-11T00:00:00.000Z', '2030-03-18T00:00:00.000Z']);
  assert.deepEqual(span('week', '2029-12-31T08:00:00.000Z'), ['2029-12-31T00:00:00.000Z', '2030-01-07T00:00:00.000Z']);
  assert.deepEqual(span('month', '2030-12-31T23:59:59.000Z'), ['2030-12-01T00:00:00.000Z', '2031-01-01T00:00:00.000Z']);
  assert.deepEqual(span('month', '2032-02-29T10:00:00.000Z'), ['2032-02-01T00:00:00.000Z', '2032-03-01T00:00:00.000Z']);
  assert.deepEqual(span('none', '2030-05-05T05:05:05.000Z'), ['1970-01-01T00:00:00.000Z', 'never']);
});

test('budgets and rate limits: good ones pass as written, bad ones are refused with their code', () => {
  assert.deepEqual(checkBudget({ amountUsd: 25, period: 'month', softLimitUsd: 20 }), { amountUsd: 25, period: 'month', softLimitUsd: 20 });
  assert.deepEqual(checkBudget({ amountUsd: 0.5, period: 'none', softLimitUsd: null }), { amountUsd: 0.5, period: 'none' });
  assert.deepEqual(checkRateLimits({ requestsPerMinute: 60, maxConcurrent: null }), { requestsPerMinute: 60 });
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (err) {
      return (err as AigwError).code;
    }
    return 'accepted';
  };
  assert.equal(code(() => checkBudget({ amountUsd: Number.NaN, period: 'day' })), 'ERR_AIGW_10030');
  assert.equal(code(() => checkBudget({ amountUsd: Infinity, period: 'day' })), 'ERR_AIGW_10030');
  assert.equal(code(() => checkBudget([])), 'ERR_AIGW_10030');
  assert.equal(code(() => checkBudget({ amountUsd: 1, period: 'Day' })), 'ERR_AIGW_10031');
  assert.equal(code(() => checkBudget({ amountUsd: 1, period: 'day', softLimitUsd: 0 })), 'ERR_AIGW_10032');
  assert.equal(code(() => checkRateLimits({ tokensPerMinute: 2.5 })), 'ERR_AIGW_10033');
  assert.equal(code(() => checkRateLimits({ maxConcurrent: true })), 'ERR_AIGW_10033');
  assert.equal(code(() => checkRateLimits({ requestsPerMinute: null })), 'ERR_AIGW_10033');
});

test('formatUsd: two decimals, and three significant digits under a cent so a small cost never reads as $0.00', () => {
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(12.5), '$12.50');
  assert.equal(formatUsd(0.042), '$0.04');
  assert.equal(formatUsd(0.01), '$0.01');
  assert.equal(formatUsd(0.002), '$0.002');
  assert.equal(formatUsd(0.0012345), '$0.00123');
  assert.equal(formatUsd(0.0000001), '$0.0000001');
  assert.equal(formatUsd(1234.567), '$1234.57');
});
