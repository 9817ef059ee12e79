import { handler, type Program } from '../command.js';
import { Argument, type AnyCommand } from '../commander.js';
import { installLines, SHELLS, type Shell } from '../completion/install.js';
import type { Factory } from '../factory.js';

function rootOf(command: AnyCommand): AnyCommand {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

const WHERE = SHELLS.map((shell) => `  ${shell}:\n${installLines(shell).map((l) => `    ${l}`).join('\n')}`).join('\n');

export function registerCompletion(program: Program): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (never edits your dotfiles)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText('after', `\nWhere to put it:\n${WHERE}\nOpen a new shell afterwards. Resource ids are completed while the daemon runs.`)
    .action(
      handler(async ({ io }: Factory, _options: unknown, shell: Shell) => {
        const [{ completionScript }, { specOf }] = await Promise.all([import('../completion/scripts.js'), import('../completion/spec.js')]);
        io.stdout.write(completionScript(shell, specOf(rootOf(program))));
      }),
    );

  // What the scripts run at TAB time. bin/aigw dispatches it before building this tree, to start fast;
  // it is registered here too so that `main()` answers it the same way.
  program
    .command('__complete', { hidden: true })
    .argument('[words...]')
    .allowUnknownOption()
    .action(async (words: string[]) => {
      const { main } = await import('../completion/request.js');
      await main(['__complete', ...words]);
    });
}
