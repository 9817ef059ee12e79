// Bundles the CLI into dist/src/cli-bundle/ (and the daemon into dist/src/daemon-bundle/, see below), so a
// cold start reads and compiles one file instead of hundreds (bench/run.mjs measures it against `node -e 0`):
//   main.cjs      the command tree, everything it imports statically, in one file;
//   complete.cjs  what a TAB-completion request runs, on its own (bin/aigw picks it for `__complete`);
//   vendor/*.cjs  the heavy libraries that commands import lazily (got, ora, inquirer, cli-table3, yaml), each
//                 bundled alone and loaded only when a command needs it.
// Each output is one file: no shared chunks, each of which would be one more module to resolve and load.
// All of it is CommonJS, and every `await import(x)` in the CLI's code becomes a require() made at that
// moment: the first ES module or import() a process loads starts Node's ESM loader, which on Node 20 is
// ~5 ms of a ~21 ms `node -e 0`, and reads the file asynchronously besides.
// The bundle sits at the same depth as dist/src/cli/, so paths relative to import.meta.url (the daemon's
// entry, package.json) resolve the same from both.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative, resolve as resolvePath, sep } from 'node:path';

const outdir = 'dist/src/cli-bundle';
// What each vendor bundle's module.exports is: what the CLI's `await import(name)` expects, read the way
// Node reads a CommonJS module from an ES module (`default` is module.exports; named exports its keys).
const VENDOR = {
  got: "module.exports = require('got').default;",
  ora: "module.exports = require('ora').default;",
  inquirer: "module.exports = { createPromptModule: require('inquirer').createPromptModule };",
  'cli-table3': "module.exports = require('cli-table3');",
  yaml: "module.exports = require('yaml');",
};
// Each patch of third-party code below is checked by test/unit/bundle-patches.test.ts, which fails when an
// upgrade stops it applying or makes it useless.
// The native module only `aigw doctor` probes for; it loads from node_modules as it is.
const NATIVE = ['keytar'];
const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.17',
  legalComments: 'none',
  logLevel: 'warning',
  // import.meta.url (the CLI finds the daemon's entry and package.json from it) stays this file's URL.
  banner: { js: "'use strict'; const __aigwUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': '__aigwUrl' },
};
/**
 * `await import('got')` in the CLI's code becomes a require() of `./vendor/got.cjs`, and `await
 * import('node:http')` one of `node:http`, each made when the import() runs: a tiny module in the bundle
 * whose body is that require(), which esbuild evaluates lazily because only import() reaches it.
 */
const lazyRequires = {
  name: 'lazy-requires',
  setup(b) {
    const vendor = new Set(Object.keys(VENDOR));
    b.onResolve({ filter: /.*/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      if (vendor.has(args.path)) return { path: `./vendor/${args.path}.cjs`, namespace: 'lazy-require' };
      if (args.path.startsWith('node:') || NATIVE.includes(args.path)) return { path: args.path, namespace: 'lazy-require' };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-require' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
    b.onResolve({ filter: /^\.\/vendor\// }, (args) => ({ path: args.path, external: true }));
  },
};

/**
 * commander requires node:child_process at load time for executable subcommands, which aigw does not
 * have; loading it (and node:net with it) was ~2.5 ms of every command. commander gets a stand-in that
 * loads the real module on first use.
 */
const lazyChildProcessForCommander = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "let real; module.exports = new Proxy({}, { get: (_, name) => (real ??= require('node:child_process'))[name] });",
      loader: 'js',
    }));
  },
};

/**
 * Trims what got costs at load time, without changing what it does for aigw (HTTP/1.1 over a Unix socket):
 *   - http2-wrapper (and with it node:http2) is only used for `http2: true` on https URLs: a stub that
 *     throws stands in for it;
 *   - @sindresorhus/is builds two Intl.ListFormat objects at load time, for error messages; creating an
 *     Intl formatter loads ICU data (milliseconds), so they are made on first use instead.
 */
const trimGot = {
  name: 'trim-got',
  setup(b) {
    b.onResolve({ filter: /^http2-wrapper$/ }, () => ({ path: 'http2-wrapper', namespace: 'aigw-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'aigw-stub' }, () => ({
      contents: "const unused = () => { throw new Error('HTTP/2 is not used by the aigw CLI'); }; export default { auto: unused, get globalAgent() { return unused(); } };",
      loader: 'js',
    }));
    b.onLoad({ filter: /@sindresorhus[\\/]is[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const lazy = 'const __aigwListFormat = (...a) => { let f; return { format: (v) => (f ??= new Intl.ListFormat(...a)).format(v) }; };\n';
      return { contents: lazy + source.replace(/new Intl\.ListFormat\(/g, '__aigwListFormat('), loader: 'js' };
    });
  },
};

/**
 * The daemon, bundled the same way (dist/src/daemon-bundle/main.cjs): a start (each `aigw` that finds no
 * daemon waits for one) reads and compiles one file instead of a few hundred ES modules. Each module's
 * import.meta.url stays the URL of its own file in dist/ (its worker's entry, the price index, package.json
 * are found from it), so the bundle runs with the tree as tsc built it. The usage writers' workers and the
 * store check (a program of its own) run from that tree unbundled.
 */
const daemonOutdir = 'dist/src/daemon-bundle';
const ownSources = resolvePath('src') + sep;
const ownModuleUrls = {
  name: 'own-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(ownSources)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const built = relative(resolvePath(daemonOutdir), resolvePath('dist', relative(process.cwd(), args.path))).replace(/\.ts$/, '.js');
      return { contents: source.replaceAll('import.meta.url', `__aigwModuleUrl(${JSON.stringify(built)})`), loader: 'ts' };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
rmSync(daemonOutdir, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    banner: { js: "'use strict'; const __aigwModuleUrl = (file) => require('node:url').pathToFileURL(require('node:path').join(__dirname, file)).href;" },
    // import.meta.url is each module's own (ownModuleUrls), not the bundle's as in the CLI.
    define: {},
    outExtension: { '.js': '.cjs' },
    entryPoints: { main: 'src/daemon/main.ts' },
    outdir: daemonOutdir,
    // Native addons load from node_modules as they are; pg-native is pg's optional native client, never used.
    external: ['better-sqlite3', 'keytar', 'pg-native'],
    plugins: [ownModuleUrls],
  }),
  build({
    ...common,
    outExtension: { '.js': '.cjs' },
    entryPoints: { main: 'src/cli/main.ts', complete: 'src/cli/completion/request.ts' },
    outdir,
    external: NATIVE,
    plugins: [lazyRequires, lazyChildProcessForCommander],
  }),
  ...Object.entries(VENDOR).map(([name, contents]) =>
    build({
      ...common,
      stdin: { contents, resolveDir: process.cwd(), loader: 'js' },
      outfile: `${outdir}/vendor/${name}.cjs`,
      plugins: name === 'got' ? [trimGot] : [],
    }),
  ),
]);

// The code cache bin/aigw compiles main.cjs from (scripts/code-cache.cjs); made under the flags a plain
// `aigw` runs with.
const env = { ...process.env };
delete env.NODE_OPTIONS;
execFileSync(process.execPath, ['scripts/code-cache.cjs'], { env, stdio: 'inherit' });
