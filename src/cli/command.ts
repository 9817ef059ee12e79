import { InvalidArgumentError, type Command } from 'commander';
import { contextOf, createFactory, type Factory } from './factory.js';
import type { OutputOptions } from './io.js';

/**
 * Wraps a command's handler: builds the Factory (its IO from the global output flags) over the program's
 * context and hands over the arguments and options. Errors are not caught here; main maps them to exit
 * codes in one place.
 */
export function handler<A extends unknown[], O>(run: (factory: Factory, options: O, ...args: A) => Promise<void>) {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const options = command.optsWithGlobals() as O & OutputOptions;
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
