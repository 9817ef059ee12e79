import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AccessTokenReader, bearerToken } from '../../src/daemon/bearer.js';

/** The rule bearerToken implements, as the one regular expression it used to be. */
const byRegex = (value: string) => /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];

test('bearer: the token of an Authorization header, in any letter case and spacing', () => {
  assert.equal(bearerToken('Bearer aigw_abc'), 'aigw_abc');
  assert.equal(bearerToken('bearer aigw_abc'), 'aigw_abc');
  assert.equal(bearerToken('BEARER \t aigw_abc  '), 'aigw_abc');
  for (const refused of ['Bearer ', 'Bearer', 'Bearer a b', 'Basic abc', 'Bearerabc', ' Bearer abc', 'Bearer\u00a0ab\u00e9']) {
    assert.equal(bearerToken(refused), byRegex(refused), JSON.stringify(refused));
  }
  assert.equal(bearerToken(undefined), undefined);
  assert.equal(bearerToken(['Bearer a', 'Bearer b']), undefined);
});

test('bearer: the same answer as the regular expression for any header value', () => {
  const char = fc.constantFrom('B', 'b', 'e', 'E', 'a', 'r', 'R', ' ', '\t', '\u00a0', '\u2028', 'x', '_', '\u00e9', '\u007f', '\n');
  const value = fc.oneof(fc.string(), fc.array(char).map((c) => c.join('')), fc.tuple(fc.constantFrom('Bearer', 'bearer', 'BeArEr'), fc.array(char)).map(([b, c]) => b + c.join('')));
  fc.assert(fc.property(value, (v) => assert.equal(bearerToken(v), byRegex(v))), { numRuns: 5000 });
});

test('bearer: the reader answers as bearerToken over any run of headers, repeated or not', () => {
  const header = fc.constantFrom('Bearer aigw_one', 'Bearer aigw_two', 'bearer  aigw_one ', 'Bearer sk-proj-abc', 'Basic x', '', undefined);
  fc.assert(
    fc.property(fc.array(header, { maxLength: 12 }), (headers) => {
      const reader = new AccessTokenReader();
      for (const h of headers) assert.equal(reader.read(h), bearerToken(h), JSON.stringify(h));
    }),
    { numRuns: 2000 },
  );
});

test('bearer: the reader keeps an access token between requests, and never any other credential', () => {
  const reader = new AccessTokenReader();
  const kept = () => Object.values(reader).filter((v) => typeof v === 'string').join(' ');
  reader.read('Bearer aigw_token');
  assert.match(kept(), /aigw_token/);
  // A passthrough request's own provider key: read, and not kept (nor is the access token before it).
  assert.equal(reader.read('Bearer sk-proj-client-own-key-0123456789'), 'sk-proj-client-own-key-0123456789');
  assert.equal(kept(), '');
  reader.read('Bearer aigw_token');
  reader.read('Basic dXNlcjpwYXNz');
  assert.equal(kept(), '');
});
