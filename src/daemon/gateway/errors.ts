import type { ServerResponse } from 'node:http';
import { AigwError, ERRORS } from '../../core/errors.js';
import type { ApiFormat } from '../../core/providers.js';
import { ATTEMPTS_HEADER, REQUEST_ID_HEADER } from './upstream.js';

/** One attempt as the client sees it when everything failed: never a key value, only its redacted form. */
export interface AttemptSummary {
  attempt: number;
  model: string;
  providerKeyId: string | null;
  keyRedacted: string | null;
  status: number | null;
  error?: string;
}

const OPENAI_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_quota',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};
const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  503: 'overloaded_error',
  504: 'timeout_error',
};

/**
 * The error in the dialect of the API that was called, so the official SDKs show its message:
 * OpenAI's `{ error: { message, type, code } }` or Anthropic's `{ type: "error", error: { type, message } }`.
 * aigw's stable code rides along, and, when every attempt failed, the list of attempts.
 */
export function gatewayErrorBody(format: ApiFormat, err: AigwError, requestId: string, attempts?: readonly AttemptSummary[]) {
  const status = err.def.status;
  const extra = attempts ? { attempts } : {};
  if (format === 'anthropic') {
    return {
      type: 'error',
      error: { type: ANTHROPIC_TYPES[status] ?? 'api_error', message: err.message, code: err.code, ...extra },
      request_id: requestId,
    };
  }
  return {
    error: { message: err.message, type: OPENAI_TYPES[status] ?? 'api_error', param: null, code: err.code, ...extra },
  };
}

/** What a gateway reply carries besides its body: aigw's headers, when a call got that far, and its attempts. */
export interface ReplyContext {
  requestId?: string;
  attempts?: number;
  summaries?: readonly AttemptSummary[];
  headers?: Record<string, string>;
}

/** A JSON answer on the raw response, with aigw's headers when the call got far enough to have them. */
export function writeGatewayJson(res: ServerResponse, status: number, payload: unknown, context: ReplyContext = {}): void {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = {
    ...context.headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
  };
  if (context.requestId !== undefined) headers[REQUEST_ID_HEADER] = context.requestId;
  if (context.attempts !== undefined) headers[ATTEMPTS_HEADER] = String(context.attempts);
  res.writeHead(status, headers);
  res.end(body);
}

let countError: ((code: string) => void) | undefined;

/** Where coded error answers are counted: the metrics, when they are on (one daemon per process). */
export function countGatewayErrors(count: (code: string) => void): void {
  countError = count;
}

export function writeGatewayError(res: ServerResponse, format: ApiFormat, err: AigwError, context: ReplyContext = {}): void {
  countError?.(err.code);
  writeGatewayJson(res, err.def.status, gatewayErrorBody(format, err, context.requestId ?? '', context.summaries), context);
}

/** The last SSE event of a stream that broke: the SDKs raise it as an error instead of seeing a clean end. */
export function streamErrorEvent(format: ApiFormat, message: string): string {
  const err = new AigwError(ERRORS.streamInterrupted, message);
  const body = gatewayErrorBody(format, err, '');
  if (format === 'anthropic') return `event: error\ndata: ${JSON.stringify({ type: 'error', error: body.error })}\n\n`;
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}
