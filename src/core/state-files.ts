import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';

/**
 * Every file under an aigw home is opened with O_NOFOLLOW: a state file replaced by a symbolic link (to
 * another user's file, or to one of ours elsewhere) is refused, never written or read through.
 */
const { O_RDONLY, O_WRONLY, O_CREAT, O_TRUNC, O_APPEND, O_EXCL, O_NOFOLLOW } = constants;

export class SymlinkedStateFileError extends Error {
  constructor(readonly path: string) {
    super(`${path} is a symbolic link; aigw does not read or write its files through links: remove it (\`rm ${path}\`)`);
  }
}

function nofollow<T>(path: string, open: () => T): T {
  try {
    return open();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw new SymlinkedStateFileError(path);
    throw err;
  }
}

/** Opens a log for appending (created 0600). */
export function openStateLog(path: string): number {
  return nofollow(path, () => openSync(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o600));
}

export function readStateFile(path: string): string {
  const fd = nofollow(path, () => openSync(path, O_RDONLY | O_NOFOLLOW));
  try {
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/** Writes a whole file (0600 when created); `exclusive` fails with EEXIST when it is already there. */
export function writeStateFile(path: string, data: string, options: { mode?: number; exclusive?: boolean } = {}): void {
  const flags = O_WRONLY | O_CREAT | O_NOFOLLOW | (options.exclusive ? O_EXCL : O_TRUNC);
  const fd = nofollow(path, () => openSync(path, flags, options.mode ?? 0o600));
  try {
    writeFileSync(fd, data);
  } finally {
    closeSync(fd);
  }
}
