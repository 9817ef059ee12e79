import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';
import { MockUpstream } from '../helpers/mock-upstream.js';

/**
 * The lifecycle of keys through the real daemon and the official SDKs: expiry, disable and enable, rotation
 * with a grace period, and the router's key selection strategies. Waits use short real durations (2–3 s):
 * the expiry is compared with the clock on every request, not when the routing snapshot loads.
 */
let home: TestHome;
let mock: MockUpstream;
let gatewayUrl: string;

interface AccessKey {
  id: string;
  token: string;
  expiresAt: string | null;
}

async function accessKey(...flags: string[]): Promise<AccessKey> {
  const created = await home.json(['access-keys', 'create', '--name', 'lifecycle', ...flags]);
  return { id: created.id, token: created.token, expiresAt: created.expiresAt };
}

async function providerKey(access: AccessKey, name = 'k'): Promise<{ id: string; value: string }> {
  const value = fakeKey();
  mock.accept(value);
  const created = await home.json(
    ['provider-keys', 'create', '--provider-id', 'openai', '--name', name, '--value-stdin', '--ai-gateway-api-key-id', access.id],
    { input: value },
  );
  return { id: created.id, value };
}

const openai = (token: string) => new OpenAI({ apiKey: token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000 });
const anthropic = (token: string) => new Anthropic({ apiKey: token, baseURL: gatewayUrl, maxRetries: 0, timeout: 20_000 });
const hello = [{ role: 'user' as const, content: 'hi' }];
const chat = (token: string) => openai(token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
const sleepUntil = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));

/** The token is refused with this code and a message matching `reason`, in OpenAI's and in Anthropic's shape; no upstream call. */
async function refusedInBothShapes(token: string, code: string, reason: RegExp): Promise<void> {
  const calls = mock.requests.length;
  const viaOpenai = await chat(token).then(() => assert.fail('OpenAI shape: the request was served'), (e) => e);
  assert.ok(viaOpenai instanceof OpenAI.AuthenticationError, String(viaOpenai));
  assert.equal(viaOpenai.status, 401);
  assert.equal(viaOpenai.code, code);
  assert.match(viaOpenai.message, reason);
  const viaAnthropic = await anthropic(token)
    .messages.create({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: hello })
    .then(() => assert.fail('Anthropic shape: the request was served'), (e) => e);
  assert.ok(viaAnthropic instanceof Anthropic.AuthenticationError, String(viaAnthropic));
  const body = viaAnthropic.error as { type: string; error: { type: string; code: string; message: string } };
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'authentication_error');
  assert.equal(body.error.code, code);
  assert.match(body.error.message, reason);
  assert.equal(mock.requests.length, calls, 'a refused token never reaches the upstream');
}

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome();
  gatewayUrl = await home.gatewayUrl();
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--provider-base-url', `anthropic=${mock.baseUrl}`]);
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

