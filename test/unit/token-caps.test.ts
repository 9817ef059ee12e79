import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { capOutputTokens, inputTokensOver } from '../../src/daemon/gateway/token-caps.js';
import { injectStreamUsage, StreamUsageFilter } from '../../src/daemon/gateway/usage-injection.js';

const chat = { format: 'openai', apiPath: '/chat/completions' } as const;

test('maxOutputTokens lowers the limit the client sent, and sets one in each API where it sent none', () => {
  const lowered = { max_tokens: 500, max_completion_tokens: 9 };
  capOutputTokens(lowered, chat, 'openai', 100);
  assert.deepEqual(lowered, { max_tokens: 100, max_completion_tokens: 9 });
  const openai: Record<string, unknown> = {};
  capOutputTokens(openai, chat, 'openai', 100);
  assert.deepEqual(openai, { max_completion_tokens: 100 });
  const groq: Record<string, unknown> = {};
  capOutputTokens(groq, chat, 'groq', 100);
  assert.deepEqual(groq, { max_tokens: 100 });
  const responses: Record<string, unknown> = { max_output_tokens: 50 };
  capOutputTokens(responses, { format: 'openai', apiPath: '/responses' }, 'openai', 100);
  assert.deepEqual(responses, { max_output_tokens: 50 });
  const messages: Record<string, unknown> = { max_tokens: 4096 };
  capOutputTokens(messages, { format: 'anthropic', apiPath: '/messages' }, 'anthropic', 100);
  assert.deepEqual(messages, { max_tokens: 100 });
  const embeddings: Record<string, unknown> = { input: 'x' };
  capOutputTokens(embeddings, { format: 'openai', apiPath: '/embeddings' }, 'openai', 100);
  assert.deepEqual(embeddings, { input: 'x' });
});

test('the input estimate counts the text the model reads, never base64 data, roles or types', () => {
  const words = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
  const body = {
    model: 'gpt-4o-mini',
    system: [{ type: 'text', text: words }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: words }, { type: 'image', source: { type: 'base64', data: 'QUJD'.repeat(5000) } }] },
      { role: 'assistant', content: words },
    ],
  };
  // Each "wordN" is a run of letters and a run of digits: two tokens at least, 60 per text, 180 in all.
  assert.equal(inputTokensOver(body, 179), 180);
  assert.equal(inputTokensOver(body, 180), undefined);
  assert.equal(inputTokensOver({ input: ['short'] }, 5), undefined, 'under the cap in characters: not scanned');
  assert.equal(inputTokensOver({ input: '1234567' }, 2), 3, 'three digits to a token at most');
});

test('the estimate is never above the number of characters, the weakest real count of a byte-level tokenizer', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
      const over = inputTokensOver({ messages: [{ role: 'user', content: text }] }, 0);
      assert.ok((over ?? 0) <= text.length);
    }),
  );
});

test('include_usage is asked for only on OpenAI streams that did not ask for it themselves', () => {
  const body: Record<string, unknown> = { stream: true, stream_options: { foo: 1 } };
  assert.equal(injectStreamUsage(chat, body), true);
  assert.deepEqual(body.stream_options, { foo: 1, include_usage: true });
  assert.equal(injectStreamUsage(chat, { stream: true, stream_options: { include_usage: true } }), false);
  assert.equal(injectStreamUsage(chat, { stream: false }), false);
  assert.equal(injectStreamUsage({ format: 'openai', apiPath: '/responses' }, { stream: true }), false);
  assert.equal(injectStreamUsage({ format: 'anthropic', apiPath: '/messages' }, { stream: true }), false);
});

test('the stream filter takes out the usage chunk and the "usage":null members, however the bytes are split', () => {
  const chunk = (content: string, extra = '') => `data: {"id":"c","choices":[{"delta":{"content":"${content}"}}]${extra}}\n\n`;
  const plain = chunk('he said \\"usage\\":null}') + chunk('lo') + 'data: [DONE]\n\n';
  const injected =
    chunk('he said \\"usage\\":null}', ',"usage":null') +
    chunk('lo', ',"usage":null') +
    'data: {"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}\n\n' +
    'data: [DONE]\n\n';
  const bytes = Buffer.from(injected);
  for (let cut = 0; cut <= bytes.length; cut += 7) {
    const filter = new StreamUsageFilter();
    const out = Buffer.concat([filter.filter(bytes.subarray(0, cut)), filter.filter(bytes.subarray(cut)), filter.end()]);
    assert.equal(out.toString(), plain, `split at ${cut}`);
  }
});

test('a stream without "usage":null members keeps every byte but the usage chunk, however the bytes are split', () => {
  const chunk = (content: string) => `data: {"id":"c","choices":[{"delta":{"content":"${content}"}}]}\n\n`;
  const plain = `${chunk('he')}: keep-alive\n\n${chunk('llo')}data: [DONE]\n\n`;
  const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}\n\n';
  const bytes = Buffer.from(`${chunk('he')}: keep-alive\n\n${chunk('llo')}${usage}data: [DONE]\n\n`);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b += 5) {
      const filter = new StreamUsageFilter();
      const parts = [bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)].map((p) => filter.filter(p));
      assert.equal(Buffer.concat([...parts, filter.end()]).toString(), plain, `split at ${a} and ${b}`);
    }
  }
  const untouched = Buffer.from(chunk('nothing to take out'));
  assert.equal(new StreamUsageFilter().filter(untouched), untouched, 'whole lines without usage leave as the same buffer');
});
