import type { RewrapResult } from '../../core/secret-rewrap.js';
import { handler, type Program } from '../command.js';
import type { Factory } from '../factory.js';
import type { View } from '../io.js';
import { lazySubcommands } from '../lazy-commands.js';

const rewrapView: View<RewrapResult> = {
  id: (r) => r.keyId,
  columns: [],
  details: [
    { header: 'Master key id', field: 'keyId', value: (r) => r.keyId },
    { header: 'Re-wrapped', field: 'rewrapped', value: (r) => String(r.rewrapped) },
    { header: 'Under another key', field: 'remaining', value: (r) => String(r.remaining) },
  ],
};

async function rewrap({ io, api }: Factory): Promise<void> {
  const result = await io.spin('Re-wrapping the stored provider keys', () => api().request<RewrapResult>('POST', '/secrets/rewrap'));
  io.success(`Re-wrapped ${result.rewrapped} provider key values under master key ${result.keyId}`);
  if (result.remaining) {
    io.warn(
      `${result.remaining} values are under a master key this daemon was not given; ` +
        'start it with that key as AIGW_PREVIOUS_MASTER_KEY (or AIGW_PREVIOUS_MASTER_KEY_FILE) and run this again',
    );
  }
  await io.printItem(result, rewrapView);
}

const EXAMPLES = `
Changing the master key of the database secret store (AIGW_SECRET_STORE=database), without downtime:
  1. restart every replica with the new key as AIGW_MASTER_KEY and the old one as AIGW_PREVIOUS_MASTER_KEY
  2. aigw secrets rewrap        # on any one of them
  3. restart every replica without AIGW_PREVIOUS_MASTER_KEY`;

export function registerSecrets(program: Program): void {
  const secrets = program.command('secrets').description('the secret store that holds provider key values');
  lazySubcommands(secrets, () => {
    secrets
      .command('rewrap')
      .description('re-wrap every stored provider key value under the current master key (the database secret store)')
      .addHelpText('after', EXAMPLES)
      .action(handler(rewrap));
  });
}