describe('access key lifecycle', () => {
  test('an expired token gets 401 saying when it expired, checked against the clock on each request', async () => {
    const access = await accessKey('--expires-in', '3s');
    await providerKey(access);
    const expiresAtMs = Date.parse(access.expiresAt!);
    assert.ok(expiresAtMs > Date.now() && expiresAtMs <= Date.now() + 3000, access.expiresAt!);
    assert.ok((await chat(access.token)).choices.length, 'served before its expiry');
    const listed = await home.run(['access-keys', 'list']);
    assert.doesNotMatch(listed.stdout.split('\n').find((l) => l.startsWith(access.id))!, /\texpired\t/);

    await sleepUntil(expiresAtMs + 50);
    const at = new Date(expiresAtMs).toISOString().replace(/[.]/g, '\\.');
    await refusedInBothShapes(access.token, 'ERR_AIGW_30050', new RegExp(`${access.id} expired at ${at}`));
    const row = (await home.run(['access-keys', 'list'])).stdout.split('\n').find((l) => l.startsWith(access.id))!;
    assert.match(row, new RegExp(`\texpired\t${at}(\t|$)`), 'list shows it expired, and when');

    const extended = await home.json(['access-keys', 'update', access.id, '--expires-in', '1h']);
    assert.ok(Date.parse(extended.expiresAt) > Date.now() + 3_500_000);
    assert.ok((await chat(access.token)).choices.length, 'served again once extended');
    assert.equal((await home.json(['access-keys', 'update', access.id, '--no-expiry'])).expiresAt, null);
  });

  test('a disabled access key gets 401 saying so; enabled, it works again; nothing is deleted', async () => {
    const access = await accessKey();
    const key = await providerKey(access);
    await chat(access.token);
    const disabled = await home.json(['access-keys', 'disable', access.id]);
    assert.equal(disabled.disabled, true);
    await refusedInBothShapes(access.token, 'ERR_AIGW_30051', new RegExp(`${access.id} is disabled`));
    const row = (await home.run(['access-keys', 'list'])).stdout.split('\n').find((l) => l.startsWith(access.id))!;
    assert.match(row, /\tdisabled\t/);
    assert.equal((await home.json(['provider-keys', 'get', key.id])).accessKeyId, access.id, 'its provider keys stay');

    assert.equal((await home.json(['access-keys', 'enable', access.id])).disabled, false);
    assert.ok((await chat(access.token)).choices.length);
  });

  test('rotate keeps the id and everything on it; the old token works inside the grace period and not after', async () => {
    const config = await home.json(['configs', 'create', '--name', 'rotating', '--allow-provider', 'openai']);
    const access = await accessKey('--access-key-configuration-id', config.id, '--description', 'kept');
    await providerKey(access);
    const rotated = await home.run(['access-keys', 'rotate', access.id, '--grace', '3s', '-q']);
    assert.equal(rotated.code, 0, rotated.stderr);
    const token = rotated.stdout.trim();
    assert.match(token, /^aigw_[0-9A-Za-z]{36}$/, '-q prints only the new token');
    assert.notEqual(token, access.token);

    const got = await home.json(['access-keys', 'get', access.id]);
    assert.equal(got.id, access.id);
    assert.equal(got.description, 'kept');
    assert.equal(got.accessKeyConfiguration.id, config.id);
    assert.equal(got.token, undefined, 'the token is shown once');
    const graceEnd = Date.parse(got.previousTokenExpiresAt);
    assert.ok(graceEnd > Date.now() && graceEnd <= Date.now() + 3000);

    assert.ok((await chat(token)).choices.length, 'the new token works');
    assert.ok((await chat(access.token)).choices.length, 'the old token works inside the grace period');
    await sleepUntil(graceEnd + 50);
    await refusedInBothShapes(access.token, 'ERR_AIGW_30052', new RegExp(`access key ${access.id} was replaced by a rotation`));
    assert.ok((await chat(token)).choices.length, 'the new token still works');

    // Without --grace the replaced token stops at once.
    const json = await home.json(['access-keys', 'rotate', access.id]);
    assert.match(json.token, /^aigw_/);
    await refusedInBothShapes(token, 'ERR_AIGW_30052', /replaced by a rotation/);
    assert.ok((await chat(json.token)).choices.length);
  });
});

describe('provider keys: disable and enable', () => {
  test('a disabled key is skipped as if absent and failover goes on; enabled, it is used again; its rules stay', async () => {
    const access = await accessKey();
    const a = await providerKey(access, 'a');
    const b = await providerKey(access, 'b');
    const c = await providerKey(access, 'c');
    const config = await home.json(['configs', 'create', '--name', 'skip', '--route-provider', 'openai', '--step', `${a.id},${b.id}`, '--step', c.id]);
    await home.json(['access-keys', 'update', access.id, '--access-key-configuration-id', config.id]);
    mock.set(b.value, { status: 500 });

    assert.equal((await home.json(['provider-keys', 'disable', a.id])).disabled, true);
    const plain = await home.run(['provider-keys', 'get', a.id]);
    assert.match(plain.stdout, /^disabled\ttrue$/m);
    const listed = (await home.run(['provider-keys', 'list', '--ai-gateway-api-key-id', access.id])).stdout.split('\n');
    assert.deepEqual(listed.filter(Boolean).map((l) => [l.split('\t')[0], l.split('\t').at(-1)]), [[c.id, ''], [b.id, ''], [a.id, 'disabled']]);
    for (let i = 0; i < 3; i++) assert.ok((await chat(access.token)).choices.length);
    assert.equal(mock.seen(a.value).length, 0, 'no call with the disabled key');
    assert.equal(mock.seen(b.value).length, 3, 'the next key of the step is tried');
    assert.equal(mock.seen(c.value).length, 3, 'and then the next step');
    const rules = (await home.json(['configs', 'get', config.id])).router.rules;
    assert.deepEqual(rules[0].steps[0].keys.map((k: { id: string }) => k.id), [a.id, b.id], 'it stays in its router rule');

    assert.equal((await home.json(['provider-keys', 'enable', a.id])).disabled, false);
    await chat(access.token);
    assert.equal(mock.seen(a.value).length, 1, 'enabled, it is used again');

    for (const key of [a, b, c]) await home.json(['provider-keys', 'disable', key.id]);
    const none = await chat(access.token).then(() => assert.fail('served with every key disabled'), (e) => e);
    assert.equal(none.status, 503);
    assert.match(none.message, /every key is disabled/);
    mock.set(b.value, {});
  });
});

