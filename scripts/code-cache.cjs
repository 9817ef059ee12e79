// Makes the V8 code cache bin/aigw compiles the command tree from: ~5 ms of a ~25 ms `aigw --help` on
// Node 20, which has no compile cache of its own. Run by scripts/bundle.mjs, in a process of its own
// with no NODE_OPTIONS (V8 accepts a code cache only under the flags that made it).
//
// The cache is taken after the bundle has run the commands below, so it holds the functions they compiled,
// not just the top level. It is only for the Node that made it (the file name says which) and for this
// build of main.cjs (bin/aigw checks that the cache is not older than the bundle).
'use strict';
const { mkdtempSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { codeCacheFile, compileMain, run } = require('../bin/code-cache.cjs');

const WARM_UP = [['--help'], ['provider-keys', '--help'], ['provider-keys', 'list', '--help']];

async function main() {
  const home = mkdtempSync(join(tmpdir(), 'aigw-code-cache-'));
  process.env.AIGW_HOME = home;
  const script = compileMain();
  const bundle = run(script);
  const write = process.stdout.write;
  process.stdout.write = () => true;
  try {
    for (const args of WARM_UP) await bundle.main(['node', 'aigw', ...args]);
  } finally {
    process.stdout.write = write;
    rmSync(home, { recursive: true, force: true });
  }
  if (process.exitCode) throw new Error(`\`aigw ${WARM_UP.map((a) => a.join(' ')).join('`, `aigw ')}\` failed`);
  // Renamed into place: an aigw starting meanwhile reads the old cache whole, or this one.
  const file = codeCacheFile();
  writeFileSync(`${file}.tmp`, script.createCachedData());
  renameSync(`${file}.tmp`, file);
}

main().catch((err) => {
  console.error(`code cache: ${err.message}`);
  process.exit(1);
});
