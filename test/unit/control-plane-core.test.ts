import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateAccessToken, hashAccessToken, isWellFormedAccessToken } from '../../src/core/access-tokens.js';
import { normalizeRouter, withoutProviderKey } from '../../src/core/configs.js';
import { checkBaseUrl, isLocalHost } from '../../src/core/custom-providers.js';
import { AigwError } from '../../src/core/errors.js';
import { parseDuration } from '../../src/core/gateway-config.js';
import { expiryIn, futureExpiry, gracePeriodMs, parseKeyDuration } from '../../src/core/key-lifecycle.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as AigwError).code;
  }
  return 'no error';
};

test('access tokens carry the aigw_ prefix, 178 random bits and a checksum that catches a changed character', () => {
  const tokens = new Set(Array.from({ length: 200 }, generateAccessToken));
  assert.equal(tokens.size, 200);
  for (const token of tokens) {
    assert.match(token, /^aigw_[0-9A-Za-z]{36}$/);
    assert.ok(isWellFormedAccessToken(token), token);
  }
  const token = [...tokens][0]!;
  for (const at of [5, 20, 34, 40]) {
    const changed = token.slice(0, at) + (token[at] === 'a' ? 'b' : 'a') + token.slice(at + 1);
    assert.equal(isWellFormedAccessToken(changed), false, `changed at ${at}`);
  }
  assert.equal(isWellFormedAccessToken(`${token}x`), false);
  assert.equal(isWellFormedAccessToken(token.replace('aigw_', 'aigx_')), false);
  assert.match(hashAccessToken(token), /^[0-9a-f]{64}$/);
  assert.notEqual(hashAccessToken(token), hashAccessToken([...tokens][1]!));
});

test('plain http:// base URLs are allowed only to loopback and private addresses', () => {
  for (const url of [
    'http://127.0.0.1:11434/v1',
    'http://localhost:8000/v1',
    'http://10.1.2.3/v1',
    'http://172.20.0.5:8000',
    'http://192.168.1.10:11434/v1',
    'http://[::1]:8000/v1',
    'http://[fd12::1]/v1',
    'https://llm.example.com/v1',
    'https://8.8.8.8/v1',
  ]) {
    assert.equal(checkBaseUrl(url), url);
  }
  for (const url of ['http://8.8.8.8/v1', 'http://example.com/v1', 'http://172.32.0.1/', 'ftp://127.0.0.1/', 'not a url', 'https://u:p@example.com/', 'https://example.com/v1?key=x']) {
    assert.equal(code(() => checkBaseUrl(url)), 'ERR_AIGW_27718', url);
  }
  assert.equal(code(() => checkBaseUrl('https://example.com/' + 'a'.repeat(2048))), 'ERR_AIGW_27703');
  assert.equal(isLocalHost('[::ffff:10.0.0.1]'), true);
  assert.equal(isLocalHost('[2001:db8::1]'), false);
});

test('Go durations parse to milliseconds; anything else is refused', () => {
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', '30', 's', '1m 30s', '-5s', '1d', '5sx']) assert.equal(parseDuration(bad), undefined, bad);
});

test('router rules: scope, steps and keys are checked; ids only, ordered, user steps', () => {
  const ok = normalizeRouter({ rules: [{ provider: 'openai', steps: [{ type: 'user', keys: [{ id: 'k1' }, { id: 'k2' }] }, { type: 'user', keys: [{ id: 'k3' }] }] }] });
  assert.deepEqual(ok.rules[0]!.steps.map((s) => s.keys.map((k) => k.id)), [['k1', 'k2'], ['k3']]);
  assert.equal(ok.rules[0]!.steps[0]!.keySelectionStrategy, 'ordered');
  const bad = [
    { rules: [{ steps: [{ type: 'user', keys: [{ id: 'k1' }] }] }] },
    { rules: [{ provider: 'openai', steps: [] }] },
    { rules: [{ provider: 'openai', steps: [{ type: 'ngrok' }] }] },
    { rules: [{ provider: 'openai', steps: [{ type: 'user', keys: [] }] }] },
    { rules: [{ provider: 'openai', steps: [{ type: 'user', keys: [{ id: 'k1' }, { id: 'k1' }] }] }] },
    { rules: [{ provider: 'openai', steps: [{ type: 'user', keys: [{ name: 'n', value: 'sk-x' }] }] }] },
    { rules: [{ provider: 'openai', model: 'anthropic:claude', steps: [{ type: 'user', keys: [{ id: 'k1' }] }] }] },
    {
      rules: [
        { provider: 'openai', steps: [{ type: 'user', keys: [{ id: 'k1' }] }] },
        { provider: 'openai', steps: [{ type: 'user', keys: [{ id: 'k2' }] }] },
      ],
    },
  ];
  for (const router of bad) assert.equal(code(() => normalizeRouter(router)), 'ERR_AIGW_27605', JSON.stringify(router));
});

