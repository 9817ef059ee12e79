import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { MockUpstream } from '../helpers/mock-upstream.js';

let mock: MockUpstream;

before(async () => {
  mock = new MockUpstream();
  await mock.start();
});

after(() => mock.close());

/** A port nothing listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** One sample's value from the Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const inside = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (want.every((w) => inside.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function keysFor(home: TestHome, behaviours: ({ status?: number } | undefined)[]) {
  const access = await home.json(['access-keys', 'create']);
  const values: string[] = [];
  for (const behaviour of behaviours) {
    const value = fakeKey();
    mock.accept(value);
    if (behaviour) mock.set(value, behaviour);
    await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: value });
    values.push(value);
  }
  return { id: access.id as string, token: access.token as string, values };
}

test('/metrics counts requests, attempts, failovers, refusals, tokens and cost by id, and carries no secret', async () => {
  const port = await freePort();
  const home = new TestHome({ AIGW_METRICS_LISTEN: `127.0.0.1:${port}` });
  try {
    await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`]);
    const gatewayUrl = await home.gatewayUrl();
    const openai = (token: string) => new OpenAI({ apiKey: token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000 });
    const plain = await keysFor(home, [undefined]);
    const failing = await keysFor(home, [{ status: 500 }, undefined]);
    const keys = (await home.json(['provider-keys', 'list', '--all'])).aiGatewayProviderKeys;

    const ok = await openai(plain.token).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(ok.choices[0]?.message.content);
    const { response } = await openai(failing.token).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    assert.equal(response.headers.get('x-aigw-attempts'), '2', 'the first key failed and the second answered');
    const refused = await openai('aigw_nosuchtoken').chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).catch((err) => err);
    assert.equal(refused.status, 401);
    const refusedCode = refused.code as string;
    assert.match(refusedCode, /^ERR_AIGW_\d{5}$/);

    assert.equal((await home.json(['daemon', 'status'])).metricsUrl, `http://127.0.0.1:${port}/metrics`);
    const scraped = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(scraped.status, 200);
    const text = await scraped.text();
    const model = { provider: 'openai', model: 'gpt-4o-mini' };
    assert.equal(sample(text, 'aigw_gateway_requests_total', { ...model, access_key_id: plain.id, status: '200' }), 1);
    assert.equal(sample(text, 'aigw_gateway_requests_total', { ...model, access_key_id: failing.id, status: '200' }), 1);
    assert.equal(sample(text, 'aigw_gateway_attempts_total', { ...model, access_key_id: failing.id, status: '500' }), 1);
    assert.equal(sample(text, 'aigw_gateway_failovers_total', { ...model, access_key_id: failing.id }), 1);
    assert.equal(sample(text, 'aigw_gateway_failovers_total', { ...model, access_key_id: plain.id }) ?? 0, 0);
    assert.equal(sample(text, 'aigw_gateway_errors_total', { code: refusedCode }), 1);
    assert.equal(sample(text, 'aigw_gateway_tokens_total', { ...model, access_key_id: plain.id, kind: 'output' }), ok.usage!.completion_tokens);
    assert.ok(sample(text, 'aigw_gateway_cost_usd_total', { ...model, access_key_id: plain.id })! > 0, 'gpt-4o-mini has a price');
    assert.equal(sample(text, 'aigw_gateway_request_duration_seconds_count', model), 2);
    assert.equal(sample(text, 'aigw_gateway_time_to_first_byte_seconds_count', model), 2);

    for (const secret of [plain.token, failing.token, ...plain.values, ...failing.values, ...keys.map((k: any) => k.keyRedacted)]) {
      assert.ok(!text.includes(secret), 'no token, key value or redacted key in the metrics');
    }
    assert.equal((await fetch(`http://127.0.0.1:${port}/`)).status, 404, 'only /metrics is served there');
  } finally {
    await home.cleanup();
  }
});

test('without --metrics-listen nothing listens for metrics', async () => {
  const port = await freePort();
  const home = new TestHome();
  try {
    await home.gatewayUrl();
    assert.equal((await home.json(['daemon', 'status'])).metricsUrl, undefined);
    const reached = await fetch(`http://127.0.0.1:${port}/metrics`).then(() => true, () => false);
    assert.equal(reached, false);
  } finally {
    await home.cleanup();
  }
});
