import { InvalidArgumentError, Option, type AnyCommand, type Command, type OptionValues } from './commander.js';
import { contextOf, createFactory, type Factory } from './factory.js';
import { FORMATS, type OutputOptions } from './io.js';

/** `{ a } & { b }` as one object type, as commander's optsWithGlobals() returns it. */
type Merged<T> = T extends infer O ? { [K in keyof O]: O[K] } : never;

/** What a command's handler receives as its options: its own flags and its parents' (the global ones). */
export type OptionsOf<C> = C extends Command<infer _A, infer O, infer G> ? Merged<O & G> : never;

/**
 * The options a flag helper adds, as a handler receives them: `FlagOptions<typeof labelFlags<[], {}, {}>>`
 * (a helper generic over the command it extends, taken on a bare one). Code that reads a subset of a verb's
 * options takes such a type, so what it reads is what the flags define.
 */
export type FlagOptions<F extends (...args: never[]) => AnyCommand> = OptionsOf<ReturnType<F>>;

/** The root command's flags, accepted after any subcommand: the output format, and the remote daemon's token. */
export function globalFlags(program: Command) {
  return program
    .addOption(new Option('-o, --output <format>', 'table (default on a terminal), plain (default otherwise) or json').choices(FORMATS))
    .option('--json', 'same as --output json')
    .option('-q, --quiet', 'print only ids (access-keys create: only the token)')
    .option('--no-color', 'no colours (also NO_COLOR=1 or CI=true)')
    .option('--token-file <path>', 'the bearer token file for AIGW_CONTROL_URL (or AIGW_CONTROL_TOKEN_FILE)');
}

/** What every handler receives besides its own flags. */
export type GlobalOptions = FlagOptions<typeof globalFlags>;
/** The root command, which the commands register their groups on. */
export type Program = ReturnType<typeof globalFlags>;
/** A command group such as `access-keys`, which its verbs are subcommands of. */
export type Group = Command<[], {}, GlobalOptions>;

/**
 * Refuses a handler that declares an option no flag of its command defines, which, being optional, would
 * otherwise be accepted; that what it declares takes the flags' types is checked by `run`'s own type.
 */
type DeclaresOnly<Run, Flags> = Run extends (factory: Factory, options: infer Declared, ...args: never[]) => unknown
  ? [Exclude<keyof Declared, keyof Flags>] extends [never]
    ? unknown
    : { optionsNoFlagDefines: Exclude<keyof Declared, keyof Flags> }
  : unknown;

/**
 * Wraps a command's handler for `.action()`: builds the Factory (its IO from the global output flags) over
 * the program's context and hands over the options and arguments. Their types come from the command's
 * `.option()` and `.argument()` calls, so a handler reading an option no flag defines, or taking a value as
 * the wrong type, does not compile. Errors are not caught here; main maps them to exit codes in one place.
 */
export function handler<
  A extends unknown[],
  O extends OptionValues,
  G extends OptionValues & OutputOptions,
  Run extends (factory: Factory, options: Merged<O & G>, ...args: A) => Promise<void>,
>(run: Run & DeclaresOnly<Run, O & G>): (...params: [...A, O, Command<A, O, G>]) => Promise<void> {
  return async (...params) => {
    const command = params[params.length - 1] as Command<A, O, G>;
    const options = command.optsWithGlobals() as Merged<O & G>;
    const args = params.slice(0, -2) as A;
    await run(createFactory(contextOf(command), options), options, ...args);
  };
}

/** Parses a whole number flag such as --limit, for commander's argParser. */
export function integerFlag(name: string) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    return Number(raw);
  };
}

/** For a repeatable flag such as --model: commander calls it once per occurrence. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