describe('key selection strategies', () => {
  /** An access key whose configuration routes openai through one step; its keys, and how many calls each got. */
  async function routed(step: (ids: string[]) => string, count: number) {
    const access = await accessKey();
    const keys = [];
    for (let i = 0; i < count; i++) keys.push(await providerKey(access, `s${i}`));
    const config = await home.json(['configs', 'create', '--name', 'strategy', '--route-provider', 'openai', '--step', step(keys.map((k) => k.id))]);
    await home.json(['access-keys', 'update', access.id, '--access-key-configuration-id', config.id]);
    return { access, keys, config };
  }

  /** `total` requests, 20 at a time, through one OpenAI client (keep-alive). */
  async function send(token: string, total: number): Promise<void> {
    const client = openai(token);
    for (let sent = 0; sent < total; sent += 20) {
      await Promise.all(Array.from({ length: Math.min(20, total - sent) }, () => client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello })));
    }
  }

  test('roundRobin spreads requests evenly over its keys, across snapshot rebuilds', async () => {
    const { access, keys, config } = await routed((ids) => `roundRobin:${ids.join(',')}`, 3);
    assert.equal(config.router.rules[0].steps[0].keySelectionStrategy, 'roundRobin');
    await send(access.token, 500);
    // A write rebuilds the routing snapshot; the round-robin position carries over.
    await accessKey();
    await send(access.token, 499);
    const counts = keys.map((k) => mock.seen(k.value).length);
    assert.deepEqual(counts, [333, 333, 333], 'each key starts one request in three');
  });

  test('roundRobin still fails over to the rest of the step when the chosen key fails', async () => {
    const { access, keys } = await routed((ids) => `roundRobin:${ids.join(',')}`, 2);
    mock.set(keys[0]!.value, { status: 429, retryAfter: '0' });
    await send(access.token, 10);
    assert.equal(mock.seen(keys[1]!.value).length, 10, 'every request was answered by the key that works');
    mock.set(keys[0]!.value, {});
  });

  test('weighted follows its weights within 5 standard deviations over 1,000 requests', async () => {
    const { access, keys, config } = await routed((ids) => `weighted:${ids[0]}=3,${ids[1]}=1`, 2);
    assert.deepEqual(config.router.rules[0].steps[0].keys.map((k: { weight: number }) => k.weight), [3, 1]);
    await send(access.token, 1000);
    const [heavy, light] = keys.map((k) => mock.seen(k.value).length);
    assert.equal(heavy! + light!, 1000);
    // Binomial(1000, 0.75): mean 750, standard deviation 13.7; ±70 is five of them.
    assert.ok(Math.abs(heavy! - 750) <= 70, `the key of weight 3 got ${heavy} of 1000`);
  });
});

