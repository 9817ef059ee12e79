import type pg from 'pg';
import { MIGRATIONS } from './migrations.js';

/** Advisory lock keys: the same numbers in every replica, distinct from what other programs might pick. */
export const LOCKS = { migrate: 0x61696777_01, write: 0x61696777_02 } as const;

/**
 * Brings the schema to this version. Replicas starting together queue on one advisory lock, so each
 * migration is applied once; a database newer than this program is refused rather than written to.
 */
export async function migrate(client: pg.ClientBase): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [LOCKS.migrate]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS aigw_schema (version integer NOT NULL)');
    await client.query('INSERT INTO aigw_schema (version) SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM aigw_schema)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM aigw_schema');
    const current = rows[0]!.version;
    if (current > MIGRATIONS.length) {
      throw new Error(`the database schema is at version ${current}; this aigw knows version ${MIGRATIONS.length}: upgrade aigw`);
    }
    for (let version = current; version < MIGRATIONS.length; version++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[version]!);
        await client.query('UPDATE aigw_schema SET version = $1', [version + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCKS.migrate]);
  }
}
