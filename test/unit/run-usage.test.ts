import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRunSeparator, parseTtl, usageLine } from '../../src/cli/commands/run.js';
import type { UsageEvent } from '../../src/core/gateway-api.js';

const event = (fields: Partial<UsageEvent>): UsageEvent =>
  ({ isError: false, tokensKnown: true, inputTokens: 10, outputTokens: 5, costKnown: true, totalCost: '0.00100000', ...fields }) as UsageEvent;

test("the run's usage line: numbers the providers did not report are unknown, never zero", () => {
  assert.equal(usageLine([]), '0 requests');
  assert.equal(usageLine([event({}), event({ inputTokens: 1000 })]), '2 requests, 1,010 input + 10 output tokens, $0.002');
  assert.equal(usageLine([event({ costKnown: false, totalCost: 'unknown', tokensKnown: false })]), '1 request, tokens unknown, cost unknown');
  assert.equal(
    usageLine([event({}), event({ costKnown: false, totalCost: 'unknown', tokensKnown: false, isError: true })]),
    '2 requests, 1 error, 10 input + 5 output tokens (unknown for 1 request), $0.001 + unknown (1 unpriced request)',
  );
  assert.equal(usageLine([event({ totalCost: '12.5' })]), '1 request, 10 input + 5 output tokens, $12.50');
});

test('--ttl takes durations as --expires-in does, up to a year', () => {
  assert.equal(parseTtl('90s'), 90_000);
  assert.equal(parseTtl('2h'), 7_200_000);
  assert.equal(parseTtl('1h30m'), 5_400_000);
  assert.equal(parseTtl('7d'), 7 * 86_400_000);
  for (const bad of ['', '0s', '2 hours', '-1h', '366d', 'd', '53w']) assert.throws(() => parseTtl(bad), /--ttl/, bad);
});

test('run needs -- before its command; other commands are not looked at', () => {
  assert.throws(() => checkRunSeparator(['run', 'node', '--version']), /put `--` before the command/);
  assert.throws(() => checkRunSeparator(['-o', 'json', 'run', '--ttl', '2h', 'claude']), /-- claude/);
  for (const ok of [['run', '--', 'node', '-v'], ['run', '--config', 'aigac_x', '--', 'claude'], ['run', '--help'], ['help', 'run'], ['provider-keys', 'create', '--name', 'run', 'x'], []]) {
    assert.doesNotThrow(() => checkRunSeparator(ok), ok.join(' '));
  }
});
