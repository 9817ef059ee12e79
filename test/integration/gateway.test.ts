import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { MockUpstream, type Behaviour } from '../helpers/mock-upstream.js';

let home: TestHome;
let mock: MockUpstream;
let gatewayUrl: string;
/** Every access key token the tests were given: none may ever be written down. */
const tokens: string[] = [];

interface AccessKey {
  id: string;
  token: string;
}

/** An access key, created through the real CLI; its token is shown once, in the JSON output. */
async function accessKey(configId?: string): Promise<AccessKey> {
  const args = ['access-keys', 'create', '--name', 'test'];
  if (configId) args.push('--access-key-configuration-id', configId);
  const created = await home.json(args);
  assert.ok(created.token, 'the create output carries the token');
  tokens.push(created.token);
  return { id: created.id, token: created.token };
}

/** A provider key the mock accepts, attached to one access key so tests never share keys. */
async function providerKey(providerId: string, access: AccessKey, value = fakeKey(providerId === 'anthropic' ? 'sk-ant-api03-' : 'sk-proj-')) {
  mock.accept(value);
  const created = await home.json(
    ['provider-keys', 'create', '--provider-id', providerId, '--value-stdin', '--ai-gateway-api-key-id', access.id],
    { input: value },
  );
  return { id: created.id as string, value, keyRedacted: created.keyRedacted as string };
}

const openai = (token: string) => new OpenAI({ apiKey: token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000 });
const anthropic = (token: string) => new Anthropic({ apiKey: token, baseURL: gatewayUrl, maxRetries: 0, timeout: 20_000 });
const hello = [{ role: 'user' as const, content: 'hi' }];

/** No header the mock received carries the access key, in any form. */
function assertNeverSawToken(token: string): void {
  for (const r of mock.requests) {
    assert.ok(!JSON.stringify(r.headers).includes(token), `the access key reached the upstream on ${r.path}`);
    assert.ok(!JSON.stringify(r.body ?? '').includes(token));
  }
}

/** A streamed chat completion whose upstream misbehaves: how many chunks arrived, and the error it ended with. */
async function streamThatFails(behaviour: Behaviour) {
  const access = await accessKey();
  const key = await providerKey('openai', access);
  mock.set(key.value, behaviour);
  const stream = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
  let received = 0;
  const err = await (async () => {
    for await (const _ of stream) received++;
  })().then(() => assert.fail('the stream ended cleanly'), (e) => e);
  return { received, err, key };
}

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome();
  gatewayUrl = await home.gatewayUrl();
  await home.json([
    'gateway',
    'config',
    'set',
    '--provider-base-url',
    `openai=${mock.baseUrl}`,
    '--provider-base-url',
    `anthropic=${mock.baseUrl}`,
    '--per-request-timeout',
    '1500ms',
    '--total-timeout',
    '10s',
  ]);
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

