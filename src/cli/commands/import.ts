import type { Command } from 'commander';
import { collect, handler } from '../command.js';
import { lazySubcommands } from '../lazy-commands.js';
import type { Factory } from '../factory.js';
import type { TrafficPolicyOptions } from './traffic-policy-import.js';

export function registerImport(program: Command): void {
  const group = program.command('import').description('bring a setup made elsewhere into aigw');
  lazySubcommands(group, () => {
    group
      .command('traffic-policy')
      .description("create provider keys, custom providers and a configuration from an ngrok Traffic Policy's ai-gateway actions")
      .argument('<file>', 'the policy, YAML or JSON; - reads standard input')
      .option('--secret <vault/name=ENV_VAR>', "take secrets.get('vault', 'name') from this environment variable (repeatable)", collect, [])
      .option('--name <name>', 'name of the configuration it creates (default: the file name without its extension)')
      .option('--dry-run', 'print what would be created, redacted, and change nothing')
      .addHelpText(
        'after',
        '\nExamples:\n  aigw import traffic-policy policy.yaml --dry-run\n' +
          '  OPENAI_PRIMARY=sk-… aigw import traffic-policy policy.yaml --secret openai/primary=OPENAI_PRIMARY',
      )
      .action(
        handler(async (factory: Factory, options: TrafficPolicyOptions, file: string) => {
          // The importer and the YAML parser load only when this command runs.
          const { importTrafficPolicy } = await import('./traffic-policy-import.js');
          await importTrafficPolicy(factory, options, file);
        }),
      );
  });
}
