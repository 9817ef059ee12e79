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

const cliCases: { name: string; args: string[]; input?: string; code: string; exit: number }[] = [
  { name: 'unknown provider', args: ['create', '--provider-id', 'not-a-provider', '--value-stdin'], input: fakeKey(), code: '27508', exit: 2 },
  { name: 'empty value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: '', code: '27507', exit: 2 },
  { name: 'whitespace value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: '  \t \n', code: '27507', exit: 2 },
  { name: 'newline inside the value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: 'sk-abc\ndef-0123456789', code: '10013', exit: 2 },
  { name: 'control character in the value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: 'sk-abc\x07def-0123456789', code: '10013', exit: 2 },
  { name: 'name over 255', args: ['create', '--provider-id', 'openai', '--value-stdin', '--name', 'n'.repeat(256)], input: fakeKey(), code: '27501', exit: 2 },
  { name: 'description over 255', args: ['create', '--provider-id', 'openai', '--value-stdin', '--description', 'd'.repeat(256)], input: fakeKey(), code: '27502', exit: 2 },
  { name: 'metadata over 4096', args: ['create', '--provider-id', 'openai', '--value-stdin', '--metadata', 'm'.repeat(4097)], input: fakeKey(), code: '27503', exit: 2 },
  { name: 'update name over 255', args: ['update', 'EXISTING', '--name', 'n'.repeat(256)], code: '27501', exit: 2 },
  { name: 'rotate to an empty value', args: ['rotate', 'EXISTING', '--value-stdin'], input: '\n', code: '27507', exit: 2 },
  { name: 'get an unknown id', args: ['get', 'aigpk_00000000000000000000000000'], code: '10404', exit: 3 },
  { name: 'update an unknown id', args: ['update', 'aigpk_nope', '--name', 'x'], code: '10404', exit: 3 },
  { name: 'rotate an unknown id', args: ['rotate', 'aigpk_nope', '--value-stdin'], input: fakeKey(), code: '10404', exit: 3 },
  { name: 'delete an unknown id', args: ['delete', 'aigpk_nope', '--yes'], code: '10404', exit: 3 },
  { name: 'update with nothing to change', args: ['update', 'EXISTING'], code: '20002', exit: 2 },
];

for (const c of cliCases) {
  test(`CLI: ${c.name} → ERR_AIGW_${c.code}, exit ${c.exit}, nothing changed`, async () => {
    const before = await snapshot();
    const args = ['provider-keys', ...c.args.map((a) => (a === 'EXISTING' ? existing : a))];
    const result = await home.run(args, c.input === undefined ? {} : { input: c.input });
    assert.equal(result.code, c.exit, result.stderr);
    assert.match(result.stderr, new RegExp(`ERR_AIGW_${c.code}`));
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
    assert.equal(result.stdout, '');
    assert.deepEqual(await snapshot(), before);
  });
}

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
