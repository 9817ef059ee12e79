import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AigwError, ERRORS, errorBody } from '../../core/errors.js';
import { BODY_ERRORS } from '../body.js';

interface AjvError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

function fieldOf(e: AjvError): string {
  const path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (e.keyword === 'required') return String(e.params.missingProperty);
  if (e.keyword === 'additionalProperties') return String(e.params.additionalProperty);
  return path;
}

/** Turns a schema violation into the same coded errors the domain raises. */
function fromValidation(errors: AjvError[]): AigwError {
  const first = errors[0]!;
  const field = fieldOf(first);
  if (first.keyword === 'required') {
    if (field === 'value') return new AigwError(ERRORS.emptyValue, 'the value field is required and cannot be empty', { field });
    return new AigwError(ERRORS.missingField, `the ${field} field is required`, { field });
  }
  if (first.keyword === 'additionalProperties') {
    return new AigwError(ERRORS.invalidRequest, `unknown field "${field}"`, { field });
  }
  if (first.keyword === 'type' && field === '') {
    return new AigwError(ERRORS.invalidRequest, 'the request body must be a JSON object');
  }
  const expected = first.keyword === 'type' ? `must be ${String(first.params.type).replace(',', ' or ')}` : 'is invalid';
  return new AigwError(ERRORS.invalidRequest, `the ${field} field ${expected}`, { field });
}

const PARSER_ERRORS: Record<string, AigwError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: BODY_ERRORS.notJson,
  FST_ERR_CTP_BODY_TOO_LARGE: BODY_ERRORS.tooLarge,
  FST_ERR_CTP_EMPTY_JSON_BODY: BODY_ERRORS.empty,
  FST_ERR_CTP_INVALID_JSON_BODY: BODY_ERRORS.malformed,
  // Raised by the router before any route runs; they reach us through fastify's frameworkErrors option.
  FST_ERR_BAD_URL: new AigwError(ERRORS.invalidUrl),
  FST_ERR_MAX_PARAM_LENGTH: new AigwError(ERRORS.pathTooLong),
};

/** Maps any error to a coded one; unexpected errors become a 500 whose message reveals nothing. */
export function toAigwError(err: FastifyError | Error): AigwError {
  if (err instanceof AigwError) return err;
  const fe = err as FastifyError & { validation?: AjvError[] };
  if (fe.validation?.length) return fromValidation(fe.validation);
  const known = fe.code ? PARSER_ERRORS[fe.code] : undefined;
  if (known) return known;
  // JSON.parse and secure-json-parse failures (including __proto__ keys) arrive as plain 400s.
  if (fe.statusCode === 400) return new AigwError(ERRORS.malformedJson, 'the request body is not valid JSON');
  return new AigwError(ERRORS.internal, 'internal error; see `aigw daemon logs`');
}

export function sendError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  const coded = toAigwError(err);
  if (coded.def === ERRORS.internal) request.log.error({ err }, 'request failed');
  reply.status(coded.def.status).send(errorBody(coded));
}
