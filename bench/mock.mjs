// The bench's mock upstream: an OpenAI-compatible chat completion endpoint, as cheap as Node can answer it,
// so the figures measure the proxy in front of it. Requests carrying BENCH_BAD_KEY get a 429 with
// Retry-After; `"stream":true` bodies get SSE events spaced BENCH_STREAM_GAP_MS apart. Prints its port.
import { createServer } from 'node:http';

const BAD = `Bearer ${process.env.BENCH_BAD_KEY ?? ''}`;
const GAP_MS = Number(process.env.BENCH_STREAM_GAP_MS ?? 2);
const STREAM_EVENTS = Number(process.env.BENCH_STREAM_EVENTS ?? 5);

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, message: { role: 'assistant', content: 'hello from the bench' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 },
  }),
);
const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(completion.length), 'x-request-id': 'mock' };
const limited = Buffer.from(JSON.stringify({ error: { message: 'rate limited', type: 'requests', code: 'rate_limit_exceeded' } }));
const LIMITED_HEADERS = { 'content-type': 'application/json', 'content-length': String(limited.length), 'retry-after': '60' };
const event = (i, last) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: `part ${i} ` }, finish_reason: last ? 'stop' : null }] })}\n\n`;

function stream(res) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === STREAM_EVENTS) return void res.end('data: [DONE]\n\n');
    res.write(event(i, i === STREAM_EVENTS - 1));
    i++;
    setTimeout(next, GAP_MS);
  };
  next();
}

const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.headers.authorization === BAD) return void res.writeHead(429, LIMITED_HEADERS).end(limited);
    if (Buffer.concat(chunks).includes('"stream":true')) return stream(res);
    res.writeHead(200, JSON_HEADERS).end(completion);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
process.on('SIGTERM', () => process.exit(0));
