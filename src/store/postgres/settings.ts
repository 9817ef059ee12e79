import { randomUUID } from 'node:crypto';
import type { Db } from './connection.js';

const GET = 'SELECT value FROM settings WHERE name = $1';
const SET = 'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET value = excluded.value';
const DELETE = 'DELETE FROM settings WHERE name = $1';
const WITH_PREFIX = 'SELECT name, value FROM settings WHERE left(name, length($1)) = $1';
const INSERT_IF_NONE = 'INSERT INTO settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING';
const INSTALL_ID = 'install_id';

export async function getSetting(db: Db, name: string): Promise<string | undefined> {
  return (await db.row<{ value: string }>(GET, [name]))?.value;
}

export async function setSettings(db: Db, entries: Record<string, string | null>): Promise<void> {
  for (const [name, value] of Object.entries(entries)) {
    if (value === null) await db.run(DELETE, [name]);
    else await db.run(SET, [name, value]);
  }
}

export async function getSettings(db: Db, prefix: string): Promise<Record<string, string>> {
  const rows = await db.rows<{ name: string; value: string }>(WITH_PREFIX, [prefix]);
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

/** The database's install id, made by whichever replica got there first. */
export async function ensureInstallId(db: Db): Promise<string> {
  await db.run(INSERT_IF_NONE, [INSTALL_ID, randomUUID()]);
  return (await getSetting(db, INSTALL_ID))!;
}
