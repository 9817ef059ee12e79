import { existsSync, lstatSync, mkdirSync, statSync } from 'node:fs';

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

/** Refuses an existing file that others can read or write (a database that holds key metadata, say). */
export function ensurePrivateFile(file: string): void {
  if (!existsSync(file)) return;
  const mode = statSync(file).mode & 0o777;
  if (mode & 0o077) {
    throw new UnsafePermissionsError(`${file} is open to other users (mode ${mode.toString(8)}); run \`chmod 600 ${file}\``);
  }
}
