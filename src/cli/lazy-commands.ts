import type { AnyCommand } from './commander.js';

/**
 * A command group's subcommands are declared with a builder and built only when needed: making commander
 * objects for the whole tree was ~2 ms of every start-up, and a run needs one group's (for `aigw --help`,
 * none). They are built when commander dispatches to the group (main.ts), or by anything that walks the
 * tree (help, completion, generated docs) through buildSubcommands().
 */
const builders = new WeakMap<AnyCommand, () => void>();

export function lazySubcommands(group: AnyCommand, build: () => void): void {
  builders.set(group, build);
}

/** Builds a command's subcommands if they are still to be built; returns the command. */
export function buildSubcommands<C extends AnyCommand>(command: C): C {
  const build = builders.get(command);
  if (build) {
    builders.delete(command);
    build();
  }
  return command;
}
