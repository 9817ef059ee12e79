import type Database from 'better-sqlite3';

/**
 * Every better-sqlite3 object aigw makes lives as long as its thread. On Node 24.19 and later, a Statement
 * or Database that the garbage collector finalizes aborts the whole process (better-sqlite3 12's
 * node::ObjectWrap destructor asserts a current Environment, which a GC run from a V8 task does not have;
 * better-sqlite3 13 fixes it but needs Node 22). So every connection is kept from the moment it opens, even
 * once closed; statements are prepared once per connection and SQL text, and kept; settings go through
 * `exec`, which makes no Statement. Never call `db.pragma()` or a one-off `db.prepare()`.
 */
const kept = new Map<Database.Database, Map<string, Database.Statement>>();

/** Takes a connection just opened (`keep(new Database(...))`); this module needs no runtime import of it. */
export function keep(db: Database.Database): Database.Database {
  kept.set(db, new Map());
  return db;
}

type StatementOf<P, R> = P extends unknown[] ? Database.Statement<P, R> : Database.Statement<[P], R>;

/** The connection's statement for this SQL, prepared on first use; typed as `db.prepare` types it. */
export function statementFor<P extends unknown[] | {} = unknown[], R = unknown>(db: Database.Database, sql: string): StatementOf<P, R> {
  const statements = kept.get(db);
  if (!statements) throw new Error('a connection not kept: open it as keep(new Database(...))');
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement as StatementOf<P, R>;
}

/** A pragma's value, such as `user_version`. */
export function pragmaValue(db: Database.Database, name: string): unknown {
  return statementFor(db, `PRAGMA ${name}`).pluck().get();
}
