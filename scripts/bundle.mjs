// Bundles the CLI into dist/src/cli-bundle/, so a cold start reads and compiles one file instead of
// hundreds (bench/run.mjs measures it against `node -e 0`):
//   main.js      the command tree, everything it imports statically, in one file;
//   complete.js  what a TAB-completion request runs, on its own (bin/aigw picks it for `__complete`);
//   vendor/*.js  the heavy libraries that commands import lazily (got, ora, inquirer, cli-table3), each
//                bundled alone and loaded only when a command needs it.
// Each output is one file: no shared chunks, each of which would be one more module to resolve and load.
// The bundle sits at the same depth as dist/src/cli/, so paths relative to import.meta.url (the daemon's
// entry, package.json) resolve the same from both.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

const outdir = 'dist/src/cli-bundle';
const VENDOR = {
  got: "export { default } from 'got';",
  ora: "export { default } from 'ora';",
  inquirer: "export { createPromptModule } from 'inquirer';",
  'cli-table3': "import Table from 'cli-table3'; export default Table;",
};
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.17',
  legalComments: 'none',
  logLevel: 'warning',
  // Bundled CommonJS packages (commander, cli-table3) call require() for Node's own modules.
  banner: { js: "import { createRequire as __aigwCreateRequire } from 'node:module'; const require = __aigwCreateRequire(import.meta.url);" },
};
/** `import('got')` in the CLI's code becomes `import('./vendor/got.js')`, left for run time. */
const vendorImports = {
  name: 'vendor-imports',
  setup(b) {
    const names = Object.keys(VENDOR).map((n) => n.replace(/[-]/g, '\\-'));
    b.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({ path: `./vendor/${args.path}.js`, external: true }));
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

rmSync(outdir, { recursive: true, force: true });
await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'src/cli/main.ts', complete: 'src/cli/completion/request.ts' },
    outdir,
    // Native modules only `aigw doctor` probes for; they load from node_modules as they are.
    external: ['keytar', 'better-sqlite3'],
    plugins: [vendorImports],
  }),
  ...Object.entries(VENDOR).map(([name, contents]) =>
    build({ ...common, stdin: { contents, resolveDir: process.cwd(), loader: 'js' }, outfile: `${outdir}/vendor/${name}.js`, plugins: name === 'got' ? [trimGot] : [] }),
  ),
]);
