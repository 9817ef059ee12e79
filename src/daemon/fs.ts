import { lstatSync, mkdirSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** Raised when the daemon must not start: the message says what to run. */
export class UnsafePermissionsError extends Error {}

/** Creates an owner-only directory, or checks that an existing one is ours and private. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new UnsafePermissionsError(`${dir} is not a directory; move it away`);
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new UnsafePermissionsError(`${dir} belongs to another user; remove it or choose another AIGW_HOME`);
  }
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    throw new UnsafePermissionsError(`${dir} is open to other users (mode ${mode.toString(8)}); run \`chmod 700 ${dir}\``);
  }
}

function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Refuses an existing state file that is a symbolic link (the daemon would write through it), belongs to
 * another user, or that others can read or write (a log or a database that holds key metadata, say).
 */
export function ensurePrivateFile(file: string): void {
  const st = lstatIfAny(file);
  if (!st) return;
  if (st.isSymbolicLink()) {
    throw new UnsafePermissionsError(`${file} is a symbolic link; aigw does not write through links: remove it (\`rm ${file}\`)`);
  }
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
    throw new UnsafePermissionsError(`${file} belongs to another user; remove it or choose another AIGW_HOME`);
  }
  const mode = st.mode & 0o777;
  if (mode & 0o077) {
    throw new UnsafePermissionsError(`${file} is open to other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\``);
  }
}

/** An existing directory of state files (the secrets, say): private itself, and every file in it. */
export function ensurePrivateTree(dir: string): void {
  if (!lstatIfAny(dir)) return;
  ensurePrivateDir(dir);
  for (const name of readdirSync(dir)) ensurePrivateFile(join(dir, name));
}
