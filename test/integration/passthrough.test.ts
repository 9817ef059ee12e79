import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { MockUpstream } from '../helpers/mock-upstream.js';

let home: TestHome;
let mock: MockUpstream;
let gatewayUrl: string;

const hello = [{ role: 'user' as const, content: 'hi' }];
const openai = (apiKey: string, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey, baseURL: `${gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000, defaultHeaders: headers });
/** The redaction aigw documents for a standard-length key. */
const redacted = (key: string) => `${key.slice(0, 10)}***${key.slice(-4)}`;

/** A key of the caller's own, which the mock accepts. */
function ownKey(prefix = 'sk-proj-'): string {
  const key = fakeKey(prefix);
  mock.accept(key);
  return key;
}

async function usageOf(requestId: string) {
  const list = await home.json(['usage', 'list', '--include-retries']);
  return (list.aiGatewayUsage as any[]).filter((e) => e.requestId === requestId);
}

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome();
  gatewayUrl = await home.gatewayUrl();
  const urls = ['openai', 'anthropic', 'deepseek', 'groq'].flatMap((p) => ['--provider-base-url', `${p}=${mock.baseUrl}`]);
  await home.json(['gateway', 'config', 'set', ...urls]);
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

describe('passthrough with the caller\'s own key', () => {
  test('is off by default: a key of the caller\'s own is refused and never forwarded', async () => {
    const key = ownKey();
    mock.clear();
    const err = await openai(key).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'ERR_AIGW_27201');
    assert.equal(mock.requests.length, 0);
  });

  test('enabled for a provider aigw holds no key for: forwarded with the caller\'s key, recorded as passthrough', async () => {
    const enabled = await home.json(['providers', 'passthrough', 'enable', 'openai']);
    assert.deepEqual(enabled, { providerId: 'openai', enabled: true, allowNonLoopback: false, active: true });
    const key = ownKey();
    mock.clear();
    const { data, response } = await openai(key).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).withResponse();
    assert.equal(data.object, 'chat.completion');
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]!.key, key);
    assert.equal(mock.requests[0]!.headers['x-api-key'], undefined);

    const events = await usageOf(response.headers.get('x-aigw-request-id')!);
    assert.equal(events.length, 1);
    assert.equal(events[0].keySource, 'passthrough');
    assert.equal(events[0].accessKeyId, null);
    assert.equal(events[0].providerKeyId, undefined);
    assert.equal(events[0].providerKeyDisplayName, redacted(key));
    assert.equal(events[0].inputTokens > 0, true);
    assert.ok(!home.files().some((f) => f.bytes.includes(key)), 'the caller\'s key reached the disk');
  });

  test('the caller\'s key is scrubbed from an upstream error passed back', async () => {
    const key = ownKey();
    mock.set(key, { status: 400, echoKey: true });
    const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: hello }),
    });
    const text = await res.text();
    assert.equal(res.status, 400);
    assert.match(text, /mock failure 400: got key/);
    assert.ok(!text.includes(key), text);
    assert.ok(!text.includes(key.slice(3, 20)), text);
  });

  test('a failed passthrough names the redacted key only', async () => {
    const key = fakeKey(); // not accepted by the mock: 401 upstream, then nothing else to try
    const res = await fetch(`${gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: hello }),
    });
    const text = await res.text();
    assert.equal(res.status, 502);
    assert.ok(text.includes(redacted(key)), text);
    assert.ok(!text.includes(key), text);
  });

  test('not for a provider without passthrough, nor one aigw holds a key for', async () => {
    const stored = fakeKey();
    mock.accept(stored);
    await home.json(['provider-keys', 'create', '--provider-id', 'deepseek', '--value-stdin'], { input: stored });
    await home.json(['providers', 'passthrough', 'enable', 'deepseek']);
    const key = ownKey();
    mock.clear();
    for (const model of ['deepseek:deepseek-chat', 'groq:llama-3.1-8b-instant']) {
      const err = await openai(key).chat.completions.create({ model, messages: hello }).catch((e) => e);
      assert.equal(err.status, 401, model);
      assert.equal(err.code, 'ERR_AIGW_30070');
    }
    // A fallback list is all or nothing: one model passthrough may not use refuses the request.
    const err = await openai(key)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello, models: ['groq:llama-3.1-8b-instant'] } as any)
      .catch((e) => e);
    assert.equal(err.status, 401);
    assert.equal(mock.requests.length, 0);
    // The Anthropic SDK's x-api-key is a credential too, and anthropic has no passthrough.
    const claude = new Anthropic({ apiKey: ownKey('sk-ant-api03-'), baseURL: gatewayUrl, maxRetries: 0 });
    const refused = await claude.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: hello }).catch((e) => e);
    assert.equal(refused.status, 401);
    assert.equal(mock.requests.length, 0);
  });

  test('the Anthropic SDK\'s own key goes upstream in Anthropic\'s header', async () => {
    await home.json(['providers', 'passthrough', 'enable', 'anthropic']);
    const key = ownKey('sk-ant-api03-');
    mock.clear();
    const claude = new Anthropic({ apiKey: key, baseURL: gatewayUrl, maxRetries: 0 });
    const message = await claude.messages.create({ model: 'claude-3-5-haiku-latest', max_tokens: 5, messages: hello });
    assert.equal(message.type, 'message');
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]!.headers['x-api-key'], key);
    assert.equal(mock.requests[0]!.headers.authorization, undefined);
    await home.json(['providers', 'passthrough', 'disable', 'anthropic']);
  });

  test('a request with an aigw access key never sends its own credential upstream', async () => {
    const access = await home.json(['access-keys', 'create', '--name', 'with-key']);
    const stored = fakeKey();
    mock.accept(stored);
    await home.json(['provider-keys', 'create', '--provider-id', 'groq', '--value-stdin', '--ai-gateway-api-key-id', access.id], {
      input: stored,
    });
    await home.json(['providers', 'passthrough', 'enable', 'groq']);
    const key = ownKey();
    mock.clear();
    await openai(access.token, { 'x-api-key': key }).chat.completions.create({ model: 'groq:llama-3.1-8b-instant', messages: hello });
    assert.equal(mock.requests.length, 1);
    assert.equal(mock.requests[0]!.key, stored);
    assert.ok(!JSON.stringify(mock.requests[0]!.headers).includes(key));
    // With an access key, a passthrough provider the key may use gets no credential of the caller's either.
    const err = await openai(access.token, { 'x-api-key': key }).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(err.status, 503);
    assert.equal(err.code, 'ERR_AIGW_27202');
    assert.equal(mock.requests.length, 1);
  });

  test('an aigw access key token, unknown or deleted, is never treated as the caller\'s provider key', async () => {
    const access = await home.json(['access-keys', 'create', '--name', 'doomed']);
    assert.equal((await home.run(['access-keys', 'delete', access.id, '--yes'])).code, 0);
    mock.accept(access.token);
    mock.clear();
    const err = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'ERR_AIGW_27201');
    // Nor beside a provider key in the other header.
    const both = await openai(ownKey(), { 'x-api-key': access.token }).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(both.status, 401);
    assert.equal(mock.requests.length, 0);
  });

  test('disable turns it off again', async () => {
    const disabled = await home.json(['providers', 'passthrough', 'disable', 'openai']);
    assert.equal(disabled.enabled, false);
    mock.clear();
    const err = await openai(ownKey()).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(err.status, 401);
    assert.equal(mock.requests.length, 0);
  });

  test('an unknown provider is a usage error', async () => {
    await home.fails(['providers', 'passthrough', 'enable', 'nosuch'], 2, 'ERR_AIGW_27508');
  });
});

