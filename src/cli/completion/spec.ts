import type { AnyCommand, Argument, Option } from '../commander.js';
import { buildSubcommands } from '../lazy-commands.js';
import { resourceOf, suggestionsOf, type ResourceName } from './resources.js';

/**
 * A plain description of the command tree, walked generically from commander's `program.commands`, so that
 * every command added anywhere shows up in the completion scripts and the man page without a list to keep.
 */
export type ValueSpec =
  | { kind: 'none' }
  | { kind: 'free' }
  | { kind: 'words'; words: readonly string[] }
  | { kind: 'resource'; resource: ResourceName }
  | { kind: 'file' };

export interface OptionSpec {
  flags: string;
  short?: string;
  long?: string;
  description: string;
  value: ValueSpec;
  /** Defined on the root command and accepted after any subcommand. */
  global: boolean;
}

export interface ArgSpec {
  name: string;
  description: string;
  required: boolean;
  variadic: boolean;
  value: ValueSpec;
}

export interface CommandSpec {
  name: string;
  aliases: string[];
  /** Canonical names from the root, [] for the root itself. */
  path: string[];
  description: string;
  usage: string;
  /** This command's own options, then --help. */
  options: OptionSpec[];
  args: ArgSpec[];
  subcommands: CommandSpec[];
}

const FILE_VALUE = /^(path|file|dir|directory)$/i;
const HELP: OptionSpec = { flags: '-h, --help', short: '-h', long: '--help', description: 'show help', value: { kind: 'none' }, global: false };

/** Paging flags take an id of the resource their command group lists, as its `<id>` arguments say. */
const PAGING_FLAGS = new Set(['--before-id']);

function groupResource(command: AnyCommand): ResourceName | undefined {
  const siblings = command.parent?.commands ?? [];
  for (const sibling of siblings) {
    for (const argument of sibling.registeredArguments) {
      const resource = resourceOf(argument);
      if (resource) return resource;
    }
  }
  return undefined;
}

function valueOf(target: Argument | Option, valueName: string | undefined, command: AnyCommand): ValueSpec {
  if (target.argChoices?.length) return { kind: 'words', words: target.argChoices };
  const words = suggestionsOf(target);
  if (words) return { kind: 'words', words };
  const long = 'long' in target ? target.long : undefined;
  const resource = resourceOf(target) ?? (long && PAGING_FLAGS.has(long) ? groupResource(command) : undefined);
  if (resource) return { kind: 'resource', resource };
  if (valueName && FILE_VALUE.test(valueName)) return { kind: 'file' };
  return { kind: 'free' };
}

function optionSpec(option: Option, global: boolean, command: AnyCommand): OptionSpec {
  const takesValue = option.required || option.optional;
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  return {
    flags: option.flags,
    ...(option.short ? { short: option.short } : {}),
    ...(option.long ? { long: option.long } : {}),
    description: option.description ?? '',
    value: takesValue ? valueOf(option, valueName, command) : { kind: 'none' },
    global,
  };
}

function argSpec(argument: Argument, command: AnyCommand): ArgSpec {
  const name = argument.name();
  return {
    name,
    description: argument.description ?? '',
    required: argument.required,
    variadic: argument.variadic,
    value: valueOf(argument, name, command),
  };
}

const isHidden = (command: AnyCommand) => Boolean((command as unknown as { _hidden?: boolean })._hidden);

function commandSpec(command: AnyCommand, path: string[], isRoot: boolean): CommandSpec {
  buildSubcommands(command);
  return {
    name: command.name(),
    aliases: command.aliases(),
    path,
    description: command.description(),
    usage: command.usage(),
    options: [...command.options.filter((o) => !o.hidden).map((o) => optionSpec(o, isRoot, command)), HELP],
    args: command.registeredArguments.map((a) => argSpec(a, command)),
    subcommands: command.commands
      .filter((c) => !isHidden(c))
      .map((c) => commandSpec(c, [...path, c.name()], false)),
  };
}

export function specOf(program: AnyCommand): CommandSpec {
  return commandSpec(program, [], true);
}

/** Every command, depth first, the root first. */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** The options a command accepts: its own and the root's global ones (except --version, root only). */
export function acceptedOptions(root: CommandSpec, command: CommandSpec): OptionSpec[] {
  if (command === root) return command.options;
  const globals = root.options.filter((o) => o.global && o.long !== '--version');
  return [...command.options, ...globals];
}

export function optionNames(option: OptionSpec): string[] {
  return [option.short, option.long].filter((n): n is string => Boolean(n));
}