describe('bad values are refused with a code and change nothing', () => {
  test('through the CLI', async () => {
    const access = await accessKey();
    const key = await providerKey(access);
    const before = await home.snapshot();
    const cases: [string[], string][] = [
      [['access-keys', 'create', '--expires-in', '5x'], 'ERR_AIGW_10040'],
      [['access-keys', 'create', '--expires-in', '0'], 'ERR_AIGW_10042'],
      [['access-keys', 'create', '--expires-at', '2020-01-01T00:00:00Z'], 'ERR_AIGW_10042'],
      [['access-keys', 'create', '--expires-at', 'tomorrow'], 'ERR_AIGW_10041'],
      [['access-keys', 'update', access.id, '--expires-in', '-3d'], 'ERR_AIGW_10040'],
      [['access-keys', 'update', access.id, '--expires-at', '2001-02-03T04:05:06+02:00'], 'ERR_AIGW_10042'],
      [['access-keys', 'update', access.id, '--expires-in', '1h', '--no-expiry'], 'ERR_AIGW_20002'],
      [['access-keys', 'rotate', access.id, '--grace', 'soon'], 'ERR_AIGW_10040'],
      [['access-keys', 'rotate', access.id, '--grace', '31d'], 'ERR_AIGW_10043'],
      [['configs', 'create', '--name', 'x', '--route-provider', 'openai', '--step', `random:${key.id}`], 'ERR_AIGW_27720'],
      [['configs', 'create', '--name', 'x', '--route-provider', 'openai', '--step', `weighted:${key.id}=0`], 'ERR_AIGW_27721'],
      [['configs', 'create', '--name', 'x', '--route-provider', 'openai', '--step', `${key.id}=-1`], 'ERR_AIGW_27721'],
      [['configs', 'create', '--name', 'x', '--route-provider', 'openai', '--step', `${key.id}=lots`], 'ERR_AIGW_27721'],
      [['configs', 'create', '--name', 'x', '--route-provider', 'openai', '--step', `roundRobin:${key.id}=2`], 'ERR_AIGW_27722'],
    ];
    for (const [args, code] of cases) {
      const result = await home.fails(args, 2, code);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line on stderr: ${result.stderr}`);
    }
    assert.deepEqual(await home.snapshot(), before);
  });

  test('through the API', async () => {
    const access = await accessKey();
    const key = await providerKey(access);
    const before = await home.snapshot();
    const step = (extra: object, keyExtra: object = {}) =>
      JSON.stringify({ name: 'x', router: { rules: [{ provider: 'openai', steps: [{ type: 'user', keys: [{ id: key.id, ...keyExtra }], ...extra }] }] } });
    const cases: [string, string, string, string][] = [
      ['POST', '/access-keys', JSON.stringify({ expiresAt: '2001-01-01T00:00:00Z' }), 'ERR_AIGW_10042'],
      ['POST', '/access-keys', JSON.stringify({ expiresAt: 'next week' }), 'ERR_AIGW_10041'],
      ['POST', '/access-keys', JSON.stringify({ expiresAt: '2099-02-30T00:00:00' }), 'ERR_AIGW_10041'],
      ['POST', '/access-keys', JSON.stringify({ disabled: 'yes' }), 'ERR_AIGW_10002'],
      ['PATCH', `/access-keys/${access.id}`, JSON.stringify({ expiresAt: new Date(Date.now() - 1000).toISOString() }), 'ERR_AIGW_10042'],
      ['PATCH', `/provider-keys/${key.id}`, JSON.stringify({ disabled: 1 }), 'ERR_AIGW_10002'],
      ['POST', `/access-keys/${access.id}/rotate`, JSON.stringify({ gracePeriod: '1y' }), 'ERR_AIGW_10040'],
      ['POST', `/access-keys/${access.id}/rotate`, JSON.stringify({ gracePeriod: '721h' }), 'ERR_AIGW_10043'],
      ['POST', `/access-keys/${access.id}/rotate`, JSON.stringify({ grace: '1h' }), 'ERR_AIGW_10002'],
      ['POST', '/access-key-configurations', step({ keySelectionStrategy: 'random' }), 'ERR_AIGW_27720'],
      ['POST', '/access-key-configurations', step({ keySelectionStrategy: 'weighted' }, { weight: 0 }), 'ERR_AIGW_27721'],
      ['POST', '/access-key-configurations', step({ keySelectionStrategy: 'weighted' }, { weight: -2 }), 'ERR_AIGW_27721'],
      ['POST', '/access-key-configurations', step({ keySelectionStrategy: 'weighted' }, { weight: 2e6 }), 'ERR_AIGW_27721'],
      ['POST', '/access-key-configurations', step({}, { weight: 2 }), 'ERR_AIGW_27722'],
      ['POST', '/access-key-configurations', step({ keySelectionStrategy: 'roundRobin' }, { weight: 2 }), 'ERR_AIGW_27722'],
    ];
    for (const [method, path, body, code] of cases) {
      const res = await rawApi(home.dir, method, path, body);
      assert.equal(res.body?.errorCode, code, `${method} ${path} ${body} → ${res.status} ${JSON.stringify(res.body)}`);
      assert.ok(res.status >= 400 && res.status < 500);
    }
    assert.deepEqual(await home.snapshot(), before);
  });

  test('the API takes expiresAt in any RFC 3339 offset and keeps it in UTC; null clears it', async () => {
    const created = await rawApi(home.dir, 'POST', '/access-keys', JSON.stringify({ name: 'short-lived', expiresAt: '2099-01-01T01:00:00+01:00' }));
    assert.equal(created.status, 201);
    assert.equal(created.body.expiresAt, '2099-01-01T00:00:00.000Z');
    assert.match(created.body.token, /^aigw_/);
    const cleared = await rawApi(home.dir, 'PATCH', `/access-keys/${created.body.id}`, JSON.stringify({ expiresAt: null }));
    assert.equal(cleared.body.expiresAt, null);
  });
});
