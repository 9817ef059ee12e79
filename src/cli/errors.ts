import { AigwError, ERRORS, errorDefByCode, type ErrorBody, type ErrorDef, type ErrorKind } from '../core/errors.js';

/** The exit-code table, documented in the README and `aigw help exit-codes`. */
export const EXIT_CODES = [
  { code: 0, meaning: 'success' },
  { code: 1, meaning: 'error: an unexpected failure, or a confirmation answered no' },
  { code: 2, meaning: 'usage error: a bad flag, argument or value; nothing was changed' },
  { code: 3, meaning: 'not found: the resource does not exist' },
  { code: 4, meaning: 'the daemon (or, for provider-keys test, the provider) is unreachable, did not start, or refused the credentials' },
  { code: 5, meaning: 'conflict or limit: the change would break a rule or a reference' },
  { code: 130, meaning: 'interrupted (Ctrl-C)' },
] as const;

const EXIT_BY_KIND: Record<ErrorKind, number> = {
  usage: 2,
  notFound: 3,
  auth: 4,
  unavailable: 4,
  conflict: 5,
  internal: 1,
  cancelled: 1,
  interrupted: 130,
};

export function exitCodeOf(err: AigwError): number {
  return EXIT_BY_KIND[err.def.kind];
}

function kindOfStatus(status: number): ErrorKind {
  if (status === 404) return 'notFound';
  if (status === 401 || status === 403) return 'auth';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'usage';
  if (status === 503) return 'unavailable';
  return 'internal';
}

/** Rebuilds the daemon's coded error; a code this CLI does not know keeps its number and gets a kind from the status. */
export function fromErrorBody(body: Partial<ErrorBody>, status: number): AigwError {
  const code = typeof body.errorCode === 'string' ? body.errorCode : undefined;
  const def: ErrorDef = (code && errorDefByCode(code)) || {
    code: code ?? `HTTP_${status}`,
    status,
    kind: kindOfStatus(status),
    summary: `the daemon answered ${status}`,
  };
  const msg = typeof body.msg === 'string' && body.msg ? body.msg : def.summary;
  return new AigwError(def, msg, (body.details as Record<string, string>) ?? {});
}

export function usageError(message: string): AigwError {
  return new AigwError(ERRORS.usage, message);
}
