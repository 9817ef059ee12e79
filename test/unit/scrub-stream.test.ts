import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { holdsWindow, SCRUB_MARK, scrubSecrets, StreamScrubber, toLatin1 } from '../../src/core/scrub.js';
import { EchoScrubber } from '../../src/daemon/gateway/echo-scrub.js';
import { MaskedSecret } from '../../src/daemon/gateway/secret-cache.js';
import { forwardedResponseHeaders } from '../../src/daemon/gateway/upstream.js';
import { foldUsageFromTail } from '../../src/daemon/gateway/usage-tail.js';
import { noTokens } from '../../src/daemon/gateway/usage.js';

const KEY_A = 'sk-proj-AAAAbbbbCCCCddddEEEEffffGGGGhhhh0001';
const KEY_B = 'sk-ant-api03-ZZZZyyyyXXXXwwwwVVVVuuuu9999';

function streamed(text: string, secrets: string[], cuts: number[]): string {
  const s = new StreamScrubber(secrets);
  let out = '';
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    out += s.push(text.slice(from, cut));
    from = cut;
  }
  return out + s.end();
}

test('the stream scrubber finds a key split across chunks at every position, and agrees with the one-shot scrub', () => {
  const text = `{"error":{"message":"Incorrect API key provided: ${KEY_A} (${KEY_A.slice(3, 20)}...)"}}`;
  const whole = scrubSecrets(text, [KEY_A]);
  assert.ok(!whole.includes(KEY_A.slice(10, 18)));
  for (let cut = 0; cut <= text.length; cut++) {
    const out = streamed(text, [KEY_A], [cut]);
    assert.equal(out, whole, `split at ${cut}`);
  }
  // One byte a chunk: the worst case for a scrub that looks at chunks alone.
  const bytewise = streamed(text, [KEY_A], [...text].map((_, i) => i));
  assert.equal(bytewise, whole);
});

test('a window of a short text is found in a key exactly when the key holds that substring', () => {
  // A small alphabet, so that windows match, nearly match and overlap the key's ends often.
  const text = fc.array(fc.constantFrom('a', 'b', 'c', 'é'), { maxLength: 24 }).map((c) => c.join(''));
  const cases = fc
    .tuple(text, text.filter((t) => t.length > 0))
    .chain(([secret, t]) =>
      fc.integer({ min: 1, max: t.length }).chain((width) => fc.tuple(fc.constant(secret), fc.constant(t), fc.integer({ min: 0, max: t.length - width }), fc.constant(width))),
    );
  fc.assert(
    fc.property(cases, ([secret, t, at, width]) => assert.equal(holdsWindow(secret, t, at, width), secret.includes(t.slice(at, at + width)))),
    { numRuns: 5000 },
  );
});

test('every key tried is scrubbed, and a short fragment of a key (7 characters) is left alone', () => {
  const text = `first ${KEY_A} then ${KEY_B.slice(5, 30)} and ${KEY_B.slice(0, 7)}`;
  const out = streamed(text, [KEY_A, KEY_B], [9, 20, 41]);
  assert.ok(!out.includes(KEY_A.slice(0, 8)) && !out.includes(KEY_B.slice(5, 13)), out);
  assert.equal(out, `first ${SCRUB_MARK} then ${SCRUB_MARK} and ${KEY_B.slice(0, 7)}`);
});

test('multi-byte characters split across chunks pass through intact', () => {
  const text = Buffer.from(`héllo ✓ ${KEY_A} ✓ wörld`, 'utf8');
  const s = new StreamScrubber([toLatin1(KEY_A)]);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += 3) parts.push(s.push(text.subarray(i, i + 3).toString('latin1')));
  parts.push(s.end());
  assert.equal(Buffer.from(parts.join(''), 'latin1').toString('utf8'), `héllo ✓ ${SCRUB_MARK} ✓ wörld`);
});

test('forwarded response header values are scrubbed of every key tried; short values cost nothing', () => {
  let revealed = 0;
  const a = new MaskedSecret(KEY_A);
  const b = new MaskedSecret(KEY_B);
  for (const s of [a, b]) {
    const reveal = s.reveal.bind(s);
    s.reveal = () => (revealed++, reveal());
  }
  const scrub = new EchoScrubber([a, b]);
  assert.equal(scrub.header('59'), '59');
  assert.equal(revealed, 0, 'a value too short for an echo needs no key');
  const raw = ['x-request-id', `req ${KEY_A}`, 'x-ratelimit-remaining-tokens', KEY_B.slice(2, 20), 'openai-version', '2020-10-01']
    .map((v) => Buffer.from(v));
  const out = forwardedResponseHeaders(raw, scrub);
  assert.deepEqual(out.headers, ['x-request-id', `req ${SCRUB_MARK}`, 'x-ratelimit-remaining-tokens', SCRUB_MARK, 'openai-version', '2020-10-01']);
});

test('usage is read from the tail of an answer too large to hold', () => {
  const tokens = noTokens();
  const tail = `lots of text","usage":{"nested":{"a":"}"}}},"choices":[{"finish_reason":"length"}],"usage":{"prompt_tokens":7,"completion_tokens":9,"prompt_tokens_details":{"cached_tokens":2}},"x":1}`;
  foldUsageFromTail(tokens, tail);
  assert.deepEqual(tokens, { ...noTokens(), inputTokens: 7, outputTokens: 9, cacheReadTokens: 2, stopReason: 'length', reported: true });
  const none = noTokens();
  foldUsageFromTail(none, '"usage":{"prompt_tokens":7');
  assert.deepEqual(none, noTokens(), 'a cut-off usage object counts as unreported');
});
