import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { TObject, TSchema } from '@sinclair/typebox';
import { AccessKeyCreate, AccessKeyRotate, AccessKeyUpdate } from '../../src/core/api/access-keys.js';
import { ConfigurationCreate, ConfigurationUpdate } from '../../src/core/api/configurations.js';
import { GatewayConfigUpdate } from '../../src/core/api/gateway-config.js';
import { ProviderKeyCreate, ProviderKeyLookup, ProviderKeyRotate, ProviderKeyUpdate } from '../../src/core/api/provider-keys.js';
import { CustomProviderCreate, CustomProviderUpdate } from '../../src/core/api/providers.js';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';

/**
 * Property-based fuzzing of every management route: each generated request carries at least one definite
 * fault (an unknown or poisoned field, a wrong type, an over-long string, a body that is not an object, a
 * missing required field, a bad key value, an odd id, path or query). Every one must get a coded 4xx —
 * never a 5xx — the daemon must stay up, and the store must be unchanged.
 */
// A fixed seed keeps `npm test` reproducible; AIGW_FUZZ_SEED=random (or a number) explores further.
const SEED_ENV = process.env.AIGW_FUZZ_SEED;
const SEED = SEED_ENV === 'random' ? Date.now() % 2 ** 31 : Number(SEED_ENV ?? 20261122);
const RUNS = Number(process.env.AIGW_FUZZ_RUNS ?? 500);

type FieldType = 'text' | 'clearable' | 'count' | 'object' | 'array' | 'flag' | 'time';
interface BodyRoute {
  method: 'POST' | 'PATCH';
  path: string;
  fields: Record<string, FieldType>;
  required?: string[];
  /** The field that carries a provider key value. */
  value?: string;
}

let home: TestHome;
const ids: Record<string, string> = {};

/** What the generators make of a field, read from its JSON Schema in src/core/api (`{}`: the service checks it). */
function fieldType(schema: TSchema): FieldType {
  const types: string[] = [schema.type ?? 'object'].flat();
  if (schema.description === 'RFC 3339 time') return 'time';
  if (types.includes('integer')) return 'count';
  if (types.includes('boolean')) return 'flag';
  if (types.includes('array')) return 'array';
  if (types.includes('object')) return 'object';
  return types.includes('null') ? 'clearable' : 'text';
}

/** A route's field table, derived from the body schema the control route validates with. */
function bodyRoute(method: BodyRoute['method'], path: string, schema: TObject, value?: string): BodyRoute {
  const fields = Object.fromEntries(Object.entries(schema.properties).map(([name, field]) => [name, fieldType(field)]));
  return { method, path, fields, ...(schema.required?.length ? { required: schema.required } : {}), ...(value ? { value } : {}) };
}

const routes = (): BodyRoute[] => [
  bodyRoute('POST', '/provider-keys', ProviderKeyCreate, 'value'),
  bodyRoute('PATCH', `/provider-keys/${ids.pk}`, ProviderKeyUpdate),
  bodyRoute('POST', `/provider-keys/${ids.pk}/rotate`, ProviderKeyRotate, 'value'),
  bodyRoute('POST', '/provider-keys/lookup', ProviderKeyLookup, 'value'),
  bodyRoute('POST', '/access-keys', AccessKeyCreate),
  bodyRoute('PATCH', `/access-keys/${ids.ak}`, AccessKeyUpdate),
  bodyRoute('POST', `/access-keys/${ids.ak}/rotate`, AccessKeyRotate),
  bodyRoute('POST', '/access-key-configurations', ConfigurationCreate),
  bodyRoute('PATCH', `/access-key-configurations/${ids.cfg}`, ConfigurationUpdate),
  bodyRoute('POST', '/providers', CustomProviderCreate),
  bodyRoute('PATCH', `/providers/${ids.prov}`, CustomProviderUpdate),
  bodyRoute('PATCH', '/gateway-config', GatewayConfigUpdate),
];

const COLLECTIONS = ['/provider-keys', '/access-keys', '/access-key-configurations', '/providers'];
const LISTS = [...COLLECTIONS, '/usage', '/usage/overview'];

interface Case {
  method: string;
  path: string;
  body?: string;
  why: string;
}

/** Any unicode text, lone surrogates included, as JSON carries them. */
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
/** A string longer than every limit the API has (8192 for a value), still under the 64 KiB body limit. */
const overLong = fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }), fc.integer({ min: 9000, max: 20_000 })).map(([s, n]) => s.repeat(Math.ceil(n / s.length)));
const anyJson = fc.jsonValue({ maxDepth: 2 });

