import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * The parts of src/ and what each may import (docs/ARCHITECTURE.md draws the same table). Every import
 * counts, type-only and dynamic ones too: a type import is still a dependency of the design.
 */
const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

type Part =
  | 'core'
  | 'cli'
  | 'app'
  | 'app-ports'
  | 'store-interface'
  | 'store'
  | 'secrets'
  | 'daemon'
  | 'daemon-plumbing'
  | 'control'
  | 'gateway';

/** The daemon's own helpers that both faces use (logger, body reader, bearer parsing, private files). */
const DAEMON_PLUMBING = new Set(['daemon/log.ts', 'daemon/body.ts', 'daemon/bearer.ts', 'daemon/fs.ts']);
/** The Store interface (with the usage batch format it takes); everything else under store/ is an implementation. */
const STORE_INTERFACE = new Set(['store/types.ts', 'store/usage-batch.ts', 'store/usage-fields.ts']);

/** The part a file (a path relative to src/, with forward slashes) belongs to. */
function partOf(file: string): Part | undefined {
  if (file === 'app/ports.ts') return 'app-ports';
  if (STORE_INTERFACE.has(file) || file.startsWith('store/contract/')) return 'store-interface';
  if (DAEMON_PLUMBING.has(file)) return 'daemon-plumbing';
  if (file.startsWith('daemon/control/')) return 'control';
  if (file.startsWith('daemon/gateway/')) return 'gateway';
  const top = file.split('/')[0];
  return (['core', 'cli', 'app', 'store', 'secrets', 'daemon'] as const).find((part) => part === top);
}

const ALLOWED: Record<Part, readonly Part[]> = {
  core: ['core'],
  cli: ['cli', 'core'],
  'app-ports': ['core'],
  app: ['app', 'app-ports', 'store-interface', 'core'],
  'store-interface': ['store-interface', 'core'],
  store: ['store', 'store-interface', 'core'],
  secrets: ['secrets', 'core'],
  'daemon-plumbing': ['daemon-plumbing', 'core'],
  control: ['control', 'app', 'app-ports', 'daemon-plumbing', 'core'],
  gateway: ['gateway', 'app-ports', 'store', 'store-interface', 'daemon-plumbing', 'core'],
  daemon: ['daemon', 'daemon-plumbing', 'control', 'gateway', 'app', 'app-ports', 'store', 'store-interface', 'secrets', 'core'],
};

/** Why `from` may not import `to`, or undefined when it may. */
function violation(from: string, to: string): string | undefined {
  const source = partOf(from);
  const target = partOf(to);
  if (!source) return `${from} belongs to no part`;
  if (!target) return `${from} imports ${to}, which belongs to no part`;
  return ALLOWED[source].includes(target) ? undefined : `${from} (${source}) imports ${to} (${target})`;
}

function sourceFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.split(sep).join('/'));
}

/** The files under src/ that a file imports: relative specifiers, resolved and mapped from .js back to .ts. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  return ts
    .preProcessFile(text, true, true)
    .importedFiles.map((imported) => imported.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => {
      const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
      return resolved.replace(/\.js$/, '.ts');
    });
}

test('the checker itself refuses the crossings the design forbids', () => {
  assert.match(violation('cli/commands/doctor.ts', 'store/sqlite/handles.ts') ?? '', /\(cli\) imports .*\(store\)/);
  assert.ok(violation('daemon/control/usage.ts', 'daemon/gateway/index.ts'));
  assert.ok(violation('daemon/gateway/index.ts', 'daemon/control/server.ts'));
  assert.ok(violation('daemon/gateway/index.ts', 'app/gateway-config.ts'), 'the gateway sees the app only through its ports');
  assert.ok(violation('daemon/control/server.ts', 'store/types.ts'), 'control routes reach the store only through the app');
  assert.ok(violation('secrets/file.ts', 'store/types.ts'));
  assert.ok(violation('store/sqlite.ts', 'secrets/types.ts'));
  assert.ok(violation('core/ids.ts', 'cli/io.ts'));
  assert.ok(violation('app/providers.ts', 'store/sqlite.ts'), 'the app knows the Store interface, not an implementation');
  assert.ok(violation('daemon/log.ts', 'daemon/gateway/index.ts'), 'shared plumbing cannot carry one face into the other');
  assert.equal(violation('daemon/main.ts', 'daemon/gateway/index.ts'), undefined);
  assert.equal(violation('daemon/gateway/directory.ts', 'app/ports.ts'), undefined);
});

test('every file under src/ imports only what its part may import', () => {
  const files = sourceFiles();
  const existing = new Set(files);
  const problems: string[] = [];
  let checked = 0;
  for (const file of files) {
    for (const target of importsOf(file)) {
      checked++;
      if (!existing.has(target)) problems.push(`${file} imports ${target}, which is not a file under src/`);
      else {
        const why = violation(file, target);
        if (why) problems.push(why);
      }
    }
  }
  assert.ok(files.length > 80 && checked > 300, `${files.length} files, ${checked} imports: the walk found too little`);
  assert.deepEqual(problems, []);
});

test('the CLI does not start any daemon-side library either', () => {
  // The native and server libraries are the daemon's: the CLI loads neither the store's nor the management API's.
  const problems: string[] = [];
  for (const file of sourceFiles().filter((f) => partOf(f) === 'cli')) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (['better-sqlite3', 'pg', 'fastify', 'undici', 'pino'].includes(fileName)) problems.push(`${file} imports ${fileName}`);
    }
  }
  assert.deepEqual(problems, []);
});