describe('passthrough and the listen address', () => {
  test('refused on a non-loopback gateway unless --allow-non-loopback; a loopback setting stays off there', async () => {
    const other = new TestHome();
    try {
      await other.json(['providers', 'passthrough', 'enable', 'openai']);
      await other.inProcess(['daemon', 'stop']);
      other.env.AIGW_GATEWAY_LISTEN = '0.0.0.0:0';
      const url = (await other.gatewayUrl()).replace('0.0.0.0', '127.0.0.1');
      await other.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`]);
      const config = await other.json(['gateway', 'config', 'get']);
      assert.deepEqual(config.passthroughProviders, { openai: { allowNonLoopback: false, active: false } });
      const key = ownKey();
      mock.clear();
      const client = new OpenAI({ apiKey: key, baseURL: `${url}/v1`, maxRetries: 0 });
      const err = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
      assert.equal(err.status, 401);
      assert.equal(mock.requests.length, 0);

      const before = await other.snapshot();
      const refused = await other.fails(['providers', 'passthrough', 'enable', 'groq'], 5, 'ERR_AIGW_10060');
      assert.match(refused.stderr, /--allow-non-loopback/);
      assert.deepEqual(await other.snapshot(), before);

      const allowed = await other.run(['providers', 'passthrough', 'enable', 'openai', '--allow-non-loopback', '-o', 'json']);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.match(allowed.stderr, /warning: /);
      assert.equal(JSON.parse(allowed.stdout).active, true);
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
      assert.equal(mock.requests.at(-1)!.key, key);
    } finally {
      await other.cleanup();
    }
  });
});
