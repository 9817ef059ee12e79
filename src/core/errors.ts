/**
 * The one table of error codes. The API answers with `{ errorCode, statusCode, msg, details }`;
 * the CLI maps each code's `kind` to an exit status (src/cli/errors.ts).
 * Where ngrok's AI Gateway documents an error for the same case, the number is ngrok's.
 */
export type ErrorKind =
  | 'usage'
  | 'notFound'
  | 'auth'
  | 'unavailable'
  | 'conflict'
  | 'internal'
  | 'cancelled'
  | 'interrupted';

export interface ErrorDef {
  readonly code: string;
  readonly status: number;
  readonly kind: ErrorKind;
  readonly summary: string;
}

function def(number: number, status: number, kind: ErrorKind, summary: string): ErrorDef {
  return { code: `ERR_AIGW_${number}`, status, kind, summary };
}

export const ERRORS = {
  // Requests the API cannot read.
  malformedJson: def(10001, 400, 'usage', 'the request body is not valid JSON'),
  invalidRequest: def(10002, 400, 'usage', 'a field is unknown or of the wrong type'),
  unsupportedMediaType: def(10003, 415, 'usage', 'the request body must be application/json'),
  bodyTooLarge: def(10004, 413, 'usage', 'the request body is too large'),
  invalidQuery: def(10005, 400, 'usage', 'a query parameter is invalid'),
  invalidUrl: def(10006, 400, 'usage', 'the URL is not valid (a bad percent-encoding, say)'),
  pathTooLong: def(10007, 414, 'usage', 'a segment of the URL path is too long'),
  jsonTooDeep: def(10008, 400, 'usage', 'the request body nests arrays or objects more than 256 levels deep'),
  // Budgets and rate limits on access keys and configurations (h20a).
  invalidBudgetAmount: def(10030, 422, 'usage', 'the budget amount must be a number of USD above 0'),
  invalidBudgetPeriod: def(10031, 422, 'usage', 'the budget period must be day, week, month or none'),
  invalidSoftLimit: def(10032, 422, 'usage', 'the soft limit must be above 0 and below the budget'),
  invalidRateLimit: def(10033, 422, 'usage', 'a rate limit must be a whole number above 0'),
  invalidValue: def(10013, 422, 'usage', 'the key value contains characters a header cannot carry'),
  valueTooLong: def(10014, 422, 'usage', 'the key value is longer than 8192 bytes'),
  // Provider keys: ngrok's numbers and statuses.
  nameTooLong: def(27501, 422, 'usage', 'the name field cannot be longer than 255 characters'),
  descriptionTooLong: def(27502, 422, 'usage', 'the description field cannot be longer than 255 characters'),
  metadataTooLong: def(27503, 422, 'usage', 'the metadata field cannot be longer than 4096 characters'),
  tooManyProviderKeys: def(27506, 422, 'conflict', 'too many keys for this provider on this access key'),
  emptyValue: def(27507, 422, 'usage', 'the value field is required and cannot be empty'),
  unknownProvider: def(27508, 422, 'usage', 'the provider id is not a supported AI provider'),
  missingField: def(27510, 422, 'usage', 'a required field is missing'),
  accessKeyNotFound: def(27509, 404, 'notFound', 'the access key does not exist'),
  providerKeyInUse: def(27511, 409, 'conflict', 'the key is referenced by a router rule'),
  // Access keys and access key configurations: ngrok's generic control-plane numbers.
  invalidRouter: def(27605, 422, 'usage', 'invalid router configuration'),
  invalidField: def(27606, 422, 'usage', 'a field has an invalid value'),
  inUse: def(27615, 409, 'conflict', 'the resource is still in use and cannot be deleted'),
  // Custom providers: ngrok's 277xx.
  providerNameTooLong: def(27701, 422, 'usage', 'the name field cannot be longer than 255 characters'),
  providerMetadataTooLong: def(27702, 422, 'usage', 'the metadata field cannot be longer than 4096 characters'),
  baseUrlTooLong: def(27703, 422, 'usage', 'the baseUrl field cannot be longer than 2048 characters'),
  providerIdReserved: def(27705, 409, 'conflict', 'the provider id is reserved by a built-in provider'),
  providerIdTooLong: def(27706, 422, 'usage', 'the providerId field cannot be longer than 255 characters'),
  unsupportedApiFormat: def(27707, 422, 'usage', 'the API surface format is not supported'),
  unsupportedApiSurface: def(27708, 422, 'usage', 'the API surface is not supported'),
  modelIdTooLong: def(27709, 422, 'usage', 'the modelId field cannot be longer than 255 characters'),
  providerInUse: def(27710, 409, 'conflict', 'the provider is referenced by a provider key or an access key configuration'),
  duplicateModel: def(27711, 422, 'usage', 'a model id is listed more than once'),
  duplicateProvider: def(27712, 409, 'conflict', 'a provider with this provider id already exists'),
  baseUrlNotAllowed: def(27718, 422, 'usage', 'the base URL is not allowed'),
  // The gateway (data plane). ngrok's numbers where it has one for the case, aigw's own 30xxx otherwise.
  accessKeyInvalid: def(27201, 401, 'auth', 'authentication failed: the access key is missing, unknown or deleted'),
  noProviderKeys: def(27202, 503, 'unavailable', 'no provider keys are available for this provider'),
  upstreamTimeout: def(27610, 504, 'unavailable', 'the upstream did not answer in time'),
  upstreamFailed: def(27613, 502, 'unavailable', 'every upstream attempt failed'),
  modelRequired: def(30001, 400, 'usage', 'the request names no model'),
  unknownModel: def(30002, 400, 'usage', 'no provider is known for this model'),
  modelForbidden: def(30003, 403, 'auth', "the access key's configuration does not allow this provider or model"),
  unsupportedApi: def(30004, 400, 'usage', 'the provider does not speak this API'),
  streamInterrupted: def(30005, 502, 'unavailable', 'the upstream failed in the middle of a streamed response'),
  keysCoolingDown: def(30006, 503, 'unavailable', 'every key for this request is resting after a 429'),
  hostNotAllowed: def(30007, 403, 'auth', 'the Host header names a host the gateway does not serve'),
  originNotAllowed: def(30008, 403, 'auth', 'the browser origin is not allowed to call the gateway'),
  inputTokensOverCap: def(30017, 413, 'usage', 'the request has more input tokens than maxInputTokens allows'),
  bodiesInFlight: def(30020, 503, 'unavailable', 'the request bodies in flight hold all the memory the gateway allows them'),
  // Key lifecycle (expiry, disable/enable, rotation grace) and key selection strategies.
  invalidDuration: def(10040, 422, 'usage', 'a duration is not valid (use a number and a unit: 90s, 30m, 2h, 7d, 1w)'),
  invalidTime: def(10041, 422, 'usage', 'a time is not an RFC 3339 timestamp such as 2026-12-31T23:59:59Z'),
  expiryInPast: def(10042, 422, 'usage', 'the expiry is not in the future'),
  gracePeriodTooLong: def(10043, 422, 'usage', 'the rotation grace period is longer than 30 days'),
  unknownKeySelectionStrategy: def(27720, 422, 'usage', 'the keySelectionStrategy is not ordered, roundRobin or weighted'),
  invalidKeyWeight: def(27721, 422, 'usage', 'a key weight must be a positive number up to 1000000'),
  weightOutsideWeightedStep: def(27722, 422, 'usage', 'a key weight is only allowed in a step whose keySelectionStrategy is weighted'),
  accessKeyExpired: def(30050, 401, 'auth', 'authentication failed: the access key has expired'),
  accessKeyDisabled: def(30051, 401, 'auth', 'authentication failed: the access key is disabled'),
  accessKeyRotated: def(30052, 401, 'auth', 'authentication failed: the token was rotated out and its grace period is over'),
  // Budgets and rate limits (h20a): refused before any upstream call.
  budgetExceeded: def(30030, 402, 'unavailable', 'the budget of the access key or its configuration is spent for this period'),
  budgetModelUnpriced: def(30031, 400, 'usage', 'the model has no price, so a budget cannot count what it costs'),
  requestRateLimited: def(30032, 429, 'unavailable', 'the requests-per-minute limit of the access key or its configuration is reached'),
  tokenRateLimited: def(30033, 429, 'unavailable', 'the tokens-per-minute limit of the access key or its configuration is reached'),
  concurrencyLimited: def(30034, 429, 'unavailable', 'the access key or its configuration has its most requests in flight'),
  // Passthrough (the client's own provider key) and `aigw import traffic-policy`.
  passthroughNotLoopback: def(10060, 409, 'conflict', 'passthrough is allowed only while the gateway listens on a loopback address'),
  passthroughNotApplicable: def(30070, 401, 'auth', 'the credential is not an aigw access key, and passthrough does not apply to this model'),
  invalidTrafficPolicy: def(20050, 0, 'usage', 'the Traffic Policy file cannot be imported'),
  importIncomplete: def(20051, 0, 'internal', 'the import stopped part way; what it created is listed'),
  // Lookups.
  controlTokenInvalid: def(10401, 401, 'auth', 'the management API over TCP needs its bearer token'),
  notFound: def(10404, 404, 'notFound', 'no such resource'),
  routeNotFound: def(10405, 404, 'notFound', 'no such API route'),
  // The daemon's own state.
  secretStoreUnavailable: def(10503, 503, 'unavailable', 'the secret store cannot be reached'),
  storeUnavailable: def(10504, 503, 'unavailable', 'the Store\'s database cannot be reached'),
  internal: def(10500, 500, 'internal', 'internal error'),
  // The PostgreSQL Store and its replicas.
  rewrapNeedsDatabase: def(20070, 409, 'conflict', 'only the database secret store re-wraps its values under a new master key'),
  // The PostgreSQL Store with main's features (h21p).
  databasePasswordInServiceFile: def(20090, 0, 'usage', 'daemon install never writes a database password into the service file'),
  // Graceful shutdown and metrics (h21m).
  gatewayDraining: def(30100, 503, 'unavailable', 'the daemon is shutting down and takes no new gateway requests'),
  // Raised by the CLI before or instead of calling the daemon.
  usage: def(20002, 0, 'usage', 'the command line is invalid'),
  // Commander's own parse errors, one code each.
  unknownCommand: def(20021, 0, 'usage', 'no such command'),
  unknownOption: def(20022, 0, 'usage', 'no such option'),
  missingArgument: def(20023, 0, 'usage', 'a required argument or flag value is missing'),
  invalidArgument: def(20024, 0, 'usage', 'a flag or argument has an invalid value'),
  excessArguments: def(20025, 0, 'usage', 'too many arguments'),
  valueRequired: def(20003, 0, 'usage', 'no key value was given'),
  confirmationRequired: def(20004, 0, 'usage', 'a destructive command needs --yes when not on a terminal'),
  unreadableInput: def(20005, 0, 'usage', 'an input file cannot be read'),
  invalidInputFile: def(20007, 0, 'usage', 'an input file is not valid JSON'),
  daemonUnreachable: def(20010, 0, 'unavailable', 'the daemon cannot be reached'),
  daemonStartFailed: def(20011, 0, 'unavailable', 'the daemon did not start'),
  daemonNotRunning: def(20012, 0, 'unavailable', 'the daemon is not running'),
  providerUnreachable: def(20013, 0, 'unavailable', 'the provider could not be reached to check the key'),
  gatewayNotListening: def(20014, 0, 'unavailable', 'the daemon runs but its gateway is not listening'),
  cancelled: def(20006, 0, 'cancelled', 'cancelled at the confirmation prompt'),
  doctorFoundProblems: def(20020, 0, 'internal', 'aigw doctor found problems'),
  interrupted: def(20130, 0, 'interrupted', 'interrupted'),
  // aigw run, aigw env, provider-keys import, daemon install (h22).
  commandNotFound: def(20030, 0, 'usage', 'the command to run was not found (exit status 127)'),
  commandNotRunnable: def(20031, 0, 'usage', 'the command to run cannot be executed (exit status 126)'),
  invalidTtl: def(20032, 0, 'usage', '--ttl must be a duration such as 90s, 30m, 2h or 7d'),
  invalidImportList: def(20033, 0, 'usage', 'an import list is not a list of { providerId, value } entries'),
  noImportSource: def(20034, 0, 'usage', 'provider-keys import needs --from-env, --from-dotenv or --from-file'),
  serviceManagerUnavailable: def(20035, 0, 'unavailable', 'no systemd user instance (or launchd) runs here to start the daemon at login'),
  serviceManagerFailed: def(20036, 0, 'internal', 'systemctl or launchctl failed'),
  unsupportedPlatform: def(20037, 0, 'usage', 'daemon install supports Linux (systemd) and macOS (launchd) only'),
  // The remote control plane over TLS: named control tokens, certificates, plain HTTP refused off loopback (h21t).
  controlPlainHttpNotLoopback: def(10070, 0, 'usage', 'the management API over plain HTTP may listen on a loopback address only; give it --tls-cert and --tls-key'),
  controlTlsIncomplete: def(10071, 0, 'usage', '--tls-cert and --tls-key go together, and only with --control-listen'),
  controlTlsUnreadable: def(10072, 0, 'usage', 'the TLS certificate or key of the management API cannot be read or used'),
  controlTokenLocalOnly: def(10073, 403, 'auth', 'control tokens are created and deleted over the local socket only, on the daemon\'s machine'),
  controlTokenNotFound: def(27730, 404, 'notFound', 'the control token does not exist'),
  controlTokenNameTaken: def(27731, 409, 'conflict', 'a control token with this name exists already'),
  invalidControlTokenName: def(27732, 422, 'usage', 'a control token name is 1 to 64 letters, digits and . _ @ -'),
  controlUrlInsecure: def(20095, 0, 'usage', 'AIGW_CONTROL_URL must be https:// unless it names a loopback address'),
  controlTokenMissing: def(20096, 0, 'usage', 'AIGW_CONTROL_URL to another machine needs a token: AIGW_CONTROL_TOKEN, --token-file or AIGW_CONTROL_TOKEN_FILE'),
  controlCertificateUntrusted: def(20097, 0, 'unavailable', "the daemon's TLS certificate is not trusted; give its CA with AIGW_CONTROL_CA"),
  // `aigw doctor` against a remote daemon (AIGW_CONTROL_URL): what stops it from checking the daemon (h21d).
  doctorRemoteUnreachable: def(20110, 0, 'unavailable', 'aigw doctor cannot reach the management API at AIGW_CONTROL_URL'),
  doctorRemoteUntrusted: def(20111, 0, 'unavailable', "aigw doctor does not trust the daemon's TLS certificate, so it sends no token there"),
  doctorRemoteTokenRefused: def(20112, 0, 'auth', 'the daemon at AIGW_CONTROL_URL refused the control token'),
} as const satisfies Record<string, ErrorDef>;

export type ErrorName = keyof typeof ERRORS;

const BY_CODE = new Map<string, ErrorDef>(Object.values(ERRORS).map((d) => [d.code, d]));

export function errorDefByCode(code: string): ErrorDef | undefined {
  return BY_CODE.get(code);
}

/** String values only, as in ngrok's error schema. */
export type ErrorDetails = Record<string, string>;

/** An error with a stable code. Its message is one line, says what to do, and never holds a secret. */
export class AigwError extends Error {
  constructor(
    readonly def: ErrorDef,
    message: string = def.summary,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = 'AigwError';
  }

  get code(): string {
    return this.def.code;
  }
}

export interface ErrorBody {
  errorCode: string;
  statusCode: number;
  msg: string;
  details: ErrorDetails;
}

export function errorBody(err: AigwError): ErrorBody {
  return { errorCode: err.code, statusCode: err.def.status, msg: err.message, details: err.details };
}
