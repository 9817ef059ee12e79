import * as commander from 'commander';
import type * as typed from '@commander-js/extra-typings';
import type { OptionValues } from '@commander-js/extra-typings';

/**
 * commander's classes, typed as @commander-js/extra-typings declares them: each `.option()` and
 * `.argument()` adds its value's type to the command's, so a handler's options and arguments come from the
 * flags that define them (command.ts). The package is types over the same classes; its own module is not
 * loaded, since it builds a program of its own at import.
 */
export const Command = commander.Command as unknown as typeof typed.Command;
export const Option = commander.Option as unknown as typeof typed.Option;
export const Argument = commander.Argument as unknown as typeof typed.Argument;
export const { CommanderError, InvalidArgumentError } = commander;

export type Command<Args extends unknown[] = [], Opts extends OptionValues = {}, GlobalOpts extends OptionValues = {}> = typed.Command<Args, Opts, GlobalOpts>;
export type Option = typed.Option;
export type Argument = typed.Argument;
export type CommanderError = commander.CommanderError;
/** Any command, whatever its flags and arguments: what code walking the tree takes. */
export type AnyCommand = typed.CommandUnknownOpts;
export type { OptionValues };
