import { installLines, SHELLS } from './completion/install.js';
import { acceptedOptions, allCommands, type CommandSpec, type OptionSpec, type ValueSpec } from './completion/spec.js';
import { ENVIRONMENT, FILES } from './environment.js';
import { EXIT_CODES } from './errors.js';

/**
 * The man page, aigw(1), generated from the command tree with the exit-code, environment and file tables
 * that `aigw help` prints. Plain man(7) macros, so it renders with `man -l` and groff without warnings.
 */

/** Examples for the man page; a test checks that each one names a real command. */
export const EXAMPLES: readonly { text: string; command: string }[] = [
  { text: 'Store an OpenAI key; on a terminal the value is asked for and not shown:', command: 'aigw provider-keys create --provider-id openai' },
  {
    text: 'The same in a script, reading the value from standard input and printing JSON:',
    command: 'printf %s "$OPENAI_API_KEY" | aigw provider-keys create --provider-id openai --value-stdin -o json',
  },
  { text: 'List the stored keys, or only their ids:', command: 'aigw provider-keys list\naigw provider-keys list -q' },
  { text: 'Replace the value of a key, keeping its id:', command: 'aigw provider-keys rotate aigpk_01h... --value-file new-key.txt' },
  { text: 'Delete a key without being asked:', command: 'aigw provider-keys delete aigpk_01h... --yes' },
  { text: 'See whether everything is in order, and how to fix what is not:', command: 'aigw doctor' },
  { text: 'Enable completion in zsh:', command: 'aigw completion zsh > ~/.zfunc/_aigw' },
  { text: 'Is the daemon running, and where does the gateway listen?', command: 'aigw daemon status' },
];

/** Escapes text for roff: backslashes, leading dots and quotes, dashes in option names, non-ASCII characters. */
function esc(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)
    .replace(/^([.'])/gm, '\\&$1');
}

/** Prose: like esc, but hyphens inside words stay hyphens. */
function prose(text: string): string {
  return esc(text).replace(/(\w)\\-(\w)/g, '$1-$2');
}

function flagsRoff(flags: string): string {
  return flags
    .split(/(,\s*|\s+|\|)/)
    .map((part) => {
      if (/^-/.test(part)) return `\\fB${esc(part)}\\fR`;
      if (/^<.*>$/.test(part)) return `\\fI${esc(part.slice(1, -1))}\\fR`;
      if (/^\[.*\]$/.test(part)) return `[\\fI${esc(part.slice(1, -1))}\\fR]`;
      return esc(part);
    })
    .join('');
}

function valueNote(value: ValueSpec): string {
  switch (value.kind) {
    case 'words':
      return ` One of: ${value.words.join(', ')}.`;
    case 'resource':
      return value.resource === 'providers' ? ' TAB completes the provider ids.' : ' While the daemon runs, TAB completes the ids.';
    default:
      return '';
  }
}

function sentence(text: string): string {
  const t = text.trim();
  return t ? t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.') : '';
}

function optionItem(option: OptionSpec): string[] {
  return ['.TP', flagsRoff(option.flags), prose(sentence(option.description) + valueNote(option.value))];
}

function commandSection(command: CommandSpec): string[] {
  const name = ['aigw', ...command.path].join(' ');
  const lines = [`.SS "${esc(name)}"`];
  if (command.aliases.length) lines.push(`.PP\nAlso: ${command.aliases.map((a) => `\\fB${esc(a)}\\fR`).join(', ')}.`);
  lines.push('.PP', `\\fB${esc(name)}\\fR ${flagsRoff(command.usage)}`, '.PP', prose(sentence(command.description)));
  const own = command.options.filter((o) => o.long !== '--help');
  lines.push(...own.flatMap(optionItem));
  for (const arg of command.args) {
    lines.push('.TP', `\\fI${esc(arg.name)}\\fR`, prose(sentence(arg.description) + valueNote(arg.value)));
  }
  return lines;
}

function table(rows: readonly { key: string; meaning: string }[], style: 'B' | 'I'): string[] {
  return rows.flatMap((r) => ['.TP', `\\f${style}${esc(r.key)}\\fR`, prose(sentence(r.meaning))]);
}

export function manPage(root: CommandSpec, version: string): string {
  const leaves = allCommands(root).filter((c) => c !== root);
  const globals = acceptedOptions(root, root);
  const lines = [
    `.\\" aigw(1). Generated from the command tree by \`npm run generate\`; do not edit.`,
    `.TH AIGW 1 "" "aigw ${esc(version)}" "User Commands"`,
    '.SH NAME',
    `aigw \\- ${prose(root.description.replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '.B aigw',
    '.RI [ options ]',
    '.I resource verb',
    '.RI [ arguments ]',
    '.SH DESCRIPTION',
    prose(
      'aigw keeps upstream AI provider keys (OpenAI, Anthropic, Google, DeepSeek, Groq, OpenRouter and others) in the OS keychain, ' +
        'or in an encrypted file where no keychain is reachable, and serves a local AI gateway that apps call with an aigw access key instead. ' +
        'The commands mirror ngrok\'s AI Gateway CLI.',
    ),
    '.PP',
    prose(
      'A bundled daemon holds the keys; any command that needs it starts it and says so on standard error. ' +
        'On a terminal aigw prints tables, asks for secret values without showing them and asks before deleting. ' +
        'In scripts it prints plain tab-separated lines (or JSON with -o json), never prompts, and fails with a stable exit status. ' +
        'Data goes to standard output; progress, warnings and errors to standard error.',
    ),
    '.SH OPTIONS',
    prose('These options are accepted by every command:'),
    ...globals.flatMap(optionItem),
    '.SH COMMANDS',
    ...leaves.flatMap(commandSection),
    '.SH SHELL COMPLETION',
    prose(
      'aigw completion prints a script for bash, zsh or fish on standard output; it never edits your files. ' +
        'It completes commands, flags, flag values and, while the daemon runs, resource ids with their names. Install it once:',
    ),
    ...SHELLS.flatMap((shell) => ['.TP', `\\fB${shell}\\fR`, '.nf', ...installLines(shell).map(esc), '.fi']),
    '.PP',
    prose('Open a new shell afterwards.'),
    '.SH EXIT STATUS',
    prose('Also printed by aigw help exit-codes.'),
    ...table(EXIT_CODES.map((e) => ({ key: String(e.code), meaning: e.meaning })), 'B'),
    '.SH ENVIRONMENT',
    prose('Also printed by aigw help environment.'),
    ...table(ENVIRONMENT.map((e) => ({ key: e.name, meaning: e.meaning })), 'B'),
    '.SH FILES',
    prose('With AIGW_HOME set, the same files live under $AIGW_HOME/data, config, state and run.'),
    ...table(FILES.map((f) => ({ key: f.path, meaning: f.meaning })), 'I'),
    '.SH EXAMPLES',
    ...EXAMPLES.flatMap((e) => ['.PP', prose(e.text), '.PP', '.RS', '.nf', esc(e.command), '.fi', '.RE']),
    '.SH SEE ALSO',
    prose('aigw doctor checks an installation and says how to fix what it finds. The README of the aigw package has a quick start.'),
  ];
  return lines.join('\n') + '\n';
}
