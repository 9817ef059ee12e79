import { collect, handler, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import { lazySubcommands } from '../lazy-commands.js';

/** `import traffic-policy`'s flags; traffic-policy-import.ts, loaded only when it runs, reads their types. */
export function trafficPolicyFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--secret <vault/name=ENV_VAR>', "take secrets.get('vault', 'name') from this environment variable (repeatable)", collect, [])
    .option('--name <name>', 'name of the configuration it creates (default: the file name without its extension)')
    .option('--dry-run', 'print what would be created, redacted, and change nothing');
}

export function registerImport(program: Program): void {
  const group = program.command('import').description('bring a setup made elsewhere into aigw');
  lazySubcommands(group, () => {
    trafficPolicyFlags(
      group
        .command('traffic-policy')
        .description("create provider keys, custom providers and a configuration from an ngrok Traffic Policy's ai-gateway actions")
        .argument('<file>', 'the policy, YAML or JSON; - reads standard input'),
    )
      .addHelpText(
        'after',
        '\nExamples:\n  aigw import traffic-policy policy.yaml --dry-run\n' +
          '  OPENAI_PRIMARY=sk-… aigw import traffic-policy policy.yaml --secret openai/primary=OPENAI_PRIMARY',
      )
      .action(
        handler(async (factory, options, file) => {
          // The importer and the YAML parser load only when this command runs.
          const { importTrafficPolicy } = await import('./traffic-policy-import.js');
          await importTrafficPolicy(factory, options, file);
        }),
      );
  });
}
