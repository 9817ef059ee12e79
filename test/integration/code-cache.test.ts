import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO } from '../helpers/aigw.js';

/**
 * bin/aigw compiles the command tree from the V8 code cache the build makes (scripts/code-cache.cjs). Here
 * a copy of the built CLI gets a cache from this Node, and the launcher is checked to use it, to ignore
 * one that no longer matches the bundle, and to print the same help whichever way it compiled.
 */
const tree = mkdtempSync(join(tmpdir(), 'aigw-code-cache-test-'));
const bundleDir = join(tree, 'dist', 'src', 'cli-bundle');
const main = join(bundleDir, 'main.cjs');
// As a plain `aigw` runs: V8 takes a code cache only under the flags that made it.
const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: 'true' };
delete env.NODE_OPTIONS;

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: tree, env, encoding: 'utf8' });
}

/**
 * What V8 made of the cache when the launcher loaded the command tree in a fresh process: true rejected,
 * false accepted, undefined none given (or main.cjs loaded as a plain module).
 */
function cacheVerdict(): boolean | undefined {
  const probe = `
    const vm = require('node:vm');
    let verdict = null;
    vm.Script = class extends vm.Script {
      constructor(...args) { super(...args); verdict = this.cachedDataRejected ?? null; }
    };
    require('./bin/code-cache.cjs').loadMain();
    console.log(JSON.stringify(verdict));`;
  return JSON.parse(node(['-e', probe])) ?? undefined;
}

function cacheFile(): string {
  return join(bundleDir, readdirSync(bundleDir).find((f) => f.endsWith('.v8cache'))!);
}

let plainHelp: string;

before(() => {
  for (const dir of ['bin', 'dist/src/cli-bundle']) cpSync(join(REPO, dir), join(tree, dir), { recursive: true });
  cpSync(join(REPO, 'package.json'), join(tree, 'package.json'));
  for (const file of readdirSync(bundleDir)) if (file.endsWith('.v8cache')) rmSync(join(bundleDir, file));
  plainHelp = node(['bin/aigw', '--help']);
  mkdirSync(join(tree, 'scripts'));
  cpSync(join(REPO, 'scripts', 'code-cache.cjs'), join(tree, 'scripts', 'code-cache.cjs'));
  node(['scripts/code-cache.cjs']);
});
after(() => rmSync(tree, { recursive: true, force: true }));

test('the build makes a code cache for the running Node, and V8 accepts it', () => {
  assert.match(cacheFile(), new RegExp(`main\\.${process.version.replace(/\./g, '\\.')}-${process.arch}\\.v8cache$`));
  assert.equal(cacheVerdict(), false);
  assert.equal(node(['bin/aigw', '--help']), plainHelp);
});

test('a cache older than the bundle is not read', () => {
  const later = new Date(Date.now() + 60_000);
  utimesSync(main, later, later);
  try {
    assert.equal(cacheVerdict(), undefined);
    assert.equal(node(['bin/aigw', '--help']), plainHelp);
  } finally {
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(main, earlier, earlier);
  }
});

test('a damaged cache is rejected by V8, and the CLI works as without one', () => {
  writeFileSync(cacheFile(), Buffer.alloc(4096, 7));
  assert.equal(cacheVerdict(), true);
  assert.equal(node(['bin/aigw', '--help']), plainHelp);
});