describe('OpenAI SDK through the gateway', () => {
  test('a plain completion uses the stored provider key, never the access key', async () => {
    const access = await accessKey();
    const key = await providerKey('openai', access);
    const { data, response } = await openai(access.token)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'hello from gpt-4o-mini');
    assert.match(response.headers.get('x-aigw-request-id') ?? '', /^req_[0-9a-f]{24}$/);
    assert.equal(response.headers.get('x-aigw-attempts'), '1');
    const seen = mock.seen(key.value);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.headers.authorization, `Bearer ${key.value}`);
    assert.equal(seen[0]!.body.model, 'gpt-4o-mini');
    assertNeverSawToken(access.token);
  });

  test('provider:model addressing and a streamed completion', async () => {
    const access = await accessKey();
    const key = await providerKey('openai', access);
    const { data: stream, response } = await openai(access.token)
      .chat.completions.create({
        model: 'openai:gpt-4.1',
        messages: hello,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    assert.match(String(response.headers.get('content-type')), /text\/event-stream/);
    assert.equal(response.headers.get('cache-control'), 'no-cache', "aigw's own, once (the upstream's is dropped)");
    assert.equal(response.headers.get('x-accel-buffering'), 'no');
    assert.equal(response.headers.get('x-aigw-attempts'), '1');
    assert.match(String(response.headers.get('x-aigw-request-id')), /^req_[0-9a-f]{24}$/);
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'hello from gpt-4.1');
    assert.equal(usage?.completion_tokens, 3);
    assert.equal(mock.seen(key.value)[0]!.body.model, 'gpt-4.1');
    assertNeverSawToken(access.token);
  });

  test("the request's query string goes upstream as it came (api-version and the like)", async () => {
    const access = await accessKey();
    const key = await providerKey('openai', access);
    await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { query: { 'api-version': '2024-10-21' } });
    assert.equal(mock.seen(key.value)[0]!.path, '/v1/chat/completions?api-version=2024-10-21');
  });

  test('embeddings, completions and responses pass through', async () => {
    const access = await accessKey();
    await providerKey('openai', access);
    const client = openai(access.token);
    const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', encoding_format: 'float' });
    assert.deepEqual(embedding.data[0]!.embedding, [0.1, 0.2]);
    const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'x' });
    assert.equal(completion.choices[0]!.text, 'mock');
    const response = await client.responses.create({ model: 'gpt-4o', input: 'x' });
    assert.equal(response.status, 'completed');
  });

  test('a 429 on the first key fails over to the second, and the first key rests', async () => {
    const access = await accessKey();
    const first = await providerKey('openai', access);
    const second = await providerKey('openai', access);
    mock.set(first.value, { status: 429, retryAfter: '30' });
    const { data, response } = await openai(access.token)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'hello from gpt-4o-mini');
    assert.equal(response.headers.get('x-aigw-attempts'), '2');
    assert.equal(mock.seen(first.value).length, 1);
    assert.equal(mock.seen(second.value).length, 1);

    // Cooling down: the next request goes straight to the second key.
    const again = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).withResponse();
    assert.equal(again.response.headers.get('x-aigw-attempts'), '1');
    assert.equal(mock.seen(first.value).length, 1);

    // With the second key resting too, nothing is tried: a 503 with Retry-After.
    mock.set(second.value, { status: 429, retryAfter: '20' });
    await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch(() => undefined);
    const resting = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(resting.status, 503);
    assert.equal(resting.code, 'ERR_AIGW_30006');
    assert.equal(resting.headers.get('x-aigw-attempts'), '0');
    assert.ok(Number(resting.headers.get('retry-after')) > 0);
    assert.equal(mock.seen(second.value).length, 3);

    const requestId = response.headers.get('x-aigw-request-id');
    const usage = await home.json(['usage', 'list', '--include-retries', '--access-key-id', access.id]);
    const events = usage.aiGatewayUsage.filter((e: any) => e.requestId === requestId).reverse();
    assert.deepEqual(
      events.map((e: any) => [e.attemptNumber, e.statusCode, e.providerKeyId, e.isFinalAttempt]),
      [
        [1, 429, first.id, false],
        [2, 200, second.id, true],
      ],
    );
    assert.equal(events[0].providerKeyDisplayName, first.keyRedacted);
    assert.equal(events[1].inputTokens, 11);
    assert.equal(events[1].outputTokens, 5);
    assert.equal(events[1].stopReason, 'stop');
  });

  test('a key that stalls times out and the next key answers', async () => {
    const access = await accessKey();
    const slow = await providerKey('openai', access);
    const fine = await providerKey('openai', access);
    mock.set(slow.value, { stall: true });
    const { data, response } = await openai(access.token)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, 'hello from gpt-4o-mini');
    assert.equal(response.headers.get('x-aigw-attempts'), '2');
    assert.equal(mock.seen(fine.value).length, 1);
  });

  test('every key failing gives a 502 naming each attempt by its redacted key', async () => {
    const access = await accessKey();
    const broken = await providerKey('openai', access);
    const revoked = await providerKey('openai', access);
    mock.set(broken.value, { status: 500 });
    mock.set(revoked.value, { status: 401 });
    const err = await openai(access.token)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: hello })
      .then(() => assert.fail('expected an error'), (e) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'ERR_AIGW_27613');
    assert.equal(err.headers.get('x-aigw-attempts'), '2');
    assert.match(err.message, new RegExp(`${broken.id} \\(${broken.keyRedacted.replace(/\*/g, '\\*')}\\): 500`));
    assert.match(err.message, new RegExp(`${revoked.id} .*: 401`));
    const attempts = (err.error as any).attempts;
    assert.deepEqual(attempts.map((a: any) => [a.providerKeyId, a.status]), [
      [broken.id, 500],
      [revoked.id, 401],
    ]);
    assert.ok(!JSON.stringify(err.error).includes(broken.value));
    assert.ok(!JSON.stringify(err.error).includes(revoked.value));
  });

  test('a model fallback list moves on to the next model', async () => {
    const access = await accessKey();
    const oa = await providerKey('openai', access);
    const an = await providerKey('anthropic', access);
    mock.set(oa.value, { status: 503 });
    const completion = await openai(access.token).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: hello,
      // @ts-expect-error aigw's fallback list is not in the SDK's types
      models: ['anthropic:claude-sonnet-4-6'],
    });
    assert.equal(completion.choices[0]!.message.content, 'hello from claude-sonnet-4-6');
    const seen = mock.seen(an.value)[0]!;
    assert.equal(seen.path, '/v1/chat/completions');
    assert.equal(seen.headers['x-api-key'], an.value);
    assert.equal(seen.body.models, undefined, 'the fallback list is not sent upstream');
  });

  test('other 4xx answers come back untouched, without failover', async () => {
    const access = await accessKey();
    const first = await providerKey('openai', access);
    const second = await providerKey('openai', access);
    mock.set(first.value, { status: 400 });
    const err = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.equal(err.status, 400);
    assert.equal(err.message, '400 mock failure 400');
    assert.equal(mock.seen(second.value).length, 0);
  });

  test('a missing, unknown or deleted access key gets a 401 the SDK understands', async () => {
    const missing = await fetch(`${gatewayUrl}/v1/chat/completions`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    assert.equal(missing.status, 401);
    assert.equal(((await missing.json()) as any).error.code, 'ERR_AIGW_27201');

    const unknown = await openai('aigw_notarealkey').models.list().catch((e) => e);
    assert.ok(unknown instanceof OpenAI.AuthenticationError);

    const access = await accessKey();
    await providerKey('openai', access);
    await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    const deleted = await home.run(['access-keys', 'delete', access.id, '--yes', '--force']);
    assert.equal(deleted.code, 0, deleted.stderr);
    const after = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch((e) => e);
    assert.ok(after instanceof OpenAI.AuthenticationError, String(after));
    assert.match(after.message, /unknown or was deleted/);
  });

  test('a model the configuration does not allow is refused before any upstream call', async () => {
    const config = await home.json([
      'configs',
      'create',
      '--name',
      'mini only',
      '--allow-provider',
      'openai',
      '--allow-model',
      'openai:gpt-4o-mini',
    ]);
    const access = await accessKey(config.id);
    const key = await providerKey('openai', access);
    const err = await openai(access.token).chat.completions.create({ model: 'gpt-4o', messages: hello }).catch((e) => e);
    assert.ok(err instanceof OpenAI.PermissionDeniedError, String(err));
    assert.equal(err.code, 'ERR_AIGW_30003');
    const claude = await anthropic(access.token)
      .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: hello })
      .catch((e) => e);
    assert.ok(claude instanceof Anthropic.PermissionDeniedError, String(claude));
    assert.equal(mock.seen(key.value).length, 0);
    const ok = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    assert.equal(ok.choices[0]!.message.content, 'hello from gpt-4o-mini');

    const models = await openai(access.token).models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['openai:gpt-4o-mini']);
  });

  test('a client that aborts mid-stream aborts the upstream request', async () => {
    const access = await accessKey();
    const key = await providerKey('openai', access);
    mock.set(key.value, { slowMs: 50 });
    const stream = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
    let chunks = 0;
    for await (const _ of stream) {
      if (++chunks === 3) break; // leaving the loop aborts the SDK's request
    }
    await mock.waitFor(() => mock.seen(key.value)[0]?.aborted === true);
  });

  test('an upstream that breaks mid-stream ends the stream with an error event', async () => {
    const { received, err } = await streamThatFails({ breakStream: true });
    assert.equal(received, 2);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.match(err.message, /broke off/);
  });
});

