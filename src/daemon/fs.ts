import { chmodSync, lstatSync, mkdirSync } from 'node:fs';

/** Creates an owner-only directory, or checks that an existing one is ours and private. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new Error(`${dir} belongs to another user; remove it or choose another AIGW_HOME`);
  }
  if (st.mode & 0o077) chmodSync(dir, 0o700);
}
