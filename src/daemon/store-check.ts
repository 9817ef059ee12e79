import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { StoreCheck } from '../core/daemon-status.js';
import { resolvePaths } from '../core/paths.js';
import { keep, statementFor } from '../store/sqlite/handles.js';

const BUSY_TIMEOUT_MS = 2000;

/** Opens the store read-only and asks SQLite to check it; the daemon need not be running. */
export function checkStoreFile(dbFile: string): StoreCheck {
  if (!existsSync(dbFile)) return { status: 'skip', detail: `no store yet at ${dbFile} (created when the daemon first starts)` };
  try {
    const db = keep(new Database(dbFile, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS }));
    try {
      const result = (statementFor(db, 'PRAGMA quick_check').pluck().all() as string[]).join('; ');
      if (result === 'ok') return { status: 'ok', detail: `${dbFile}: quick_check ok` };
      return { status: 'fail', detail: `${dbFile}: ${result}`, fix: `stop the daemon, move ${dbFile} aside and restore it from a backup` };
    } finally {
      db.close();
    }
  } catch (err) {
    return {
      status: 'fail',
      detail: `cannot open ${dbFile}: ${(err as Error).message}`,
      fix: `check that the file is yours and readable (chmod 600 ${dbFile})`,
    };
  }
}

/** Asks the PostgreSQL Store's server for its version and the schema's; the URL is never shown (it may hold a password). */
export async function checkDatabase(url: string): Promise<StoreCheck> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: BUSY_TIMEOUT_MS, application_name: 'aigw-store-check' });
  try {
    await client.connect();
    const { rows } = await client.query<{ server: string; schema: number | null }>(
      "SELECT current_setting('server_version') AS server, (SELECT version FROM aigw_schema) AS schema",
    );
    return { status: 'ok', detail: `PostgreSQL ${rows[0]!.server} (database ${client.database}): schema version ${rows[0]!.schema}` };
  } catch (err) {
    return {
      status: 'fail',
      detail: `the PostgreSQL Store does not answer: ${(err as Error).message}`,
      fix: 'check AIGW_DATABASE_URL and that the database server is up',
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

// Run as a program (core/daemon-runtime.ts starts it), it prints the check of this home's store as JSON.
if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const url = process.env.AIGW_DATABASE_URL;
  const check = url ? await checkDatabase(url) : checkStoreFile(resolvePaths().dbFile);
  process.stdout.write(JSON.stringify(check));
}
