import { readFileSync } from 'node:fs';

// Read once from the package's own package.json so the CLI and the daemon can never disagree by build.
export const VERSION: string = JSON.parse(
  readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
).version;

/** The response header in which the daemon tells the CLI its version, so a mismatch is reported. */
export const DAEMON_VERSION_HEADER = 'aigw-daemon-version';
