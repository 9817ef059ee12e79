const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** Whether `value` from `start` on is one or more printable ASCII characters other than a space. */
function isPlainToken(value: string, start: number): boolean {
  if (start >= value.length) return false;
  for (let i = start; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** Whether `value` starts with "Bearer " in any letter case. */
function startsWithBearer(value: string): boolean {
  return value.length > 7 && value.charCodeAt(6) === 0x20 && (value.startsWith('Bearer') || value.slice(0, 6).toLowerCase() === 'bearer');
}

/**
 * The token of an `Authorization: Bearer <token>` header, for both the gateway and the management API over
 * TCP. The usual header, "Bearer " and a printable ASCII token, is read without the regular expression,
 * which runs only for the rest (other whitespace, trailing spaces).
 */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  if (typeof authorization !== 'string') return undefined;
  if (startsWithBearer(authorization) && isPlainToken(authorization, 7)) return authorization.slice(7);
  return BEARER.exec(authorization)?.[1];
}
