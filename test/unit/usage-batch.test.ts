import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deserialize, serialize } from 'node:v8';
import type { UsageDraft } from '../../src/store/types.js';
import { UsagePacker, unpackedValue, type PackedUsage } from '../../src/store/usage-batch.js';
import { USAGE_FIELDS } from '../../src/store/usage-fields.js';

/** The drafts a packed batch holds, read field by field as the Stores' writers read them. */
function unpackUsage(batch: PackedUsage): UsageDraft[] {
  return Array.from({ length: batch.count }, (_, n) =>
    Object.fromEntries(USAGE_FIELDS.map(([name], i) => [name, unpackedValue(batch, n, i)])) as unknown as UsageDraft,
  );
}

function draft(n: number, overrides: Partial<UsageDraft> = {}): UsageDraft {
  return {
    id: `aigue_${String(n).padStart(26, '0')}`,
    timeMs: 1_790_000_000_000 + n,
    requestId: `req_${n}`,
    accessKeyId: `aigk_${n % 2}`,
    provider: n % 3 ? 'openai' : 'anthropic',
    model: `model-${n % 3}`,
    attemptNumber: n + 1,
    isFinalAttempt: n % 2 === 0,
    statusCode: 200 + n,
    timedOut: n % 5 === 0,
    isError: n % 4 === 0,
    isStreaming: n % 3 === 0,
    stopReason: n % 2 ? 'stop' : '',
    inputTokens: 10 * n,
    outputTokens: 20 * n,
    cacheReadTokens: 3 * n,
    cacheWriteTokens: 5 * n,
    reasoningTokens: 4 * n,
    tokensKnown: n % 3 !== 1,
    costUsd: n % 3 === 2 ? null : n / 1e6,
    providerKeyId: `aigpk_${n % 2}`,
    providerKeyRedacted: `sk-${n % 2}***abcd`,
    latencyMs: n,
    error: null,
    keySource: 'user',
    ...overrides,
  };
}

test('usage drafts come out of a packed batch as they went in, across a structured clone', () => {
  const packer = new UsagePacker();
  const drafts = [
    ...Array.from({ length: 7 }, (_, n) => draft(n)),
    draft(7, { providerKeyId: null, providerKeyRedacted: null, statusCode: 0, error: 'connect ECONNREFUSED' }),
    draft(8, { accessKeyId: null, providerKeyId: null, providerKeyRedacted: 'sk-proj-ab***wxyz', keySource: 'passthrough' }),
  ];
  for (const d of drafts) packer.add(d);
  const batch = packer.take();
  assert.equal(batch.count, drafts.length);
  const repeated = new Set(drafts.flatMap((d) => [d.accessKeyId, d.provider, d.model, d.stopReason, d.providerKeyId, d.providerKeyRedacted, d.keySource]));
  repeated.delete(null);
  assert.deepEqual(new Set(batch.strings), repeated, 'repeated strings are sent once');
  assert.equal(batch.strings.length, repeated.size);
  assert.deepEqual(unpackUsage(deserialize(serialize(batch))), drafts);
  assert.deepEqual(unpackUsage(packer.take()), [], 'take() leaves the packer empty');
  packer.add(draft(9));
  assert.deepEqual(unpackUsage(packer.take()), [draft(9)], 'the next batch has its own string table');
});
