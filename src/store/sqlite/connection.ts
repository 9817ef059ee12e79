import type Database from 'better-sqlite3';
import type { Page, PageQuery } from '../types.js';
import { statementFor } from './handles.js';

export type Params = Record<string, string | number | null>;

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * The store's connection and the few ways its aggregates use it. Statements are prepared once per SQL text
 * and kept (see handles.ts), so an aggregate names its statements by their SQL.
 */
export class Connection {
  constructor(readonly db: Database.Database) {}

  sql<P extends unknown[] | {} = unknown[], R = unknown>(sql: string) {
    return statementFor<P, R>(this.db, sql);
  }

  /** Newest first by id, one more row than asked for to tell whether there is a next page. */
  page<Row, T>(select: string, idColumn: string, query: PageQuery, filters: Params, map: (row: Row) => T): Page<T> {
    const where: string[] = [];
    const params: Params = { limit: query.limit + 1 };
    if (query.beforeId !== undefined) {
      where.push(`${idColumn} < @beforeId`);
      params.beforeId = query.beforeId;
    }
    for (const [column, value] of Object.entries(filters)) {
      where.push(`${column} = @${column}`);
      params[column] = value;
    }
    const sql = `${select}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${idColumn} DESC LIMIT @limit`;
    const rows = this.sql<Params, Row>(sql).all(params);
    return { items: rows.slice(0, query.limit).map(map), hasMore: rows.length > query.limit };
  }

  /** Sets the given columns (undefined = unchanged) and updated_at; false when there is no such row. */
  updateColumns(table: string, id: string, values: Record<string, string | number | boolean | null | undefined>, updatedAt: string): boolean {
    const given = Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([column, v]) => [column, typeof v === 'boolean' ? Number(v) : v]) as [string, string | number | null][];
    const sets = [...given.map(([column]) => `${column} = @${column}`), 'updated_at = @updatedAt'];
    const sql = `UPDATE ${table} SET ${sets.join(', ')} WHERE id = @id`;
    return this.sql<Params>(sql).run({ ...Object.fromEntries(given), updatedAt, id }).changes > 0;
  }
}
