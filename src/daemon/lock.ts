import Database from 'better-sqlite3';
import { keep } from '../store/sqlite/handles.js';

export class AlreadyRunningError extends Error {}

/**
 * One daemon per home. The lock is SQLite's exclusive file lock (fcntl), which the kernel drops when the
 * process dies however it dies, so a crashed daemon never leaves a stale lock behind.
 */
export function acquireDaemonLock(lockFile: string): () => void {
  const db = keep(new Database(lockFile, { timeout: 0 }));
  try {
    db.exec('PRAGMA journal_mode = MEMORY; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new AlreadyRunningError('another aigw daemon is already running for this home');
    }
    throw err;
  }
  return () => db.close();
}
