import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.js';
import { keep, pragmaValue, statementFor } from './handles.js';
import { lastUsedTimes, unpackedValue, type PackedUsage } from '../usage-batch.js';
import { isoTime } from '../usage-time.js';
import { FIELDS_PER_EVENT, USAGE_COLUMNS, USAGE_INDEX, USAGE_KINDS, type UsageKind } from '../usage-fields.js';


/** A usage value as SQLite keeps it. */
function sqliteValue(kind: UsageKind, value: string | number | boolean | null): string | number | null {
  if (value === null) return null;
  if (kind === 'bool') return value ? 1 : 0;
  if (kind === 'time') return isoTime(value as number);
  return value as string | number;
}

/** Event `n`'s values for USAGE_COLUMNS, in their order, into `row`. */
function usageValues(batch: PackedUsage, n: number, row: (string | number | null)[]): void {
  for (let i = 0; i < FIELDS_PER_EVENT; i++) row[i] = sqliteValue(USAGE_KINDS[i]!, unpackedValue(batch, n, i));
  // The column predates passthrough and is NOT NULL: a request without an access key is stored as ''.
  row[USAGE_INDEX.accessKeyId] ??= '';
}

function prepare(db: Database.Database) {
  return {
    // Bound by position: better-sqlite3 reads named parameters one property at a time through V8's API,
    // which made binding cost as much as SQLite's own work on the row.
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

  /** Writes a packed batch, read from its values as they are (no draft objects are made again). */
  write(batch: PackedUsage): void {
    const { providerKeys, accessKeys } = lastUsedTimes(batch);
    const row: (string | number | null)[] = new Array(FIELDS_PER_EVENT);
    this.db
      .transaction(() => {
        for (let n = 0; n < batch.count; n++) {
          usageValues(batch, n, row);
          this.stmt.insertUsage.run(row);
        }
        for (const [id, ms] of providerKeys) this.stmt.touchKey.run({ id, lastUsed: isoTime(ms) });
        for (const [id, ms] of accessKeys) this.stmt.touchAccessKey.run({ id, lastUsed: isoTime(ms) });
      })
      .immediate();
  }

  close(): void {
    this.db.close();
  }
}
