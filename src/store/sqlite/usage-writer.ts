import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { keep, pragmaValue, statementFor } from './handles.js';
import type { UsageDraft } from '../types.js';

/** The newest time per key: the `lastUsed` a batch leaves behind. */
type LastUsed = Map<string, number>;

// Bound by position: better-sqlite3 reads named parameters one property at a time through V8's API, which
// made binding cost as much as SQLite's own work on the row (8.3 against 4.3 µs per row).
const USAGE_COLUMNS = [
  'id', 'event_time', 'request_id', 'access_key_id', 'provider', 'model', 'attempt_number', 'is_final_attempt',
  'status_code', 'timed_out', 'is_error', 'is_streaming', 'stop_reason', 'input_tokens', 'output_tokens',
  'cache_read_tokens', 'reasoning_tokens', 'provider_key_id', 'provider_key_redacted', 'latency_ms', 'error',
  'cache_write_tokens', 'tokens_known', 'cost_usd', 'key_source',
];

// Rows come many to the second, and Date#toISOString was a tenth of a row's cost: the text up to the
// second is made once per second and the milliseconds appended.
let isoSecond = Number.NaN;
let isoPrefix = '';

/** `new Date(ms).toISOString()` for a whole number of milliseconds in years 1970–9999. */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    isoSecond = second;
    isoPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
const flag = (value: boolean) => (value ? 1 : 0);

/** A draft's values for USAGE_COLUMNS, in their order. */
function usageValues(d: UsageDraft) {
  return [
    // The column predates passthrough and is NOT NULL: a request without an access key is stored as ''.
    d.id, isoTime(d.timeMs), d.requestId, d.accessKeyId ?? '', d.provider, d.model, d.attemptNumber, flag(d.isFinalAttempt),
    d.statusCode, flag(d.timedOut), flag(d.isError), flag(d.isStreaming), d.stopReason, d.inputTokens, d.outputTokens,
    d.cacheReadTokens, d.reasoningTokens, d.providerKeyId, d.providerKeyRedacted, d.latencyMs, d.error,
    d.cacheWriteTokens, flag(d.tokensKnown), d.costUsd, d.keySource,
  ];
}

function prepare(db: Database.Database) {
  return {
    insertUsage: statementFor(
      db,
      `INSERT INTO usage_events (${USAGE_COLUMNS.join(', ')}) VALUES (${USAGE_COLUMNS.map(() => '?').join(', ')})`,
    ),
    touchAccessKey: statementFor(
      db,
      'UPDATE access_keys SET last_used = @lastUsed WHERE id = @id AND (last_used IS NULL OR last_used < @lastUsed)',
    ),
    touchKey: statementFor(
      db,
      'UPDATE provider_keys SET last_used = @lastUsed WHERE id = @id AND (last_used IS NULL OR last_used < @lastUsed)',
    ),
  };
}

function touch(times: LastUsed, id: string, ms: number): void {
  const known = times.get(id);
  if (known === undefined || ms > known) times.set(id, ms);
}

/** An access key is used by every attempt; a provider key only by one that reached its provider. */
function lastUsed(drafts: readonly UsageDraft[]): { providerKeys: LastUsed; accessKeys: LastUsed } {
  const providerKeys: LastUsed = new Map();
  const accessKeys: LastUsed = new Map();
  for (const d of drafts) {
    if (d.providerKeyId && d.statusCode > 0) touch(providerKeys, d.providerKeyId, d.timeMs);
    if (d.accessKeyId) touch(accessKeys, d.accessKeyId, d.timeMs);
  }
  return { providerKeys, accessKeys };
}

/**
 * Writes the gateway's usage events and `lastUsed` times, one batch per transaction, on a connection of its
 * own: the daemon runs it in a worker thread. It never migrates: SqliteStore has done that before the
 * gateway starts, and a schema it does not know is an error here rather than a second migration racing.
 */
export class SqliteUsageWriter {
  private readonly db: Database.Database;
  private readonly stmt: ReturnType<typeof prepare>;

  constructor(file: string) {
    this.db = keep(new Database(file, { fileMustExist: true }));
    try {
      // WAL is a property of the file, set by SqliteStore; these are per connection.
      // Appends touch few pages: 2 MiB of cache, not better-sqlite3's default of 16, which would all be RSS.
      this.db.exec('PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -2048');
      const version = pragmaValue(this.db, 'user_version');
      if (version !== MIGRATIONS.length) {
        throw new Error(`the database schema is at version ${version}; this usage writer knows version ${MIGRATIONS.length}`);
      }
      this.stmt = prepare(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
  }

  write(drafts: readonly UsageDraft[]): void {
    const { providerKeys, accessKeys } = lastUsed(drafts);
    this.db
      .transaction(() => {
        for (const d of drafts) this.stmt.insertUsage.run(...usageValues(d));
        for (const [id, ms] of providerKeys) this.stmt.touchKey.run({ id, lastUsed: isoTime(ms) });
        for (const [id, ms] of accessKeys) this.stmt.touchAccessKey.run({ id, lastUsed: isoTime(ms) });
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }
}
