/**
 * Upstream providers sometimes echo the key they were sent in an error ("Incorrect API key provided:
 * sk-proj-ab****wxyz", or the whole key). Before an upstream error body or message is logged or returned,
 * every run of text that matches the key for SCRUB_MIN_FRAGMENT characters or more is replaced by
 * SCRUB_MARK. Keys shorter than that are removed wherever they appear whole.
 *
 * Sound because any substring of the key of length ≥ N is covered by the key's N-character windows: each
 * window is searched for and marked, and marked spans are replaced. The cost is (key length − N + 1)
 * indexOf passes over the body, paid only on error responses.
 */
export const SCRUB_MIN_FRAGMENT = 8;
export const SCRUB_MARK = '[REDACTED]';

export function scrubSecret(text: string, secret: string | undefined): string {
  if (!secret || !text) return text;
  const width = Math.min(SCRUB_MIN_FRAGMENT, secret.length);
  const marked = new Uint8Array(text.length);
  let any = false;
  for (let start = 0; start + width <= secret.length; start++) {
    const window = secret.slice(start, start + width);
    for (let at = text.indexOf(window); at !== -1; at = text.indexOf(window, at + 1)) {
      marked.fill(1, at, at + width);
      any = true;
    }
  }
  if (!any) return text;
  let out = '';
  for (let i = 0; i < text.length; ) {
    if (!marked[i]) {
      let j = i;
      while (j < text.length && !marked[j]) j++;
      out += text.slice(i, j);
      i = j;
    } else {
      while (i < text.length && marked[i]) i++;
      out += SCRUB_MARK;
    }
  }
  return out;
}
