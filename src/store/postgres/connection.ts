import type pg from 'pg';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { Page, PageQuery } from '../types.js';

export type Value = string | number | boolean | null;

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/** SQLSTATE classes that say the server, not the statement, is the trouble (connection, shutdown, overload). */
const SERVER_UNAVAILABLE = /^(08|57P0[1-3]|53300)/;

/**
 * A failure to reach PostgreSQL as the coded 503 every caller understands; a statement's own error (a
 * SQLSTATE outside those classes) is left as it is. Errors without a SQLSTATE are the socket's or pg's
 * own ("Connection terminated", ECONNREFUSED, a connect timeout).
 */
function unavailableOr(err: unknown): unknown {
  if (err instanceof AigwError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !SERVER_UNAVAILABLE.test(code)) return err;
  const reason = (err as Error).message || String(code);
  return new AigwError(
    ERRORS.storeUnavailable,
    `PostgreSQL cannot be reached (${reason}); check that the database server is up and reachable from the daemon, then retry`,
    { reason },
  );
}

export const rethrowUnavailable = (err: unknown): never => {
  throw unavailableOr(err);
};

/**
 * What the aggregates run their SQL on: the pool for a read, or the one client of a write's transaction.
 * Parameters are positional ($1, $2, …), as PostgreSQL's protocol has them.
 */
export class Db {
  /** Whether a statement run through `run` has changed a row: a transaction that did not wrote nothing. */
  changed = false;

  constructor(private readonly q: pg.Pool | pg.PoolClient) {}

  async rows<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
    return (await this.q.query(sql, params as unknown[]).catch(rethrowUnavailable)).rows as R[];
  }

  async row<R>(sql: string, params: readonly unknown[] = []): Promise<R | undefined> {
    return (await this.rows<R>(sql, params))[0];
  }

  /** The number of rows the statement changed. */
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const changed = (await this.q.query(sql, params as unknown[]).catch(rethrowUnavailable)).rowCount ?? 0;
    if (changed > 0) this.changed = true;
    return changed;
  }

  /** Newest first by id, one more row than asked for to tell whether there is a next page. */
  async page<Row, T>(select: string, idColumn: string, query: PageQuery, filters: Record<string, Value>, map: (row: Row) => T): Promise<Page<T>> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.beforeId !== undefined) {
      params.push(query.beforeId);
      where.push(`${idColumn} < $${params.length}`);
    }
    for (const [column, value] of Object.entries(filters)) {
      params.push(value);
      where.push(`${column} = $${params.length}`);
    }
    params.push(query.limit + 1);
    const sql = `${select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${idColumn} DESC LIMIT $${params.length}`;
    const rows = await this.rows<Row>(sql, params);
    return { items: rows.slice(0, query.limit).map(map), hasMore: rows.length > query.limit };
  }

  /** Sets the given columns (undefined = unchanged) and updated_at; false when there is no such row. */
  async updateColumns(table: string, id: string, values: Record<string, Value | undefined>, updatedAt: string): Promise<boolean> {
    const given = Object.entries(values).filter(([, v]) => v !== undefined) as [string, Value][];
    const params: unknown[] = given.map(([, v]) => v);
    const sets = given.map(([column], i) => `${column} = $${i + 1}`);
    params.push(updatedAt, id);
    sets.push(`updated_at = $${params.length - 1}`);
    return (await this.run(`UPDATE ${table} SET ${sets.join(', ')} WHERE id = $${params.length}`, params)) > 0;
  }
}

/** `INSERT INTO table (columns) VALUES ($1, …)` for a column list. */
export function insertSql(table: string, columns: readonly string[]): string {
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`;
}
