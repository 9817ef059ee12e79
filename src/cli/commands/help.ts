import { handler, type Program } from '../command.js';
import type { AnyCommand } from '../commander.js';
import type { Factory } from '../factory.js';
import { buildSubcommands } from '../lazy-commands.js';
import { suggests } from '../completion/resources.js';
import { ENVIRONMENT } from '../environment.js';
import { EXIT_CODES, usageError } from '../errors.js';
import type { IO, View } from '../io.js';

type Row = { key: string; meaning: string };

function tableView(keyHeader: string, keyField: string): View<Row> {
  return {
    id: (r) => r.key,
    columns: [
      { header: keyHeader, field: keyField, value: (r) => r.key },
      { header: 'MEANING', field: 'meaning', value: (r) => r.meaning },
    ],
    details: [],
  };
}

export const HELP_TOPICS = {
  'exit-codes': {
    description: 'the exit status of every command',
    show: (io: IO) =>
      io.printList({ exitCodes: EXIT_CODES }, EXIT_CODES.map((e) => ({ key: String(e.code), meaning: e.meaning })), tableView('CODE', 'code')),
  },
  environment: {
    description: 'the environment variables aigw reads',
    show: (io: IO) =>
      io.printList({ environment: ENVIRONMENT }, ENVIRONMENT.map((e) => ({ key: e.name, meaning: e.meaning })), tableView('VARIABLE', 'name')),
  },
} as const;

function findCommand(root: AnyCommand, words: readonly string[]): AnyCommand | undefined {
  let command: AnyCommand | undefined = root;
  for (const word of words) {
    command = buildSubcommands(command).commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (!command) return undefined;
  }
  return command;
}

export function registerHelp(program: Program): void {
  const help = program
    .command('help')
    .description(`show help for a command, or a topic: ${Object.keys(HELP_TOPICS).join(', ')}`)
    .argument('[topic...]', 'a command (such as provider-keys create) or a topic')
    .action(
      handler(async ({ io }: Factory, _options: unknown, words: string[]) => {
        const topic = HELP_TOPICS[words.join(' ') as keyof typeof HELP_TOPICS];
        if (topic) return topic.show(io);
        const command = findCommand(program, words);
        if (!command) throw usageError(`no command or help topic "${words.join(' ')}"; try \`aigw --help\``);
        command.outputHelp();
      }),
    );
  suggests(help.registeredArguments[0]!, () => [
    ...Object.keys(HELP_TOPICS),
    ...program.commands.filter((c) => c !== help && !c.name().startsWith('_')).map((c) => c.name()),
  ]);
}
