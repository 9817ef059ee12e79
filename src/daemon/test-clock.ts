import { readFileSync } from 'node:fs';
import type { Clock } from '../app/ports.js';

/** Names a file holding an RFC 3339 time: the daemon's clock then runs from it. For tests only. */
export const TEST_CLOCK_ENV = 'AIGW_TEST_CLOCK_FILE';

/**
 * A clock for tests that must cross a budget period or a rate window without waiting: it runs from the time
 * written in the file, at the real pace, and jumps whenever the file's text changes (it is read on each
 * call, which only a test can afford). Unreadable or invalid text keeps the clock where it was.
 */
export function fileClock(file: string): Clock {
  let text = '';
  let base = Date.now();
  let realBase = base;
  const nowMs = () => {
    let current: string;
    try {
      current = readFileSync(file, 'utf8').trim();
    } catch {
      current = text;
    }
    if (current !== text) {
      const parsed = Date.parse(current);
      text = current;
      if (!Number.isNaN(parsed)) {
        base = parsed;
        realBase = Date.now();
      }
    }
    return base + (Date.now() - realBase);
  };
  return { nowMs, now: () => new Date(nowMs()).toISOString() };
}
