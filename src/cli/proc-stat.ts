import { readFileSync } from 'node:fs';

/**
 * A process's fields in Linux's /proc/<pid>/stat after its command name (state first, then ppid, pgrp, …),
 * or undefined where there is no such file. The name is in parentheses and may itself hold spaces and ')',
 * so the fields start after the last ')'.
 */
export function procStatFields(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}
