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

// Absolute latency figures move 2–6× between machines; the pass-through, measured in the same run, moves
// with them. So the latency targets are ratios to it, and the README shows the table the bench prints.
test('latency and time to first chunk are judged against the pass-through measured in the same run', () => {
  const script = readFileSync(join(REPO, 'bench', 'run.mjs'), 'utf8');
  assert.match(script, /sequential\(sequentialTargets, LATENCY_WARMUP/);
  assert.match(script, /sequential\(sequentialTargets, STREAM_WARMUP/);
  assert.match(script, /const sequentialTargets = \[targets\.direct, targets\.passthrough, targets\.gateway\]/);
  assert.match(script, /vsPassthrough\('Latency p50 vs pass-through \(sequential\)', p50, 1\.1\)/);
  assert.match(script, /vsPassthrough\('Latency p99 vs pass-through \(sequential\)', p99, 1\.5\)/);
  assert.match(script, /vsPassthrough\('Time to first chunk vs pass-through \(streaming\)', ttfc, 1\.1\)/);
  assert.doesNotMatch(script, /'≤ (0\.5|1|2) ms'/, 'no absolute latency target is left');

  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const performance = readme.slice(readme.indexOf('\n## Performance'), readme.indexOf('\n## Development'));
  for (const measure of ['Latency p50 vs pass-through (sequential)', 'Latency p99 vs pass-through (sequential)', 'Time to first chunk vs pass-through (streaming)']) {
    assert.match(performance, new RegExp(`^\\| ${measure.replace(/[()]/g, '\\$&')} \\| [\\d.]+× \\| ≤ 1\\.[15]0× \\| (PASS|FAIL) \\|`, 'm'));
  }
  assert.ok(performance.includes('bench/README.md'), 'the README points to the measurement notes');
  assert.ok(performance.split('\n').length < 60, 'the README keeps the table and a short summary; the notes are in bench/README.md');
  const notes = readFileSync(join(REPO, 'bench', 'README.md'), 'utf8');
  assert.match(notes, /## What it measures/);
  assert.match(notes, /## Why every target is a ratio/);
});
