import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';

let home: TestHome;
let existing: string;

/** What a rejected request must not change: the rows and the stored secrets. */
async function snapshot() {
  const list = await rawApi(home.dir, 'GET', '/provider-keys');
  return { list: JSON.stringify(list.body.aiGatewayProviderKeys), secrets: readdirSync(join(home.dir, 'data', 'secrets')).sort() };
}

before(async () => {
  home = new TestHome();
  existing = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'keep'], { input: fakeKey() })).id;
});
after(() => home.cleanup());

// Each verb's bad input on the command line is checked in-process (test/cli/bad-input.test.ts); here one
// refusal runs through the real CLI and daemon, for its exit status.
test('CLI: an unknown provider → ERR_AIGW_27508, exit 2, one line, nothing changed', async () => {
  const before = await snapshot();
  const result = await home.run(['provider-keys', 'create', '--provider-id', 'not-a-provider', '--value-stdin'], { input: fakeKey() });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^aigw: error: .* \(ERR_AIGW_27508\)\n$/);
  assert.equal(result.stdout, '');
  assert.deepEqual(await snapshot(), before);
});

const apiCases: { name: string; method: string; path: string; body?: string; contentType?: string; status: number; code: string }[] = [
  { name: 'malformed JSON', method: 'POST', path: '/provider-keys', body: '{"providerId":"openai"', status: 400, code: '10001' },
  { name: 'empty body', method: 'POST', path: '/provider-keys', body: '', status: 400, code: '10001' },
  { name: 'a JSON array', method: 'POST', path: '/provider-keys', body: '[]', status: 400, code: '10002' },
  { name: 'an unknown field', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai', value: fakeKey(), keyId: 'x' }), status: 400, code: '10002' },
  { name: 'a wrongly typed field', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai', value: 42 }), status: 400, code: '10002' },
  { name: 'a missing value', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai' }), status: 422, code: '27507' },
  { name: 'a missing providerId', method: 'POST', path: '/provider-keys', body: JSON.stringify({ value: fakeKey() }), status: 422, code: '27510' },
  { name: 'an empty value', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai', value: '' }), status: 422, code: '27507' },
  { name: 'a value with CRLF', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai', value: 'sk-a\r\nX-Evil: 1' }), status: 422, code: '10013' },
  { name: 'metadata over 4096', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai', value: fakeKey(), metadata: 'm'.repeat(4097) }), status: 422, code: '27503' },
  { name: 'a __proto__ key', method: 'POST', path: '/provider-keys', body: '{"providerId":"openai","value":"sk-abcdefghijklmnop","__proto__":{"admin":true}}', status: 400, code: '10001' },
  { name: 'a non-JSON content type', method: 'POST', path: '/provider-keys', body: 'providerId=openai', contentType: 'application/x-www-form-urlencoded', status: 415, code: '10003' },
  { name: 'a body over the limit', method: 'POST', path: '/provider-keys', body: JSON.stringify({ providerId: 'openai', value: fakeKey(), metadata: 'm'.repeat(70_000) }), status: 413, code: '10004' },
  { name: 'PATCH of the value', method: 'PATCH', path: '/provider-keys/EXISTING', body: JSON.stringify({ value: fakeKey() }), status: 400, code: '10002' },
  { name: 'PATCH of the provider', method: 'PATCH', path: '/provider-keys/EXISTING', body: JSON.stringify({ providerId: 'anthropic' }), status: 400, code: '10002' },
  { name: 'a bad limit', method: 'GET', path: '/provider-keys?limit=0', status: 400, code: '10005' },
  { name: 'an unknown route', method: 'GET', path: '/nope', status: 404, code: '10405' },
  { name: 'a bad percent-encoding in an id', method: 'GET', path: '/provider-keys/%ff', status: 400, code: '10006' },
  { name: 'an over-long id', method: 'DELETE', path: `/provider-keys/${'a'.repeat(5000)}`, status: 414, code: '10007' },
];

for (const c of apiCases) {
  test(`API: ${c.name} → ${c.status} ERR_AIGW_${c.code}, nothing changed`, async () => {
    const before = await snapshot();
    const res = await rawApi(home.dir, c.method, c.path.replace('EXISTING', existing), c.body, c.contentType);
    assert.equal(res.status, c.status, JSON.stringify(res.body));
    assert.equal(res.body.errorCode, `ERR_AIGW_${c.code}`);
    assert.equal(res.body.statusCode, c.status);
    assert.equal(typeof res.body.msg, 'string');
    assert.ok(Object.values(res.body.details).every((v) => typeof v === 'string'));
    assert.deepEqual(await snapshot(), before);
  });
}

test('PATCH null clears a field; an omitted field stays as it is', async () => {
  const id = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'n', '--description', 'd'], { input: fakeKey() })).id;
  const res = await rawApi(home.dir, 'PATCH', `/provider-keys/${id}`, JSON.stringify({ description: null }));
  assert.equal(res.status, 200);
  assert.equal(res.body.description, '');
  assert.equal(res.body.name, 'n');
});
