const MASK = '***';

/**
 * The one way a secret is shown after it is stored: `sk-proj-ab***wxyz`.
 * Short values reveal less, because 14 revealed characters of a short key would be most of it.
 */
export function redact(value: string): string {
  const chars = [...value];
  if (chars.length < 12) return MASK;
  const last4 = chars.slice(-4).join('');
  if (chars.length < 32) return MASK + last4;
  return chars.slice(0, 10).join('') + MASK + last4;
}
