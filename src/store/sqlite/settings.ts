import { randomUUID } from 'node:crypto';
import type { Connection } from './connection.js';

const GET = 'SELECT value FROM settings WHERE name = ?';
const SET = 'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value';
const DELETE = 'DELETE FROM settings WHERE name = ?';
const WITH_PREFIX = 'SELECT name, value FROM settings WHERE substr(name, 1, length(@prefix)) = @prefix';
const INSTALL_ID = 'install_id';

export function getSetting(c: Connection, name: string): string | undefined {
  return c.sql<[string], { value: string }>(GET).get(name)?.value;
}

export function setSettings(c: Connection, entries: Record<string, string | null>): void {
  for (const [name, value] of Object.entries(entries)) {
    if (value === null) c.sql(DELETE).run(name);
    else c.sql(SET).run(name, value);
  }
}

export function getSettings(c: Connection, prefix: string): Record<string, string> {
  const rows = c.sql<{ prefix: string }, { name: string; value: string }>(WITH_PREFIX).all({ prefix });
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

export function ensureInstallId(c: Connection): string {
  const existing = getSetting(c, INSTALL_ID);
  if (existing) return existing;
  const id = randomUUID();
  setSettings(c, { [INSTALL_ID]: id });
  return id;
}
