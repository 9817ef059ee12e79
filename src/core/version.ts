import { readFileSync } from 'node:fs';

// Read once from the package's own package.json so the CLI and the daemon can never disagree by build.
export const VERSION: string = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
).version;
