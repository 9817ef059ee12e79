import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitColumns, wrapCell } from '../../src/cli/io.js';

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
