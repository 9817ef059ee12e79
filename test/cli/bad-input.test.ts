import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

/**
 * Bad input to the provider-keys verbs: one line on stderr with its code, the documented exit status,
 * nothing on stdout and nothing changed. In-process; the API's own refusals of malformed requests are
 * checked over the real socket in test/integration/bad-input.test.ts.
 */
let daemon: InProcessDaemon;
let existing: string;

/** What a rejected command must not change: the rows and the stored secrets. */
async function snapshot() {
  return { ...(await daemon.snapshot()), secrets: readdirSync(join(daemon.dir, 'data', 'secrets')).sort() };
}

before(async () => {
  daemon = await InProcessDaemon.start();
  existing = (await daemon.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--name', 'keep'], { input: fakeKey() })).id;
});
after(() => daemon.close());

/** `refusedBy: 'cli'`: the CLI refuses it before sending any write. */
const cases: { name: string; args: string[]; input?: string; code: string; exit: number; refusedBy?: 'cli' }[] = [
  { name: 'unknown provider', args: ['create', '--provider-id', 'not-a-provider', '--value-stdin'], input: fakeKey(), code: '27508', exit: 2 },
  { name: 'empty value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: '', code: '27507', exit: 2, refusedBy: 'cli' },
  { name: 'whitespace value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: '  \t \n', code: '27507', exit: 2, refusedBy: 'cli' },
  { name: 'newline inside the value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: 'sk-abc\ndef-0123456789', code: '10013', exit: 2 },
  { name: 'control character in the value', args: ['create', '--provider-id', 'openai', '--value-stdin'], input: 'sk-abc\x07def-0123456789', code: '10013', exit: 2 },
  { name: 'name over 255', args: ['create', '--provider-id', 'openai', '--value-stdin', '--name', 'n'.repeat(256)], input: fakeKey(), code: '27501', exit: 2, refusedBy: 'cli' },
  { name: 'description over 255', args: ['create', '--provider-id', 'openai', '--value-stdin', '--description', 'd'.repeat(256)], input: fakeKey(), code: '27502', exit: 2, refusedBy: 'cli' },
  { name: 'metadata over 4096', args: ['create', '--provider-id', 'openai', '--value-stdin', '--metadata', 'm'.repeat(4097)], input: fakeKey(), code: '27503', exit: 2, refusedBy: 'cli' },
  { name: 'update name over 255', args: ['update', 'EXISTING', '--name', 'n'.repeat(256)], code: '27501', exit: 2, refusedBy: 'cli' },
  { name: 'rotate to an empty value', args: ['rotate', 'EXISTING', '--value-stdin'], input: '\n', code: '27507', exit: 2, refusedBy: 'cli' },
  { name: 'get an unknown id', args: ['get', 'aigpk_00000000000000000000000000'], code: '10404', exit: 3 },
  { name: 'update an unknown id', args: ['update', 'aigpk_nope', '--name', 'x'], code: '10404', exit: 3 },
  { name: 'rotate an unknown id', args: ['rotate', 'aigpk_nope', '--value-stdin'], input: fakeKey(), code: '10404', exit: 3 },
  { name: 'delete an unknown id', args: ['delete', 'aigpk_nope', '--yes'], code: '10404', exit: 3 },
  { name: 'delete without --yes and no terminal', args: ['delete', 'EXISTING'], code: '20004', exit: 2, refusedBy: 'cli' },
  { name: 'update with nothing to change', args: ['update', 'EXISTING'], code: '20002', exit: 2, refusedBy: 'cli' },
  { name: 'an unknown flag', args: ['list', '--nope'], code: '20022', exit: 2, refusedBy: 'cli' },
  { name: 'an unknown verb', args: ['lsit'], code: '20021', exit: 2, refusedBy: 'cli' },
  { name: 'a --limit that is not a number', args: ['list', '--limit', 'ten'], code: '20024', exit: 2, refusedBy: 'cli' },
];

for (const c of cases) {
  test(`provider-keys ${c.name} → ERR_AIGW_${c.code}, exit ${c.exit}, nothing changed`, async () => {
    const before = await snapshot();
    const mark = daemon.requests.length;
    const args = ['provider-keys', ...c.args.map((a) => (a === 'EXISTING' ? existing : a))];
    const result = await daemon.run(args, c.input === undefined ? {} : { input: c.input });
    assert.equal(result.code, c.exit, result.stderr);
    assert.match(result.stderr, new RegExp(`\\(ERR_AIGW_${c.code}\\)\\n$`));
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.ok(!/\n\s+at /.test(result.stderr), 'no stack trace');
    assert.equal(result.stdout, '');
    if (c.refusedBy === 'cli') assert.deepEqual(daemon.writesSince(mark), [], 'refused before any write');
    assert.deepEqual(await snapshot(), before);
  });
}