test('an upstream that goes quiet mid-stream is cut off after the per-request timeout, with an error event', async () => {
  const { received, err, key } = await streamThatFails({ stallStream: true });
  assert.equal(received, 2);
  assert.match(String(err?.message), /no data for 1500 ms/);
  await mock.waitFor(() => mock.seen(key.value)[0]?.aborted === true);
});

describe('routing', () => {
  test("a configuration's router rule decides the keys and their order", async () => {
    const access = await accessKey();
    const first = await providerKey('openai', access);
    const second = await providerKey('openai', access);
    const unused = await providerKey('openai', access);
    const config = await home.json(['configs', 'create', '--name', 'second first', '--route-provider', 'openai', '--step', second.id, '--step', first.id]);
    const linked = await home.run(['access-keys', 'update', access.id, '--access-key-configuration-id', config.id]);
    assert.equal(linked.code, 0, linked.stderr);
    mock.set(second.value, { status: 500 });
    const { response } = await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).withResponse();
    assert.equal(response.headers.get('x-aigw-attempts'), '2');
    const order = mock.requests.filter((r) => [first.value, second.value, unused.value].includes(r.key!)).map((r) => r.key);
    assert.deepEqual(order, [second.value, first.value]);
  });

  test('a custom provider routes to its base URL, with or without a key', async () => {
    const created = await home.json(['providers', 'create', '--provider-id', 'local-llm', '--name', 'Local', '--base-url', mock.baseUrl, '--model', 'llama3']);
    assert.equal(created.providerId, 'local-llm');
    const access = await accessKey();
    mock.allowNoKey = true;
    try {
      const keyless = await openai(access.token).chat.completions.create({ model: 'llama3', messages: hello });
      assert.equal(keyless.choices[0]!.message.content, 'hello from llama3');
      const seen = mock.requests.at(-1)!;
      assert.equal(seen.key, undefined, 'no credential at all goes to a keyless custom provider');
      assert.ok(!JSON.stringify(seen.headers).includes(access.token));
    } finally {
      mock.allowNoKey = false;
    }
    const key = await providerKey('local-llm', access);
    const keyed = await openai(access.token).chat.completions.create({ model: 'local-llm:llama3', messages: hello });
    assert.equal(keyed.choices[0]!.message.content, 'hello from llama3');
    assert.equal(mock.seen(key.value)[0]!.headers.authorization, `Bearer ${key.value}`);
    const models = await openai(access.token).models.list();
    assert.ok(models.data.some((m) => m.id === 'local-llm:llama3'));
  });
});

