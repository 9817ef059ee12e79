import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnyCommand } from './commander.js';
import { VERSION } from '../core/version.js';
import { INSTALL, SHELLS } from './completion/install.js';
import { completionScript } from './completion/scripts.js';
import { specOf } from './completion/spec.js';
import { manPage } from './man.js';

/**
 * The files made from the command tree and checked in: the three completion scripts and the man page.
 * `npm run generate` writes them; a test fails when they drift from what the tree generates.
 */
export function generatedFiles(program: AnyCommand): Record<string, string> {
  const spec = specOf(program);
  const files: Record<string, string> = {};
  for (const shell of SHELLS) files[join('completions', INSTALL[shell].file)] = completionScript(shell, spec);
  files[join('man', 'aigw.1')] = manPage(spec, VERSION);
  return files;
}

async function main(): Promise<void> {
  const { buildProgram } = await import('./main.js');
  const root = new URL('../../../', import.meta.url);
  for (const [path, text] of Object.entries(generatedFiles(buildProgram()))) {
    writeFileSync(new URL(path, root), text);
    process.stderr.write(`wrote ${path}\n`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
