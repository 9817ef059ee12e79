import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, globalFlags, handler, integerFlag, type FlagOptions, type OptionsOf } from '../../src/cli/command.js';
import { Command } from '../../src/cli/commander.js';
import type { Factory } from '../../src/cli/factory.js';
import { limitFlags, limitRemovalFlags, type LimitOptions } from '../../src/cli/limits.js';
import { deleteCommand, labelFlags, pageFlags } from '../../src/cli/resource.js';

/**
 * A handler's options and arguments take their types from the command's flags (src/cli/command.ts). The
 * `@ts-expect-error` lines below are checked by `npm run typecheck`: each must be an error, so were the
 * types no longer derived from the flags (options typed by hand, or `any`), the typecheck would fail on
 * the directive that no longer has an error to expect.
 */

/** true only when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

function verb() {
  const program = globalFlags(new Command('aigw').exitOverride());
  const group = program.command('things');
  const command = limitRemovalFlags(limitFlags(pageFlags(labelFlags(group.command('update'), 'thing')), 'thing'))
    .option('--model <id>', 'repeatable', collect, [])
    .option('--retries <n>', 'a number', integerFlag('--retries'), 3)
    .option('--force', 'a switch')
    .argument('<id>', 'the id');
  return { program, group, command };
}

type UpdateOptions = OptionsOf<ReturnType<typeof verb>['command']>;

// Checked by the typecheck only: never run.
export function typeChecks({ command, group }: ReturnType<typeof verb>): void {
  command.action(
    handler(async (_factory, options, id) => {
      const types: [
        Same<typeof options.name, string | undefined>,
        Same<typeof options.limit, number | undefined>,
        Same<typeof options.all, true | undefined>,
        Same<typeof options.model, string[]>,
        Same<typeof options.retries, number>,
        Same<typeof options.budget, string | false | undefined>,
        Same<typeof options.rateLimits, boolean>,
        Same<typeof options.quiet, true | undefined>,
        Same<typeof id, string>,
      ] = [true, true, true, true, true, true, true, true, true];
      void types;
      // @ts-expect-error no flag defines --nope
      void options.nope;
      // @ts-expect-error --limit is a number (integerFlag), not a string
      const limit: string | undefined = options.limit;
      // @ts-expect-error --force is a switch, not a string
      const force: string | undefined = options.force;
      // @ts-expect-error --model is repeatable: a list, not one string
      const model: string = options.model;
      // @ts-expect-error --no-budget makes budget false, not only a string
      const budget: string | undefined = options.budget;
      void [limit, force, model, budget];
    }),
  );

  // A handler that names its options' types is checked against the flags too.
  async function declaresAnUnknownOption(_factory: Factory, _options: { name?: string; nope?: string }): Promise<void> {}
  // @ts-expect-error it declares --nope, which no flag defines
  command.action(handler(declaresAnUnknownOption));
  async function declaresAWrongType(_factory: Factory, _options: { limit?: string }): Promise<void> {}
  // @ts-expect-error it takes --limit as a string
  command.action(handler(declaresAWrongType));
  async function declaresAWrongArgument(_factory: Factory, _options: unknown, _id: number): Promise<void> {}
  // @ts-expect-error <id> is a string
  command.action(handler(declaresAWrongArgument));
  async function declaresAMissingArgument(_factory: Factory, _options: unknown, _id: string, _more: string): Promise<void> {}
  // @ts-expect-error the command has one argument
  command.action(handler(declaresAMissingArgument));
  async function declaresWhatTheFlagsGive(_factory: Factory, _options: UpdateOptions & { force?: true }, _id: string): Promise<void> {}
  command.action(handler(declaresWhatTheFlagsGive));

  // The types shared code reads are the flags' own.
  // @ts-expect-error the limit flags define no --rps
  void ({} as LimitOptions).rps;
  // @ts-expect-error --yes is a switch
  const yes: string | undefined = ({} as FlagOptions<typeof deleteCommand>).yes;
  void [yes, group];
}

test("a handler gets the values its command's flags and arguments parse to, of the types they are declared with", async () => {
  const { program, command } = verb();
  let seen: { options: UpdateOptions; id: string } | undefined;
  command.action(handler(async (_factory, options, id) => void (seen = { options, id })));
  await program.parseAsync(['things', 'update', 'thing_1', '--limit', '5', '--model', 'a', '--model', 'b', '--no-budget', '-q'], { from: 'user' });
  assert.equal(seen?.id, 'thing_1');
  assert.equal(seen.options.limit, 5);
  assert.deepEqual(seen.options.model, ['a', 'b']);
  assert.equal(seen.options.retries, 3);
  assert.equal(seen.options.budget, false);
  assert.equal(seen.options.rateLimits, true);
  assert.equal(seen.options.quiet, true);
  assert.equal(seen.options.force, undefined);
});