describe('Anthropic SDK through the gateway', () => {
  test('messages, plain and streamed, carry the key in x-api-key', async () => {
    const access = await accessKey();
    const key = await providerKey('anthropic', access);
    const client = anthropic(access.token);
    const message = await client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 20, messages: hello });
    assert.deepEqual(message.content, [{ type: 'text', text: 'hello from claude-sonnet-4-6' }]);

    const stream = client.messages.stream({ model: 'anthropic:claude-opus-4-1', max_tokens: 20, messages: hello });
    const final = await stream.finalMessage();
    assert.deepEqual(final.content, [{ type: 'text', text: 'hello from claude-opus-4-1' }]);
    assert.equal(final.usage.output_tokens, 4);

    const seen = mock.seen(key.value);
    assert.equal(seen.length, 2);
    for (const r of seen) {
      assert.equal(r.headers['x-api-key'], key.value);
      assert.equal(r.headers.authorization, undefined);
      assert.ok(r.headers['anthropic-version']);
    }
    assertNeverSawToken(access.token);

    const usage = await home.json(['usage', 'list', '--access-key-id', access.id]);
    const streamed = usage.aiGatewayUsage.find((e: any) => e.isStreaming);
    assert.deepEqual([streamed.inputTokens, streamed.outputTokens, streamed.stopReason], [9, 4, 'end_turn']);
  });

  test('errors come back in Anthropic shape', async () => {
    const err = await anthropic('aigw_bogus').messages.create({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: hello }).catch((e) => e);
    assert.ok(err instanceof Anthropic.AuthenticationError, String(err));
    assert.equal((err.error as any).type, "error");
    assert.equal((err.error as any).error.type, "authentication_error");

    const access = await accessKey();
    const key = await providerKey('anthropic', access);
    mock.set(key.value, { breakStream: true });
    const broken = await anthropic(access.token)
      .messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 5, messages: hello })
      .finalMessage()
      .catch((e) => e);
    assert.ok(broken instanceof Anthropic.APIError, String(broken));
    assert.match(broken.message, /broke off/);
  });
});

