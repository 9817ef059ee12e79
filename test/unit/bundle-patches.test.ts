import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO } from '../helpers/aigw.js';

// scripts/bundle.mjs patches third-party code at build time. Each patch is checked here twice: that it
// still applies to the installed version, and that what it is for still holds; an upgrade that breaks
// either fails this file instead of quietly slowing the CLI down.
const BUNDLE = join(REPO, 'dist', 'src', 'cli-bundle');
const MAIN = join(BUNDLE, 'main.cjs');
const GOT = join(BUNDLE, 'vendor', 'got.cjs');

/** Runs a CommonJS script in a fresh Node and returns what it printed as JSON. */
function run(script: string): unknown {
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
}

const builtinsLoadedBy = (file: string) =>
  run(`require(${JSON.stringify(file)}); console.log(JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule '))))`) as string[];

test('commander gets a lazy node:child_process, so loading the command tree does not load it', () => {
  assert.match(readFileSync(MAIN, 'utf8'), /new Proxy\(\{\}, \{ get: \(_, name\) => \(real \?\?= require\("node:child_process"\)\)\[name\] \}\)/);
  assert.ok(!builtinsLoadedBy(MAIN).includes('NativeModule child_process'));
});

test('got\'s http2-wrapper is stubbed out, so loading got does not load node:http2', () => {
  assert.ok(readFileSync(GOT, 'utf8').includes('HTTP/2 is not used by the aigw CLI'), 'the stub is in the bundle');
  assert.ok(!builtinsLoadedBy(GOT).includes('NativeModule http2'));
});

test('@sindresorhus/is makes its Intl.ListFormat objects on first use, not when got loads', () => {
  const made = run(`
    let made = 0;
    const Real = Intl.ListFormat;
    Intl.ListFormat = class extends Real { constructor(...args) { super(...args); made++; } };
    require(${JSON.stringify(GOT)});
    console.log(made);`);
  assert.equal(made, 0);
  const source = readFileSync(GOT, 'utf8');
  assert.equal(source.match(/Intl\.ListFormat\(/g)?.length, 1, 'the one left is inside the lazy stand-in');
  assert.ok((source.match(/__aigwListFormat\(/g)?.length ?? 0) >= 2, 'the formatters are made through the stand-in');
});
