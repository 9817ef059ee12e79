import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { AIGW_BIN, fakeKey, TestHome } from '../helpers/aigw.js';
import { MockUpstream } from '../helpers/mock-upstream.js';

const DRAIN = '5s';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sse = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const chunk = (delta: object, finish: string | null) => ({
  id: 'chatcmpl-slow',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

let mock: MockUpstream;
let home: TestHome;

before(async () => {
  mock = new MockUpstream();
  await mock.start();
  home = new TestHome({ AIGW_DRAIN_TIMEOUT: DRAIN });
  await home.json(['gateway', 'config', 'set', '--provider-base-url', `openai=${mock.baseUrl}`]);
  await home.inProcess(['daemon', 'stop']);
});

after(async () => {
  await home.cleanup();
  await mock.close();
});

/** `aigw daemon run` in the foreground, so the test sees its exit status. */
async function runDaemon(): Promise<{ child: ChildProcess; exited: Promise<number | null>; out: () => string }> {
  const child = spawn(process.execPath, [AIGW_BIN, 'daemon', 'run'], { env: home.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 15_000;
  while (!out.includes('daemon ready') && Date.now() < deadline) await sleep(50);
  assert.match(out, /daemon ready/);
  return { child, exited, out: () => out };
}

test('SIGTERM drains: a stream in flight finishes whole and is recorded, new connections are refused, exit 0 in time', async () => {
  const daemon = await runDaemon();
  const status = await home.json(['daemon', 'status']);
  assert.equal(status.drainTimeoutMs, 5000, '`daemon stop` waits for the drain time it reads here');
  const gatewayUrl = status.gatewayUrl as string;
  const access = await home.json(['access-keys', 'create']);
  const value = fakeKey();
  mock.accept(value);
  mock.set(value, {
    // Half the stream now, the rest (with its usage) after the signal has arrived.
    respond: async (res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse(chunk({ role: 'assistant', content: 'hello ' }, null)));
      await sleep(1500);
      res.write(sse(chunk({ content: 'after the signal' }, 'stop')));
      res.write(sse({ ...chunk({}, null), choices: [], usage: { prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 } }));
      res.end('data: [DONE]\n\n');
    },
  });
  await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: value });
  const openai = new OpenAI({ apiKey: access.token, baseURL: `${gatewayUrl}/v1`, maxRetries: 0, timeout: 20_000 });

  const stream = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const iterator = stream[Symbol.asyncIterator]();
  const firstChunk = await iterator.next();
  assert.equal(firstChunk.value?.choices[0]?.delta.content, 'hello ');

  const signalled = Date.now();
  daemon.child.kill('SIGTERM');
  await sleep(300);
  // A new connection after the signal is refused: the client goes to another replica.
  const late = await fetch(`${gatewayUrl}/ready`).then((r) => r.status, (err: Error) => (err.cause as NodeJS.ErrnoException)?.code);
  assert.equal(late, 'ECONNREFUSED');

  let text = 'hello ';
  let usage;
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    text += next.value.choices[0]?.delta.content ?? '';
    usage = next.value.usage ?? usage;
  }
  assert.equal(text, 'hello after the signal', 'the in-flight stream arrived whole');
  assert.equal(usage?.completion_tokens, 4);

  const code = await Promise.race([daemon.exited, sleep(8_000).then(() => 'still running')]);
  if (code !== 0) daemon.child.kill('SIGKILL');
  assert.equal(code, 0, daemon.out());
  assert.ok(Date.now() - signalled < 5_000, 'exited within the drain time');
  assert.match(daemon.out(), /"msg":"stopped"/);

  // The next daemon has the drained request's usage: it was flushed before the exit.
  const events = (await home.json(['usage', 'list', '--all', '--access-key-id', access.id])).aiGatewayUsage;
  assert.equal(events.length, 1);
  assert.equal(events[0].statusCode, 200);
  assert.equal(events[0].outputTokens, 4);
});

test('a drain time that is not a duration stops the daemon as a configuration error', async () => {
  await home.inProcess(['daemon', 'stop']);
  const ran = await home.run(['daemon', 'run'], { env: { AIGW_DRAIN_TIMEOUT: 'soon' } });
  assert.equal(ran.code, 78);
  assert.match(ran.stdout, /AIGW_DRAIN_TIMEOUT \\"soon\\" must be a duration such as 30s/);
});
