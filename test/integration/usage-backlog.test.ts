import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import pino from 'pino';
import { newId } from '../../src/core/ids.js';
import { UsageRecorder } from '../../src/daemon/gateway/usage.js';
import { keep, statementFor } from '../../src/store/sqlite/handles.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import type { UsageDraft } from '../../src/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'aigw-usage-backlog-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function draft(): UsageDraft {
  const timeMs = Date.now();
  return {
    id: newId('usageEvent', timeMs), timeMs, requestId: `req_${timeMs}`, accessKeyId: 'aigk_backlog', provider: 'openai',
    model: 'gpt-4o-mini', attemptNumber: 1, isFinalAttempt: true, statusCode: 200, timedOut: false, isError: false,
    isStreaming: false, stopReason: 'stop', inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, reasoningTokens: 0,
    providerKeyId: null, providerKeyRedacted: null, latencyMs: 1, error: null, cacheWriteTokens: 0, tokensKnown: true, costUsd: null,
    keySource: 'user',
  };
}

function rows(dbFile: string): number {
  const db = keep(new Database(dbFile, { readonly: true }));
  try {
    return (statementFor(db, 'SELECT count(*) AS n FROM usage_events').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

const logged = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));

// The real recorder, Store, its worker thread and SQLite file; the writer falls behind because another connection
// holds the database's write lock, as a backup or a `sqlite3` shell in a transaction would.
test('while the usage writer is behind, events past the buffer bound are dropped and counted, and the rest are written', async () => {
  const dbFile = join(dir, 'aigw.db');
  const store = new SqliteStore(dbFile);
  const logFile = join(dir, 'daemon.log');
  const recorder = new UsageRecorder(store, pino(pino.destination({ dest: logFile, sync: true })), 2000);
  const lock = keep(new Database(dbFile));
  lock.exec('BEGIN IMMEDIATE');
  try {
    // Two batches of 500 go to the writer, which blocks on the lock; 2,000 more wait; the last 1,000 are dropped.
    for (let i = 0; i < 2000; i++) recorder.record(draft());
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let i = 0; i < 2000; i++) recorder.record(draft());
    assert.deepEqual(
      logged(logFile).map((entry) => [entry.msg, entry.buffered]),
      [['the usage writer is behind; new usage events are dropped until it catches up', 2000]],
    );
    lock.exec('COMMIT');
    await recorder.flush();
    assert.equal(rows(dbFile), 3000, 'what was kept is written once the lock is gone');
    const dropped = logged(logFile).filter((entry) => entry.msg === 'usage events dropped while the usage writer was behind');
    assert.deepEqual(dropped.map((entry) => entry.events), [1000]);

    for (let i = 0; i < 10; i++) recorder.record(draft());
    await recorder.flush();
    assert.equal(rows(dbFile), 3010, 'recording goes on once the writer has caught up');
    assert.equal(logged(logFile).length, 2, 'nothing more was dropped or lost');
  } finally {
    lock.close();
    await recorder.flush();
    await store.close();
  }
});

// `aigw usage list` flushes first, to see its own requests; on a busy gateway, events keep coming meanwhile.
test('flush() waits for the events recorded before it, not for traffic that keeps coming', async () => {
  const dbFile = join(dir, 'flush.db');
  const store = new SqliteStore(dbFile);
  const recorder = new UsageRecorder(store, pino(pino.destination({ dest: join(dir, 'flush.log'), sync: true })));
  // An event about every millisecond: at any moment some are buffered, so the writer is never idle.
  const traffic = setInterval(() => recorder.record(draft()), 1);
  try {
    for (let i = 0; i < 10; i++) recorder.record(draft());
    const flushed = recorder.flush().then(() => 'flushed');
    const tooLong = new Promise((resolve) => setTimeout(() => resolve('still waiting after 3 s'), 3000));
    assert.equal(await Promise.race([flushed, tooLong]), 'flushed');
    assert.ok(rows(dbFile) >= 10);
  } finally {
    clearInterval(traffic);
    await recorder.flush();
    await store.close();
  }
});

// Recording runs inside a request's handling: a batch the writer cannot be sent must not throw there.
test('a batch that cannot be posted to the writer is logged, and neither record() nor flush() throws or hangs', { timeout: 10_000 }, async () => {
  const dbFile = join(dir, 'unposted.db');
  const store = new SqliteStore(dbFile);
  const logFile = join(dir, 'unposted.log');
  const recorder = new UsageRecorder(store, pino(pino.destination({ dest: logFile, sync: true })));
  try {
    // A function cannot be structured-cloned, so postMessage refuses the batch.
    recorder.record({ ...draft(), error: (() => 'not data') as unknown as string });
    await recorder.flush();
    const failed = logged(logFile).filter((entry) => entry.msg === 'could not write usage events');
    assert.deepEqual(failed.map((entry) => entry.events), [1]);
    recorder.record(draft());
    await recorder.flush();
    assert.equal(rows(dbFile), 1, 'the next batch is written');
  } finally {
    await recorder.flush();
    await store.close();
  }
});
