import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fakeKey } from '../helpers/aigw.js';
import { InProcessDaemon } from '../helpers/in-process.js';

// In-process (test/helpers/in-process.ts); the daemon log after a full cycle, and a real terminal with CI set,
// are in test/integration/first-run.test.ts.
let home: InProcessDaemon;
before(async () => {
  home = await InProcessDaemon.start();
});
after(() => home.close());

test('every command-line mistake is one coded line on stderr and exit 2', async () => {
  const cases: [string[], string, RegExp][] = [
    [['provider-keys', 'lsit'], 'ERR_AIGW_20021', /unknown command 'lsit' \(did you mean list\?\)/],
    [['provdier-keys'], 'ERR_AIGW_20021', /did you mean provider-keys\?/],
    [['provider-keys', 'list', '--bogus'], 'ERR_AIGW_20022', /unknown option '--bogus'/],
    [['provider-keys', 'list', '--limt', '3'], 'ERR_AIGW_20022', /did you mean --limit\?/],
    [['provider-keys', 'get'], 'ERR_AIGW_20023', /missing required argument 'id'/],
    [['provider-keys', 'list', '--provider-id'], 'ERR_AIGW_20023', /argument missing/],
    [['provider-keys', 'list', '-o', 'yaml'], 'ERR_AIGW_20024', /Allowed choices are table, json, plain/],
    [['provider-keys', 'list', '--limit', 'abc'], 'ERR_AIGW_20024', /--limit must be a whole number/],
    [['provider-keys', 'get', 'a', 'b'], 'ERR_AIGW_20025', /too many arguments/],
  ];
  for (const [args, code, message] of cases) {
    const result = await home.run(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, new RegExp(`^aigw: error: .+; add --help for usage \\(${code}\\)\\n$`), args.join(' '));
    assert.match(result.stderr, message);
  }
});

test('filters and references: unknown ids refused in list filters, --force says what else went, empty access warned', async () => {
  await home.fails(['provider-keys', 'list', '--provider-id', 'nope'], 2, 'ERR_AIGW_27508');
  await home.fails(['provider-keys', 'list', '--ai-gateway-api-key-id', 'aigk_00000000000000000000000000'], 3, 'ERR_AIGW_27509');

  const access = await home.json(['access-keys', 'create', '--name', 'owner']);
  const attached = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin', '--ai-gateway-api-key-id', access.id], { input: fakeKey() })).id;
  const routed = (await home.json(['provider-keys', 'create', '--provider-id', 'openai', '--value-stdin'], { input: fakeKey() })).id;
  const config = await home.json(['configs', 'create', '--name', 'r', '--route-provider', 'openai', '--step', `${routed},${attached}`]);

  const refused = await home.fails(['provider-keys', 'delete', routed, '--yes'], 5, 'ERR_AIGW_27511');
  assert.match(refused.stderr, /router rules of aigac_\w+ reference it/);
  const forced = await home.run(['provider-keys', 'delete', routed, '--yes', '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stderr, new RegExp(`Also took it out of the router rules of ${config.id}`));
  const gone = await home.run(['access-keys', 'delete', access.id, '--yes', '--force']);
  assert.equal(gone.code, 0, gone.stderr);
  assert.match(gone.stderr, new RegExp(`Also deleted its provider keys ${attached}`));

  const nothing = await home.run(['configs', 'create', '--name', 'n', '--allow-provider', 'openai', '--allow-model', 'anthropic:claude-sonnet-4-6']);
  assert.equal(nothing.code, 0, nothing.stderr);
  assert.match(nothing.stderr, /warning: aigac_\w+ allows nothing: none of its allowed models .* is of an allowed provider/);
  const fine = await home.run(['configs', 'create', '--name', 'f', '--allow-provider', 'openai', '--allow-model', 'openai:gpt-4o']);
  assert.doesNotMatch(fine.stderr, /allows nothing/);

  await home.json(['providers', 'create', '--provider-id', 'inuse', '--base-url', 'http://127.0.0.1:11434/v1']);
  const user = (await home.json(['provider-keys', 'create', '--provider-id', 'inuse', '--value-stdin'], { input: fakeKey() })).id;
  const inUse = await home.fails(['providers', 'delete', 'inuse', '--yes'], 5, 'ERR_AIGW_27710');
  assert.match(inUse.stderr, new RegExp(`because ${user} references it`));
});

test('piped lists say on stderr, never in the data, that more pages exist', async () => {
  for (let i = 0; i < 3; i++) await home.json(['access-keys', 'create', '--name', `page-${i}`]);
  for (const format of ['plain', 'quiet'] as const) {
    const page = await home.run(['access-keys', 'list', '--limit', '2', ...(format === 'quiet' ? ['-q'] : [])]);
    assert.equal(page.code, 0, page.stderr);
    assert.equal(page.stdout.trim().split('\n').length, 2);
    assert.match(page.stderr, /More: --before-id aigk_\w+, or --all/);
  }
  const all = await home.run(['access-keys', 'list', '--all']);
  assert.doesNotMatch(all.stderr, /More:/);
});

test('plain output escapes tabs, line breaks and backslashes in labels, so each row stays one line', async () => {
  const name = 'two\tcolumns\nand a line\\n';
  const created = await home.json(['access-keys', 'create', '--name', name, '--description', 'a\r\nb\u2028c']);
  assert.equal(created.name, name, 'stored as given (ngrok accepts any text)');
  const list = await home.run(['access-keys', 'list']);
  const row = list.stdout.split('\n').find((line) => line.startsWith(created.id))!;
  assert.equal(row.split('\t')[1], 'two\\tcolumns\\nand a line\\\\n');
  const detail = await home.run(['access-keys', 'get', created.id, '-o', 'plain']);
  assert.match(detail.stdout, /^description\ta\\r\\nb\\u2028c$/m);
  const lines = detail.stdout.split('\n').filter(Boolean);
  assert.deepEqual(lines.filter((l) => !/^\w+\t/.test(l)), [], 'every line is one field');
});
