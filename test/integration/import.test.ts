import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { PROVIDER_KEY_VARIABLES } from '../../src/core/providers.js';
import { fakeKey, TestHome } from '../helpers/aigw.js';
import { rawApi } from '../helpers/api.js';

/** `aigw provider-keys import`: from the environment, .env files and lists; values never printed, files never edited. */
let home: TestHome;
before(() => {
  home = new TestHome();
});
after(() => home.cleanup());

const v = { openai: fakeKey('sk-proj-'), groq: fakeKey('gsk_'), anthropic: fakeKey('sk-ant-api03-'), openrouter: fakeKey('sk-or-v1-'), existing: fakeKey('sk-'), stripe: fakeKey('sk_live_'), zai: fakeKey('zai-') };
/** No provider key variable of the machine running the tests leaks in. */
const cleanEnv = Object.fromEntries(PROVIDER_KEY_VARIABLES.map((p) => [p.name, undefined]));
const env = { ...cleanEnv, OPENAI_API_KEY: v.openai, GROQ_API_KEY: v.groq };
let dotenv: string;
let dotenvText: string;
let token: string;

before(async () => {
  token = (await home.json(['access-keys', 'create'])).token;
  await home.json(['provider-keys', 'create', '--provider-id', 'moonshotai', '--value-stdin'], { input: v.existing });
  dotenv = join(home.dir, '.env');
  dotenvText = [
    '# settings of my app',
    `export OPENAI_API_KEY=${v.openai}`,
    `ANTHROPIC_API_KEY="${v.anthropic}"`,
    'DATABASE_URL=postgres://localhost/app',
    `STRIPE_SECRET_KEY=${v.stripe}`,
    'GROQ_API_KEY=',
    'DEEPSEEK_API_KEY="sk-first-line',
    'second-line"',
    `OPENROUTER_API_KEY='${v.openrouter}' # the team's`,
    `GEMINI_API_KEY=${token}`,
    `MOONSHOT_API_KEY=${v.existing}`,
    'HYPERBOLIC_API_KEY="never closed',
    `ZAI_API_KEY=${v.zai}`,
    '',
  ].join('\n');
  writeFileSync(dotenv, dotenvText);
});

const providerKeys = async () => (await home.json(['provider-keys', 'list', '--all'])).aiGatewayProviderKeys as { id: string; providerId: string; name: string }[];

function assertNoValue(text: string): void {
  for (const [name, value] of Object.entries(v)) assert.ok(!text.includes(value), `the ${name} value was printed`);
  assert.ok(!text.includes(token), 'the access token was printed');
}

test('--dry-run shows what would be stored, redacted, and stores nothing', async () => {
  const before = await providerKeys();
  const result = await home.run(['provider-keys', 'import', '--from-env', '--from-dotenv', dotenv, '--dry-run'], { env });
  assert.equal(result.code, 0, result.stderr);
  assertNoValue(result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`^would store\tthe environment\tOPENAI_API_KEY\topenai\t${v.openai.slice(0, 10).replace(/[+]/g, '\\+')}\\*\\*\\*${v.openai.slice(-4)}\t`, 'm'));
  assert.match(result.stderr, /5 would be stored \(dry run: nothing was stored\), 2 skipped, 5 refused; 1 other variable left alone/);
  assert.deepEqual(await providerKeys(), before);
});

test('import from the environment and a .env file stores each value once and refuses the rest with reasons', async () => {
  const result = await home.json(['provider-keys', 'import', '--from-env', '--from-dotenv', dotenv], { env });
  const byFrom = Object.fromEntries(result.results.map((r: any) => [r.from, r]));
  assert.deepEqual(
    result.results.map((r: any) => [r.from, r.status]),
    [
      ['the environment', 'stored'],
      ['the environment', 'stored'],
      [`${dotenv}:2`, 'skipped'],
      [`${dotenv}:3`, 'stored'],
      [`${dotenv}:5`, 'refused'],
      [`${dotenv}:6`, 'refused'],
      [`${dotenv}:7-8`, 'refused'],
      [`${dotenv}:9`, 'stored'],
      [`${dotenv}:10`, 'refused'],
      [`${dotenv}:11`, 'skipped'],
      [`${dotenv}:12`, 'refused'],
      [`${dotenv}:13`, 'stored'],
    ],
  );
  assert.equal(result.stored, 5);
  assert.match(byFrom[`${dotenv}:2`].reason, /the same value as the environment/);
  assert.match(byFrom[`${dotenv}:5`].reason, /STRIPE_SECRET_KEY is not a provider key variable aigw knows/);
  assert.match(byFrom[`${dotenv}:6`].reason, /empty/);
  assert.match(byFrom[`${dotenv}:7-8`].reason, /spans several lines/);
  assert.match(byFrom[`${dotenv}:10`].reason, /aigw access key/);
  assert.match(byFrom[`${dotenv}:11`].reason, /already stored as aigpk_\w+$/);
  assert.match(byFrom[`${dotenv}:12`].reason, /never closed/);
  assertNoValue(JSON.stringify(result));
  const stored = await providerKeys();
  assert.deepEqual(stored.map((k) => k.providerId).sort(), ['anthropic', 'groq', 'moonshotai', 'openai', 'openrouter', 'z-ai']);
  assert.ok(stored.some((k) => k.name === 'OPENAI_API_KEY from the environment'));
  assert.ok(stored.some((k) => k.name === 'ANTHROPIC_API_KEY from .env'));
  assert.equal(readFileSync(dotenv, 'utf8'), dotenvText, 'the file was not edited');
});

