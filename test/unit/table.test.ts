import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitColumns, truncateToFit, wrapCell } from '../../src/cli/io.js';

test('a table that fits keeps its natural widths', () => {
  assert.equal(fitColumns([['ID', 'NAME'], ['aigpk_1', 'main']], 80), undefined);
  assert.equal(fitColumns([['ID', 'NAME'], ['aigpk_1', 'main']], undefined), undefined);
});

test('a wide table shrinks its widest columns to the terminal width', () => {
  const rows = [['ID', 'NAME', 'KEY'], ['aigpk_01m80stga754mx5qstzqyrdj41', 'x'.repeat(90), 'sk-proj-ab***wxyz']];
  const widths = fitColumns(rows, 80)!;
  assert.equal(widths.reduce((a, b) => a + b, 0) + widths.length + 1, 80);
  // The short column keeps its width; the widest gave way first.
  assert.equal(widths[2], 'sk-proj-ab***wxyz'.length + 2);
  assert.ok(widths[1]! < 90 && widths[0]! < 34);
});

test('text with spaces wraps between words before any word is broken', () => {
  const rows = [['ID', 'DESCRIPTION'], ['aigpk_01m80stga754mx5qstzqyrdj41', 'the production key for the billing service team']];
  const widths = fitColumns(rows, 60)!;
  assert.equal(widths[0], 34);
  assert.equal(widths[0]! + widths[1]! + 3, 60);
});

test('colour codes do not count towards a width', () => {
  const widths = fitColumns([['\x1b[1mID\x1b[0m', 'y'.repeat(100)]], 40)!;
  assert.equal(widths[0], 4);
});

test('cells wrap between words, and break a word only when it is longer than the column', () => {
  assert.equal(wrapCell('5 minutes ago', 9), '5 minutes\nago');
  assert.equal(wrapCell('LAST USED', 4), 'LAST\nUSED');
  assert.equal(wrapCell('aigpk_0123456789', 6), 'aigpk_\n012345\n6789');
  assert.equal(wrapCell('short', 10), 'short');
});

test('a list too wide for the terminal cuts its free-text column with an ellipsis, and drops an optional empty one', async () => {
  const { PassThrough } = await import('node:stream');
  const { IO } = await import('../../src/cli/io.js');
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  let text = '';
  stdout.on('data', (d) => (text += d));
  const io = new IO({ color: false }, { NO_COLOR: '1' }, { stdin: new PassThrough(), stdout, stderr: new PassThrough() });
  type Row = { id: string; name: string; when: string; attached: string };
  const view = {
    id: (r: Row) => r.id,
    columns: [
      { header: 'ID', field: 'id', value: (r: Row) => r.id },
      { header: 'NAME', field: 'name', value: (r: Row) => r.name, truncate: true },
      { header: 'ACCESS KEY', field: 'attached', value: (r: Row) => r.attached, optional: true },
      { header: 'LAST USED', field: 'when', value: (r: Row) => r.when },
    ],
    details: [],
  };
  const rows = [
    { id: 'aigpk_01m8trmz0tsgfjr07wzr8zvf7j', name: 'primary production key '.repeat(5).trim(), when: '1 second ago', attached: '' },
    { id: 'aigpk_01m8trmz0tsgfjr07wzr8zvf7k', name: 'backup', when: '2 seconds ago', attached: '' },
  ];
  await io.printList({}, rows, view);
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, 2 + 2 + 1, `one line per row, plus the header and borders:\n${text}`);
  assert.ok(lines.every((l) => [...l].length <= 120), text);
  assert.match(text, /primary production key.*…/);
  assert.match(text, /1 second ago/);
  assert.doesNotMatch(text, /ACCESS KEY/);

  text = '';
  await io.printList({}, [{ ...rows[1]!, attached: 'aigk_x' }], view);
  assert.match(text, /ACCESS KEY/, 'shown when a row has one');
});

test('truncateToFit leaves a table that fits, or one without free text, as it is', () => {
  const rows = [['ID', 'NAME'], ['aigpk_1', 'main']];
  assert.deepEqual(truncateToFit(rows, [false, true], 80), rows);
  assert.deepEqual(truncateToFit([['x'.repeat(100)]], [false], 40), [['x'.repeat(100)]]);
  assert.deepEqual(truncateToFit([['ID', 'y'.repeat(100)]], [false, true], 40), [['ID', 'y'.repeat(30) + '…']]);
});
