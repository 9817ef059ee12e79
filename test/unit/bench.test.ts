import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/aigw.js';

// The benchmark (`npm run bench`) is not part of the test suite: its figures are only meaningful on a
// quiet machine. This only checks that its scripts parse and that the npm script points at them.
test('the bench scripts parse, and npm run bench runs bench/run.mjs', () => {
  const dir = join(REPO, 'bench');
  const scripts = readdirSync(dir).filter((f) => f.endsWith('.mjs'));
  assert.ok(scripts.includes('run.mjs'));
  for (const script of scripts) execFileSync(process.execPath, ['--check', join(dir, script)]);
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  assert.match(pkg.scripts.bench, /node bench\/run\.mjs/);
  assert.ok(pkg.devDependencies.autocannon, 'autocannon is a devDependency, so npm ci installs it');
});