function wrongTypeFor(type: FieldType): fc.Arbitrary<unknown> {
  const notString = fc.oneof(fc.integer(), fc.boolean(), fc.array(anyText, { maxLength: 3 }), fc.dictionary(anyText, anyText, { maxKeys: 3 }));
  if (type === 'count') return fc.oneof(anyText, fc.boolean(), fc.constantFrom(0, -5, 1.5), fc.dictionary(anyText, fc.integer(), { maxKeys: 2 }));
  if (type === 'object') return fc.oneof(anyText, fc.integer(), fc.boolean(), fc.array(fc.integer(), { maxLength: 2 }));
  if (type === 'array') return fc.oneof(anyText, fc.integer(), fc.boolean(), fc.dictionary(anyText, fc.integer(), { maxKeys: 2 }));
  if (type === 'flag') return fc.oneof(anyText, fc.integer(), fc.constant(null), fc.array(fc.boolean(), { maxLength: 2 }));
  // A time that is well formed but past, or not a time at all, or not a string.
  if (type === 'time') return fc.oneof(notString, anyText, fc.date({ max: new Date('2020-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()));
  return notString;
}

const validFor = (type: FieldType, field: string): fc.Arbitrary<unknown> =>
  type === 'count'
    ? fc.integer({ min: 1, max: 1000 })
    : type === 'flag'
      ? fc.boolean()
      : type === 'time'
        ? fc.date({ min: new Date('2090-01-01T00:00:00Z'), max: new Date('2099-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString())
        : type === 'object' || type === 'array'
          ? fc.constant(undefined)
          : field === 'value'
            ? fc.constant(fakeKey())
            : anyText;

/** Some of a route's fields with well-typed values (the fault is added on top). */
function baseBody(route: BodyRoute, skip?: string): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(route.fields).filter(([f, t]) => f !== skip && t !== 'object' && t !== 'array');
  return fc.record(Object.fromEntries(entries.map(([f, t]) => [f, validFor(t, f)])), { requiredKeys: [] }) as fc.Arbitrary<Record<string, unknown>>;
}

/** JSON text with one more member, written by hand so `__proto__` stays an own key. */
function withMember(body: Record<string, unknown>, key: string, value: unknown): string {
  const inner = JSON.stringify(body).slice(1, -1);
  return `{${inner}${inner ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(value ?? null)}}`;
}

function bodyCase(route: BodyRoute): fc.Arbitrary<Case> {
  const at = (why: string) => (body: string): Case => ({ method: route.method, path: route.path, body, why });
  const fields = Object.keys(route.fields);
  const extra = fc.tuple(
    baseBody(route),
    fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'id', 'uri', 'createdAt'), anyText.filter((k) => !fields.includes(k))),
    anyJson,
  ).map(([b, k, v]) => at(`unknown field ${JSON.stringify(k)}`)(withMember(b, k, v)));
  const wrongType = fc
    .constantFrom(...fields)
    .chain((f) => fc.tuple(fc.constant(f), baseBody(route, f), wrongTypeFor(route.fields[f]!)))
    .map(([f, b, v]) => at(`wrong type for ${f}`)(withMember(b, f, v)));
  const textFields = fields.filter((f) => route.fields[f] === 'text' || route.fields[f] === 'clearable');
  const tooLong = fc
    .constantFrom(...textFields)
    .chain((f) => fc.tuple(fc.constant(f), baseBody(route, f), overLong))
    .map(([f, b, v]) => at(`over-long ${f}`)(withMember(b, f, v)));
  const notObject = fc
    .oneof(fc.constantFrom('[]', '"x"', '42', 'null', 'true', '[{}]', '', '{', '{"a":1,}', '\u0000', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}'), anyJson.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)).map((v) => JSON.stringify(v)))
    .map(at('not a JSON object'));
  const arbs: fc.Arbitrary<Case>[] = [extra, wrongType, tooLong, notObject];
  if (route.required?.length) {
    arbs.push(fc.constantFrom(...route.required).chain((f) => baseBody(route, f).map((b) => at(`missing ${f}`)(JSON.stringify(b)))));
  }
  if (route.value) {
    const badValue = fc.oneof(
      fc.constantFrom('', '   ', '\t\n', 'sk-a\r\nX-Evil: 1', 'sk-abc\u0000def0123456789', 'sk-\u0007bell0123456789'),
      fc.tuple(fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), fc.constantFrom('\r', '\n', '\u0000', '\u001b', '\u007f'), fc.string({ unit: 'grapheme-ascii', maxLength: 20 })).map((p) => p.join('')),
    );
    arbs.push(fc.tuple(baseBody(route, route.value), badValue).map(([b, v]) => at('bad key value')(JSON.stringify({ providerId: 'openai', ...b, [route.value!]: v }))));
  }
  return fc.oneof(...arbs);
}

const KNOWN_TOP = new Set(['provider-keys', 'access-keys', 'access-key-configurations', 'providers', 'usage', 'gateway-config', 'health', 'version', 'status']);

function oddCases(): fc.Arbitrary<Case> {
  const oddId = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }).map(encodeURIComponent),
    fc.constantFrom('..', '.', '%2e%2e', '%00', '%ff', '%25', 'aigpk_00000000000000000000000000', `${ids.pk}x`, ids.pk!.toUpperCase(), `${ids.ak}%00`, 'a'.repeat(5000), '__proto__', 'constructor'),
  );
  const byId = fc
    .tuple(fc.constantFrom(...COLLECTIONS), oddId, fc.constantFrom('GET', 'PATCH', 'DELETE', 'POST rotate', 'POST test'))
    .map(([collection, id, verb]): Case => {
      const [method, sub] = verb.split(' ');
      return { method: method!, path: `${collection}/${id}${sub ? `/${sub}` : ''}`, body: method === 'PATCH' || sub === 'rotate' ? JSON.stringify({ name: 'x', value: fakeKey() }).replace(',"value":"', method === 'PATCH' ? ',"zz":"' : ',"value":"') : undefined, why: `odd id ${id.slice(0, 40)}` };
    });
  const segment = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((s) => !KNOWN_TOP.has(s.toLowerCase()) && s !== '.' && s !== '..').map(encodeURIComponent);
  const oddPath = fc
    .tuple(fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT'), fc.array(segment, { minLength: 1, maxLength: 3 }))
    .map(([method, segs]): Case => ({ method, path: `/${segs.join('/')}`, body: method === 'GET' || method === 'DELETE' ? undefined : '{}', why: 'odd path' }));
  const wrongMethod = fc
    .tuple(fc.constantFrom('PUT', 'DELETE', 'PATCH'), fc.constantFrom(...LISTS, '/gateway-config'))
    .filter(([m, p]) => !(m === 'PATCH' && p === '/gateway-config'))
    .map(([method, path]): Case => ({ method, path, body: method === 'DELETE' ? undefined : '{}', why: 'wrong method' }));
  const badQuery = fc
    .tuple(fc.constantFrom(...COLLECTIONS, '/usage'), fc.oneof(fc.constantFrom('0', '101', '-1', 'abc', '1.5', '99999', '1e2', '%00', 'null'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((s) => !/^\d{1,4}$/.test(s) || Number(s) < 1 || Number(s) > 100)))
    .map(([path, limit]): Case => ({ method: 'GET', path: `${path}?limit=${encodeURIComponent(limit)}`, why: `limit ${limit}` }));
  const badForce = fc
    .tuple(fc.constantFrom(['/provider-keys', 'pk'], ['/access-keys', 'ak']), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => s !== 'true' && s !== 'false'))
    .map(([[path, id], force]): Case => ({ method: 'DELETE', path: `${path}/${ids[id!]}?force=${encodeURIComponent(force)}`, why: `force=${force}` }));
  return fc.oneof(byId, oddPath, wrongMethod, badQuery, badForce);
}

async function snapshot(): Promise<string> {
  const parts: unknown[] = [];
  for (const path of [...COLLECTIONS, '/gateway-config', '/usage']) parts.push((await rawApi(home.dir, 'GET', path)).body);
  return JSON.stringify(parts);
}

before(async () => {
  home = new TestHome();
  ids.ak = (await home.json(['access-keys', 'create', '--name', 'fuzz'])).id;
  ids.pk = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', ids.ak!], { input: fakeKey() })).id;
  ids.prov = (await home.json(['providers', 'create', '--provider-id', 'local-llm', '--name', 'Local', '--base-url', 'http://127.0.0.1:11434/v1'])).id;
  ids.cfg = (await home.json(['configs', 'create', '--name', 'fuzz', '--allow-provider', 'openai'])).id;
});
after(() => home.cleanup());

test(`every management route refuses faulty input with a coded 4xx and changes nothing (seed ${SEED}, ${RUNS} runs)`, async () => {
  console.log(`fast-check seed: ${SEED} (rerun with AIGW_FUZZ_SEED=${SEED})`);
  const before = await snapshot();
  const anyCase = fc.oneof(...routes().map(bodyCase), oddCases(), oddCases());
  let count = 0;
  await fc.assert(
    fc.asyncProperty(anyCase, async (c) => {
      count++;
      const res = await rawApi(home.dir, c.method, c.path, c.body);
      const where = `${c.method} ${c.path.slice(0, 120)} (${c.why}) body=${(c.body ?? '').slice(0, 200)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
      assert.ok(res.status >= 400 && res.status < 500, where);
      assert.match(String(res.body?.errorCode), /^ERR_AIGW_\d{5}$/, where);
      assert.equal(res.body.statusCode, res.status, where);
      // A cheap check every time; the full comparison every 25 cases and at the end.
      if (count % 25 === 0) assert.equal(await snapshot(), before, `the store changed after: ${where}`);
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
  );
  assert.equal((await rawApi(home.dir, 'GET', '/health')).status, 200, 'the daemon is still up');
  assert.equal(await snapshot(), before);
});
