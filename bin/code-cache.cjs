// Loads the command tree (dist/src/cli-bundle/main.cjs) with the V8 code cache that the build made for
// this Node (scripts/code-cache.cjs): ~5 ms of a ~25 ms `aigw --help` on Node 20. Without a usable cache
// it loads main.cjs as any module: a cache built by another Node is never read, nor one older than the
// bundle (it would describe other code).
'use strict';
const { readFileSync, statSync } = require('node:fs');
const { dirname, join } = require('node:path');

const MAIN = join(__dirname, '../dist/src/cli-bundle/main.cjs');

function codeCacheFile() {
  return join(dirname(MAIN), `main.${process.version}-${process.arch}.v8cache`);
}

/** main.cjs as a vm.Script, compiled from `cachedData` when given (V8 may still reject it). */
function compileMain(cachedData) {
  const { Script } = require('node:vm');
  const Module = require('node:module');
  // V8 checks a cache against its version, its flags and the source's length, and compiles afresh when
  // any differs (under a NODE_OPTIONS such as --max-old-space-size, say).
  return new Script(Module.wrap(readFileSync(MAIN, 'utf8')), { filename: MAIN, cachedData });
}

/** This Node's cache, unless it is missing or older than the bundle. */
function usableCache() {
  try {
    const file = codeCacheFile();
    return statSync(file).mtimeMs >= statSync(MAIN).mtimeMs ? readFileSync(file) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a compiled main.cjs as Node runs a CommonJS module, and returns its exports. */
function run(script) {
  const bundle = { exports: {} };
  script.runInThisContext().call(bundle.exports, bundle.exports, require('node:module').createRequire(MAIN), bundle, MAIN, dirname(MAIN));
  return bundle.exports;
}

function loadMain() {
  const cachedData = usableCache();
  return cachedData ? run(compileMain(cachedData)) : require(MAIN);
}

module.exports = { codeCacheFile, compileMain, run, loadMain };
