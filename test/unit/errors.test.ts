import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AigwError, ERRORS, errorDefByCode } from '../../src/core/errors.js';
import { EXIT_CODES, exitCodeOf, fromErrorBody } from '../../src/cli/errors.js';

test('every error code is unique and stable in form', () => {
  const codes = Object.values(ERRORS).map((d) => d.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(code, /^ERR_AIGW_\d{5}$/);
});

test('ngrok-documented cases keep ngrok numbers', () => {
  assert.equal(ERRORS.emptyValue.code, 'ERR_AIGW_27507');
  assert.equal(ERRORS.unknownProvider.code, 'ERR_AIGW_27508');
  assert.equal(ERRORS.nameTooLong.code, 'ERR_AIGW_27501');
  assert.equal(ERRORS.metadataTooLong.code, 'ERR_AIGW_27503');
});

test('every error maps to a documented exit code', () => {
  const documented = new Set<number>(EXIT_CODES.map((e) => e.code));
  for (const def of Object.values(ERRORS)) assert.ok(documented.has(exitCodeOf(new AigwError(def))), def.code);
  assert.equal(exitCodeOf(new AigwError(ERRORS.emptyValue)), 2);
  assert.equal(exitCodeOf(new AigwError(ERRORS.notFound)), 3);
  assert.equal(exitCodeOf(new AigwError(ERRORS.daemonUnreachable)), 4);
  assert.equal(exitCodeOf(new AigwError(ERRORS.interrupted)), 130);
});

test('an error body from the daemon becomes the same coded error; unknown codes keep their number', () => {
  const known = fromErrorBody({ errorCode: 'ERR_AIGW_27508', msg: 'nope', details: { providerId: 'x' } }, 422);
  assert.equal(known.def, errorDefByCode('ERR_AIGW_27508'));
  assert.equal(known.message, 'nope');
  const unknown = fromErrorBody({ errorCode: 'ERR_AIGW_99999', msg: 'future' }, 409);
  assert.equal(unknown.code, 'ERR_AIGW_99999');
  assert.equal(exitCodeOf(unknown), 5);
});