test('key selection strategies: roundRobin and weighted are kept, weights only on weighted steps and above 0', () => {
  const step = (keySelectionStrategy: string | undefined, ...keys: { id: string; weight?: number }[]) =>
    normalizeRouter({ rules: [{ provider: 'openai', steps: [{ type: 'user', keySelectionStrategy, keys }] }] }).rules[0]!.steps[0]!;
  assert.deepEqual(step('roundRobin', { id: 'a' }, { id: 'b' }), { type: 'user', keySelectionStrategy: 'roundRobin', keys: [{ id: 'a' }, { id: 'b' }] });
  assert.deepEqual(step('weighted', { id: 'a', weight: 2.5 }, { id: 'b' }).keys, [{ id: 'a', weight: 2.5 }, { id: 'b', weight: 1 }], 'a key without a weight weighs 1');
  assert.equal(code(() => step('random', { id: 'a' })), 'ERR_AIGW_27720');
  assert.equal(code(() => step('Ordered', { id: 'a' })), 'ERR_AIGW_27720');
  for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1_000_001]) {
    assert.equal(code(() => step('weighted', { id: 'a', weight })), 'ERR_AIGW_27721', String(weight));
  }
  assert.equal(code(() => step(undefined, { id: 'a', weight: 1 })), 'ERR_AIGW_27722');
  assert.equal(code(() => step('roundRobin', { id: 'a', weight: 1 })), 'ERR_AIGW_27722');
});

test('key lifetimes: durations with units, future RFC 3339 expiries, grace periods up to 30 days', () => {
  assert.equal(parseKeyDuration('90s', 'x'), 90_000);
  assert.equal(parseKeyDuration('1h30m', 'x'), 5_400_000);
  assert.equal(parseKeyDuration('7d', 'x'), 604_800_000);
  assert.equal(parseKeyDuration('2w', 'x'), 1_209_600_000);
  assert.equal(parseKeyDuration('0', 'x'), 0);
  for (const bad of ['', '30', 'd', '1.5h', '-5s', '1y', '5sx', '1h 30m', '1ms']) assert.equal(code(() => parseKeyDuration(bad, 'x')), 'ERR_AIGW_10040', bad);
  const now = Date.parse('2026-12-02T12:00:00Z');
  assert.equal(expiryIn('2h', now), '2026-12-02T14:00:00.000Z');
  assert.equal(code(() => expiryIn('0', now)), 'ERR_AIGW_10042');
  assert.equal(code(() => expiryIn('999999999w', now)), 'ERR_AIGW_10040');
  assert.equal(futureExpiry('2026-12-02T13:00:00+01:00', now - 1), '2026-12-02T12:00:00.000Z', 'kept in UTC');
  assert.equal(code(() => futureExpiry('2026-12-02T13:00:00+01:00', now)), 'ERR_AIGW_10042', 'now is not the future');
  for (const bad of ['tomorrow', '2026-12-02', '2026-12-02T12:00:00', '2026-13-02T12:00:00Z', '+020000-01-01T00:00:00Z']) {
    assert.equal(code(() => futureExpiry(bad, now)), 'ERR_AIGW_10041', bad);
  }
  assert.equal(gracePeriodMs(undefined), 0);
  assert.equal(gracePeriodMs('30d'), 2_592_000_000);
  assert.equal(code(() => gracePeriodMs('30d1s')), 'ERR_AIGW_10043');
});

test('a deleted key leaves its steps; empty steps and rules go', () => {
  const router = normalizeRouter({
    rules: [
      { provider: 'openai', steps: [{ type: 'user', keys: [{ id: 'a' }, { id: 'b' }] }, { type: 'user', keys: [{ id: 'b' }] }] },
      { provider: 'groq', steps: [{ type: 'user', keys: [{ id: 'b' }] }] },
    ],
  });
  const after = withoutProviderKey(router, 'b');
  assert.deepEqual(after, { rules: [{ provider: 'openai', steps: [{ type: 'user', keySelectionStrategy: 'ordered', keys: [{ id: 'a' }] }] }] });
});