describe('provider-keys test, usage and secrecy', () => {
  test('provider-keys test says whether a stored key still works', async () => {
    const access = await accessKey();
    const good = await providerKey('openai', access);
    const result = await home.json(['provider-keys', 'test', good.id]);
    assert.equal(result.ok, true);
    assert.equal(result.statusCode, 200);
    assert.equal(result.keyRedacted, good.keyRedacted);
    assert.equal(mock.seen(good.value).at(-1)!.path, '/v1/models');
    const shown = await home.runTty(['provider-keys', 'test', good.id]);
    assert.match(shown.stdout, /Valid.*yes/);
    assert.ok(!shown.stdout.includes(good.value));

    const bad = await providerKey('anthropic', access);
    mock.set(bad.value, { status: 401 });
    const failed = await home.run(['provider-keys', 'test', bad.id, '-o', 'json']);
    assert.equal(failed.code, 1);
    assert.equal(JSON.parse(failed.stdout).ok, false);
    assert.match(failed.stderr, /rejected the key/);
    assert.ok(!failed.stdout.includes(bad.value) && !failed.stderr.includes(bad.value));

    // A provider that cannot be reached is not a refused key: its own code and exit status.
    await home.run(['gateway', 'config', 'set', '--provider-base-url', 'groq=http://127.0.0.1:1/v1']);
    const unreachable = await providerKey('groq', access);
    const down = await home.fails(['provider-keys', 'test', unreachable.id, '-o', 'plain'], 4, 'ERR_AIGW_20013');
    assert.match(down.stderr, /could not check .*could not reach/);
    assert.match(down.stdout, /^latencyMs\t\d+$/m);
    await home.run(['gateway', 'config', 'set', '--provider-base-url', 'groq=']);
  });

  test('usage overview buckets requests per day by provider and by access key', async () => {
    const access = await accessKey();
    await providerKey('openai', access);
    await openai(access.token).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    const byProvider = await home.json(['usage', 'overview']);
    const today = new Date().toISOString().slice(0, 10);
    const openaiBucket = byProvider.buckets.find((b: any) => b.groupKey === 'openai');
    assert.equal(openaiBucket.bucketStart, `${today}T00:00:00Z`);
    assert.ok(openaiBucket.requests >= 1);
    assert.ok(byProvider.totals.requests >= openaiBucket.requests);
    const byKey = await home.json(['usage', 'overview', '--group-by', 'accessKey', '--start-time', '1h']);
    assert.deepEqual(
      byKey.buckets.filter((b: any) => b.groupKey === access.id).map((b: any) => [b.requests, b.errors]),
      [[1, 0]],
    );
    const plain = await home.run(['usage', 'list', '--include-retries']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /openai:gpt-4o-mini/);
    const quiet = await home.run(['usage', 'list', '-q']);
    assert.match(quiet.stdout, /^aigue_[0-9a-z]{26}$/m);
    const table = await home.runTty(['usage', 'list', '--access-key-id', access.id]);
    assert.match(table.stdout, /PROVIDER KEY/);
    assert.match(table.stdout, /openai:gpt-4o-mini/);
    const overviewTable = await home.runTty(['usage', 'overview', '--group-by', 'accessKey']);
    assert.match(overviewTable.stdout, new RegExp(`${today}.*${access.id}`));
    assert.match(overviewTable.stdout, /Total: \d+ requests/);

    const keys = await home.json(['provider-keys', 'list']);
    assert.ok(keys.aiGatewayProviderKeys.some((k: any) => k.lastUsed), 'lastUsed is recorded');
    const accessKeys = await home.json(['access-keys', 'get', access.id]);
    assert.ok(accessKeys.lastUsed);
  });

  test('no plaintext provider key or access key reaches the disk, the log or the usage API', async () => {
    await home.inProcess(['daemon', 'stop']);
    const secrets = mock.requests.map((r) => r.key).filter((k): k is string => Boolean(k));
    assert.ok(secrets.length > 5);
    for (const file of home.files()) {
      for (const secret of secrets) assert.ok(!file.bytes.includes(secret), `${file.path} holds a provider key`);
      for (const token of tokens) assert.ok(!file.bytes.includes(token), `${file.path} holds an access key token`);
    }
  });
});