test('twice in a row stores nothing new; the summary names the lines that can go', async () => {
  const before = await providerKeys();
  const result = await home.run(['provider-keys', 'import', '--from-env', '--from-dotenv', dotenv], { env });
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await providerKeys(), before);
  assert.match(result.stderr, /0 stored, 7 skipped, 5 refused/);
  assert.ok(result.stderr.includes(`${dotenv}: lines 2, 3, 9, 11, 13`), result.stderr);
  assert.match(result.stderr, /unset OPENAI_API_KEY, GROQ_API_KEY/);
  assertNoValue(result.stdout + result.stderr);
});

test('a key stored before aigw kept value HMACs is still found; the store holds no plain hash of a value', async () => {
  await home.inProcess(['daemon', 'stop']);
  const db = new Database(join(home.dir, 'data', 'aigw.db'));
  db.prepare('UPDATE provider_keys SET value_hmac = NULL').run();
  db.close();
  const result = await home.json(['provider-keys', 'import', '--from-env'], { env });
  assert.deepEqual(result.results.map((r: any) => r.status), ['skipped', 'skipped']);
  await home.inProcess(['daemon', 'stop']);
  // aigw's own files, not the .env and lists the tests wrote beside them.
  const files = home.files().filter((f) => /\/(data|config|state|run)\//.test(f.path.slice(home.dir.length)));
  assert.ok(files.some((f) => f.path.endsWith('aigw.db')));
  for (const value of Object.values(v)) {
    const hash = createHash('sha256').update(value).digest('hex');
    for (const file of files) {
      assert.ok(!file.bytes.includes(value), `${file.path} holds a value`);
      assert.ok(!file.bytes.includes(hash), `${file.path} holds a plain hash of a value`);
    }
  }
});

test('a YAML or JSON list: entries stored, bad ones refused; a bad file or no source changes nothing', async () => {
  const yaml = join(home.dir, 'keys.yaml');
  const fresh = fakeKey('sk-proj-');
  writeFileSync(yaml, `- providerId: openai\n  value: ${fresh}\n  name: from yaml\n- providerId: groq\n  value: ${v.groq}\n- providerId: openai\n  value: x\n  secret: true\n- providerId: nosuch\n  value: ${fakeKey('sk-')}\n`);
  const result = await home.json(['provider-keys', 'import', '--from-file', yaml]);
  assert.deepEqual(result.results.map((r: any) => r.status), ['stored', 'skipped', 'refused', 'refused']);
  assert.match(result.results[2].reason, /unknown field secret/);
  assert.match(result.results[3].reason, /nosuch/);
  assert.ok((await providerKeys()).some((k) => k.name === 'from yaml'));

  const json = join(home.dir, 'keys.json');
  writeFileSync(json, JSON.stringify([{ providerId: 'openai', value: fresh }]));
  assert.equal((await home.json(['provider-keys', 'import', '--from-file', json])).results[0].status, 'skipped');

  const before = await home.snapshot();
  writeFileSync(json, '{"providerId": "openai"}');
  await home.fails(['provider-keys', 'import', '--from-env', '--from-file', json], 2, 'ERR_AIGW_20033', { env });
  await home.fails(['provider-keys', 'import', '--from-dotenv', join(home.dir, 'missing.env')], 2, 'ERR_AIGW_20005');
  await home.fails(['provider-keys', 'import'], 2, 'ERR_AIGW_20034');
  assert.deepEqual(await home.snapshot(), before);
});

test('POST /provider-keys/lookup finds a stored value by provider, or answers null', async () => {
  await home.gatewayUrl();
  const api = (method: string, path: string, body: unknown) => rawApi(home.dir, method, path, JSON.stringify(body));
  const found = await api('POST', '/provider-keys/lookup', { value: v.anthropic, providerId: 'anthropic' });
  assert.equal(found.status, 200);
  assert.equal(found.body.providerKey.providerId, 'anthropic');
  assert.equal((await api('POST', '/provider-keys/lookup', { value: v.anthropic, providerId: 'openai' })).body.providerKey, null);
  assert.equal((await api('POST', '/provider-keys/lookup', { value: fakeKey() })).body.providerKey, null);
  assert.equal((await api('POST', '/provider-keys/lookup', { value: '' })).status, 422);
});
