import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { calcPrice } from '@pydantic/genai-prices';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { http } from '../helpers/http.js';
import { MockUpstream, type Behaviour } from '../helpers/mock-upstream.js';

let home: TestHome;
let mock: MockUpstream;
let gatewayUrl: string;

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome();
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`, '--provider-base-url', `anthropic=${mock.baseUrl}`]);
  gatewayUrl = await home.gatewayUrl();
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

interface Keys {
  accessId: string;
  token: string;
  value: string;
}

/** An access key with one provider key attached (so each test sees only its own usage), the mock behaving as told. */
async function keys(providerId: string, behaviour: Behaviour = {}, configId?: string): Promise<Keys> {
  const access = await home.json(['access-keys', 'create', ...(configId ? ['--access-key-configuration-id', configId] : [])]);
  const value = fakeKey(providerId === 'anthropic' ? 'sk-ant-api03-' : 'sk-proj-');
  mock.accept(value);
  mock.set(value, behaviour);
  await home.json(['provider-keys', 'create', '--provider-id', providerId, '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: value });
  return { accessId: access.id, token: access.token, value };
}

const openai = (k: Keys) => new OpenAI({ apiKey: k.token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0 });
const anthropic = (k: Keys) => new Anthropic({ apiKey: k.token, baseURL: gatewayUrl, maxRetries: 0 });
const hello = [{ role: 'user' as const, content: 'hi' }];

async function events(k: Keys): Promise<any[]> {
  return (await home.json(['usage', 'list', '--all', '--access-key-id', k.accessId])).aiGatewayUsage;
}

async function onlyEvent(k: Keys): Promise<any> {
  const list = await events(k);
  assert.equal(list.length, 1, JSON.stringify(list));
  return list[0];
}

/** What @pydantic/genai-prices itself says the tokens cost: the bundled index must agree. */
function libraryCost(provider: string, model: string, t: { input: number; output: number; cacheRead?: number; cacheWrite?: number }): string {
  const usage = { input_tokens: t.input, output_tokens: t.output, cache_read_tokens: t.cacheRead ?? 0, cache_write_tokens: t.cacheWrite ?? 0 };
  const price = calcPrice(usage, model, { providerId: provider });
  assert.ok(price, `the table prices ${provider}:${model}`);
  return price.total_price.toFixed(8);
}

function assertTokens(e: any, expected: { input: number; output: number; cacheRead?: number; cacheWrite?: number }): void {
  assert.deepEqual(
    [e.tokensKnown, e.inputTokens, e.outputTokens, e.cacheReadTokens, e.cacheWriteTokens],
    [true, expected.input, expected.output, expected.cacheRead ?? 0, expected.cacheWrite ?? 0],
  );
}

test('a chat completion records its tokens, cached ones included, and the cost from the price table', async () => {
  const k = await keys('openai', { cache: { read: 4, write: 0 } });
  await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
  const e = await onlyEvent(k);
  assertTokens(e, { input: 11, output: 5, cacheRead: 4 });
  assert.equal(e.costKnown, true);
  assert.equal(e.totalCost, libraryCost('openai', 'gpt-4o-mini', { input: 11, output: 5, cacheRead: 4 }));
  assert.notEqual(Number(e.totalCost), 0);
});

test('a streamed chat completion that did not ask for usage is counted, and the client sees no usage chunk', async () => {
  const k = await keys('openai');
  const stream = await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true });
  let text = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    assert.equal(chunk.usage, undefined, 'no chunk carries usage the client did not ask for');
    assert.ok(chunk.choices.length > 0, 'the usage-only chunk was taken out');
  }
  assert.equal(text, 'hello from gpt-4o-mini');
  assert.equal(mock.seen(k.value)[0]!.body.stream_options.include_usage, true, 'asked for upstream');
  const e = await onlyEvent(k);
  assertTokens(e, { input: 7, output: 3 });
  assert.equal(e.totalCost, libraryCost('openai', 'gpt-4o-mini', { input: 7, output: 3 }));
});

test("the client's stream is byte for byte the upstream's stream without include_usage", async () => {
  const k = await keys('openai');
  const body = { model: 'gpt-4o-mini', messages: hello, stream: true };
  const viaGateway = await http(`${gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const direct = await http(`${mock.baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${k.value}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(viaGateway.status, 200);
  assert.ok(direct.text.includes('[DONE]') && !direct.text.includes('usage'));
  assert.equal(viaGateway.text, direct.text);
  assertTokens(await onlyEvent(k), { input: 7, output: 3 });
});

test('a client that asked for usage gets its usage chunk, untouched', async () => {
  const k = await keys('openai');
  const stream = await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, stream: true, stream_options: { include_usage: true } });
  let usage;
  for await (const chunk of stream) usage = chunk.usage ?? usage;
  assert.equal(usage?.prompt_tokens, 7);
  assertTokens(await onlyEvent(k), { input: 7, output: 3 });
});

test('the Responses API, plain and streamed (response.completed), and embeddings are counted and priced', async () => {
  const k = await keys('openai', { cache: { read: 1, write: 0 } });
  const client = openai(k);
  const plain = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi' });
  assert.equal(plain.output_text, 'hello from gpt-4.1-mini');
  const stream = await client.responses.create({ model: 'gpt-4.1-mini', input: 'hi', stream: true });
  for await (const _ of stream);
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
  const [embedding, streamed, response] = await events(k);
  for (const e of [streamed, response]) {
    assertTokens(e, { input: 4, output: 2, cacheRead: 1 });
    assert.equal(e.totalCost, libraryCost('openai', 'gpt-4.1-mini', { input: 4, output: 2, cacheRead: 1 }));
  }
  assert.equal(streamed.isStreaming, true);
  assertTokens(embedding, { input: 3, output: 0 });
  assert.equal(embedding.totalCost, libraryCost('openai', 'text-embedding-3-small', { input: 3, output: 0 }));
});

test("Anthropic messages, plain and streamed, count cache reads and writes and pay each at its own price", async () => {
  const k = await keys('anthropic', { cache: { read: 100, write: 50 } });
  const client = anthropic(k);
  await client.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: hello });
  const final = await client.messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: hello }).finalMessage();
  assert.equal(final.usage.cache_creation_input_tokens, 50, 'the client sees Anthropic usage as it was');
  const [streamed, plain] = await events(k);
  // Anthropic's input_tokens (12, and 9 streamed) leaves out the 150 cache tokens; aigw's inputTokens counts all input.
  assertTokens(plain, { input: 162, output: 6, cacheRead: 100, cacheWrite: 50 });
  assert.equal(plain.totalCost, libraryCost('anthropic', 'claude-sonnet-4-5', { input: 162, output: 6, cacheRead: 100, cacheWrite: 50 }));
  assertTokens(streamed, { input: 159, output: 4, cacheRead: 100, cacheWrite: 50 });
  assert.equal(streamed.totalCost, libraryCost('anthropic', 'claude-sonnet-4-5', { input: 159, output: 4, cacheRead: 100, cacheWrite: 50 }));
});

test('an unpriced custom model records unknown cost; a price of your own makes it known, a provider-wide one too', async () => {
  await home.json(['providers', 'create', '--provider-id', 'my-vllm', '--name', 'vLLM', '--base-url', mock.baseUrl, '--model', 'llama-x']);
  mock.allowNoKey = true;
  const access = await home.json(['access-keys', 'create']);
  const k = { accessId: access.id, token: access.token, value: '' };
  const client = openai(k);
  await client.chat.completions.create({ model: 'my-vllm:llama-x', messages: hello });
  const unpriced = await onlyEvent(k);
  assertTokens(unpriced, { input: 11, output: 5 });
  assert.deepEqual([unpriced.costKnown, unpriced.totalCost], [false, 'unknown']);
  const before = await home.json(['prices', 'get', 'my-vllm:llama-x']);
  assert.equal(before.source, 'unknown');

  await home.json(['prices', 'set', 'my-vllm:llama-x', '--input-price', '1', '--output-price', '2']);
  await client.chat.completions.create({ model: 'my-vllm:llama-x', messages: hello });
  assert.equal((await events(k))[0].totalCost, ((11 * 1 + 5 * 2) / 1e6).toFixed(8));

  assert.equal((await home.run(['prices', 'delete', 'my-vllm:llama-x', '--yes'])).code, 0);
  await home.json(['prices', 'set', 'my-vllm:*', '--input-price', '0', '--output-price', '0']);
  await client.chat.completions.create({ model: 'my-vllm:llama-x', messages: hello });
  assert.deepEqual([(await events(k))[0].costKnown, (await events(k))[0].totalCost], [true, '0.00000000']);
  const listed = await home.json(['prices', 'list']);
  assert.deepEqual(listed.prices.map((p: any) => `${p.providerId}:${p.modelId}`), ['my-vllm:*']);
  await home.fails(['prices', 'set', 'nope:model', '--input-price', '1', '--output-price', '1'], 2, 'ERR_AIGW_27508');
  await home.fails(['prices', 'set', 'openai:gpt-4o', '--input-price', 'cheap', '--output-price', '1'], 2, 'ERR_AIGW_20002');
});

test('a price of your own wins over the bundled table, and deleting it brings the table back', async () => {
  const k = await keys('openai');
  await home.json(['prices', 'set', 'openai:gpt-4o', '--input-price', '1', '--output-price', '1', '--cache-read-price', '0.5']);
  assert.equal((await home.json(['prices', 'get', 'openai:gpt-4o'])).source, 'own');
  await openai(k).chat.completions.create({ model: 'gpt-4o', messages: hello });
  assert.equal((await events(k))[0].totalCost, (16 / 1e6).toFixed(8));
  assert.equal((await home.run(['prices', 'delete', 'openai:gpt-4o', '--yes'])).code, 0);
  await home.fails(['prices', 'delete', 'openai:gpt-4o', '--yes'], 3, 'ERR_AIGW_10404');
  await openai(k).chat.completions.create({ model: 'gpt-4o', messages: hello });
  assert.equal((await events(k))[0].totalCost, libraryCost('openai', 'gpt-4o', { input: 11, output: 5 }));
});

test('maxOutputTokens lowers or sets the output limit upstream; a configuration cap wins over the account-wide one', async () => {
  await home.json(['gateway', 'config', 'set', '--max-output-tokens', '10']);
  try {
    const k = await keys('openai');
    await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
    await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 500 });
    await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_completion_tokens: 4 });
    await openai(k).responses.create({ model: 'gpt-4.1-mini', input: 'hi', max_output_tokens: 64 });
    const [set, lowered, kept, responses] = mock.seen(k.value).map((r) => r.body);
    assert.equal(set.max_completion_tokens, 10);
    assert.equal(lowered.max_tokens, 10);
    assert.equal(kept.max_completion_tokens, 4, 'a lower limit of the client stays');
    assert.equal(responses.max_output_tokens, 10);

    const a = await keys('anthropic');
    await anthropic(a).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: hello });
    assert.equal(mock.seen(a.value)[0]!.body.max_tokens, 10);

    const config = await home.json(['configs', 'create', '--name', 'short', '--max-output-tokens', '3']);
    assert.equal(config.maxOutputTokens, 3);
    const c = await keys('openai', {}, config.id);
    await openai(c).chat.completions.create({ model: 'gpt-4o-mini', messages: hello, max_tokens: 500 });
    assert.equal(mock.seen(c.value)[0]!.body.max_tokens, 3);
  } finally {
    await home.json(['gateway', 'config', 'set', '--max-output-tokens', 'none']);
  }
});

test('maxInputTokens refuses an oversized input with 413 in each API own shape before any upstream call', async () => {
  await home.json(['gateway', 'config', 'set', '--max-input-tokens', '50']);
  try {
    const k = await keys('openai');
    const a = await keys('anthropic');
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const err = await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: long }] }).catch((e) => e);
    assert.ok(err instanceof OpenAI.APIError, String(err));
    assert.equal(err.status, 413);
    assert.equal((err.error as any).code, 'ERR_AIGW_30017');
    assert.match(err.message, /maxInputTokens/);
    const aerr = await anthropic(a).messages.create({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: [{ role: 'user', content: long }] }).catch((e) => e);
    assert.ok(aerr instanceof Anthropic.APIError, String(aerr));
    assert.equal(aerr.status, 413);
    assert.equal((aerr.error as any).error.type, 'request_too_large');
    assert.deepEqual([mock.seen(k.value).length, mock.seen(a.value).length], [0, 0], 'the upstream saw nothing');

    // Under the cap by any count: through, even with a long base64 image beside it.
    const image = { type: 'image_url' as const, image_url: { url: `data:image/png;base64,${'QUJD'.repeat(2000)}` } };
    await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] }] });
    assert.equal(mock.seen(k.value).length, 1);

    const config = await home.json(['configs', 'create', '--name', 'roomy', '--max-input-tokens', '1000']);
    const c = await keys('openai', {}, config.id);
    await openai(c).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: long }] });
    assert.equal(mock.seen(c.value).length, 1, "the configuration's own cap wins");
  } finally {
    await home.json(['gateway', 'config', 'set', '--max-input-tokens', 'none']);
  }
});

test('tokens the provider never reported are unknown, not zero: an error answer and a cut stream', async () => {
  const bad = await keys('openai', { status: 400 });
  await openai(bad).chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).catch(() => undefined);
  const refused = await onlyEvent(bad);
  assert.deepEqual([refused.statusCode, refused.tokensKnown, refused.costKnown, refused.totalCost], [400, false, false, 'unknown']);

  const cut = await keys('anthropic', { breakStream: true });
  await anthropic(cut).messages.stream({ model: 'claude-sonnet-4-5', max_tokens: 20, messages: hello }).finalMessage().catch(() => undefined);
  const broken = await onlyEvent(cut);
  assert.deepEqual([broken.isError, broken.tokensKnown, broken.costKnown], [true, false, false]);
});

test('usage overview totals equal the sum of the events, by access key, provider key, model and provider', async () => {
  const k = await keys('openai');
  await openai(k).chat.completions.create({ model: 'gpt-4o-mini', messages: hello });
  await openai(k).chat.completions.create({ model: 'gpt-4o', messages: hello });
  await openai(k).embeddings.create({ model: 'text-embedding-3-small', input: 'hi' });
  const mine = await events(k);
  const sum = mine.reduce((n, e) => n + Number(e.totalCost), 0);

  const byKey = await home.json(['usage', 'overview', '--group-by', 'accessKey']);
  const bucket = byKey.buckets.find((b: any) => b.groupKey === k.accessId);
  assert.equal(bucket.requests, 3);
  assert.equal(Number(bucket.cost).toFixed(8), sum.toFixed(8));
  assert.equal(bucket.inputTokens, mine.reduce((n, e) => n + e.inputTokens, 0));

  const all = (await home.json(['usage', 'list', '--all'])).aiGatewayUsage;
  const known = all.filter((e: any) => e.costKnown);
  for (const groupBy of ['accessKey', 'providerKey', 'model', 'provider']) {
    const overview = await home.json(['usage', 'overview', '--group-by', groupBy]);
    assert.equal(overview.totals.requests, all.length, groupBy);
    assert.equal(overview.totals.unpricedRequests, all.length - known.length, groupBy);
    assert.equal(Number(overview.totals.cost).toFixed(7), known.reduce((n: number, e: any) => n + Number(e.totalCost), 0).toFixed(7), groupBy);
  }
  const byModel = await home.json(['usage', 'overview', '--group-by', 'model']);
  assert.ok(byModel.buckets.some((b: any) => b.groupKey === 'openai:gpt-4o'));

  const table = await home.runTty(['usage', 'overview']);
  assert.equal(table.code, 0, table.stdout);
  assert.match(table.stdout, /Daily spend:\n\d{4}-\d{2}-\d{2} [█▏▎▍▌▋▊▉ ]+ \$\d+\.\d{4}/);
  assert.match(table.stdout, /█/, "today's spend draws a bar");
});
