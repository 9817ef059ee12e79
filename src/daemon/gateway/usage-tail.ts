import { foldUsage, type TokenCounts } from './usage.js';

const USAGE_KEY = /"usage"\s*:\s*\{/g;
const STOP_REASON = /"(?:finish_reason|stop_reason)"\s*:\s*"([^"\\]{1,64})"/g;

/** Where the JSON object opened at `open` closes, or -1 when the text ends first. */
function closingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return i;
  }
  return -1;
}

function lastMatch(pattern: RegExp, text: string): RegExpExecArray | undefined {
  let last: RegExpExecArray | undefined;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) last = m;
  return last;
}

/**
 * Usage from the end of a JSON answer too large to hold whole: OpenAI and Anthropic put `usage` and the
 * stop reason last, so the last `"usage": {…}` object and stop reason in the tail are the answer's.
 */
export function foldUsageFromTail(into: TokenCounts, tail: string): void {
  const usage = lastMatch(USAGE_KEY, tail);
  if (usage) {
    const open = usage.index + usage[0].length - 1;
    const close = closingBrace(tail, open);
    if (close !== -1) {
      try {
        foldUsage(into, { usage: JSON.parse(tail.slice(open, close + 1)) });
      } catch {
        // A usage object we cannot read counts as unreported.
      }
    }
  }
  const stop = lastMatch(STOP_REASON, tail);
  if (stop) into.stopReason = stop[1]!;
}
