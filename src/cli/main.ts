import { AigwError, ERRORS, type ErrorDef } from '../core/errors.js';
import { VERSION } from '../core/version.js';
import { registerAccessKeys } from './commands/access-keys.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfigs } from './commands/configs.js';
import { registerDaemon } from './commands/daemon.js';
import { registerDoctor } from './commands/doctor.js';
import { registerGateway } from './commands/gateway.js';
import { registerHelp } from './commands/help.js';
import { registerImport } from './commands/import.js';
import { registerProviderKeys } from './commands/provider-keys.js';
import { registerPrices } from './commands/prices.js';
import { registerSecrets } from './commands/secrets.js';
import { registerProviders } from './commands/providers.js';
import { checkRunSeparator, registerRun } from './commands/run.js';
import { registerEnv } from './commands/env.js';
import { registerUsage } from './commands/usage.js';
import { globalFlags, type Program } from './command.js';
import { Command, CommanderError } from './commander.js';
import { exitCodeOf } from './errors.js';
import { buildSubcommands } from './lazy-commands.js';
import { bindContext, PROCESS_CONTEXT, type Context } from './factory.js';
import { IO } from './io.js';

/** The command tree, over `context`: the process in production, fakes in the in-process tests. */
export function buildProgram(context: Context = PROCESS_CONTEXT): Program {
  const { stdout, stderr } = context.streams;
  const program = globalFlags(
    new Command('aigw')
      .description('Keep your AI provider keys in one safe place and use them through a fast local AI gateway.')
      .version(VERSION, '-v, --version', 'print the version'),
  )
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    // Commander's parse errors are reported by report(), as one coded line like every other error.
    .configureOutput({
      outputError: () => undefined,
      writeOut: (text) => void stdout.write(text),
      writeErr: (text) => void stderr.write(text),
      // As commander's own defaults, on the context's streams.
      getOutHelpWidth: () => (stdout.isTTY ? stdout.columns : undefined) as number,
      getErrHelpWidth: () => (stderr.isTTY ? (stderr as { columns?: number }).columns : undefined) as number,
    });
  bindContext(program, context);
  registerProviderKeys(program);
  registerAccessKeys(program);
  registerConfigs(program);
  registerProviders(program);
  registerGateway(program);
  registerUsage(program);
  registerRun(program);
  registerEnv(program);
  registerPrices(program);
  registerImport(program);
  registerSecrets(program);
  registerDaemon(program);
  registerDoctor(program);
  registerCompletion(program);
  registerHelp(program);
  for (const command of program.commands) command.exitOverride();
  // A group's subcommands are built only when commander is about to run it (see lazy-commands.ts).
  program.hook('preSubcommand', (_program, group) => void buildSubcommands(group));
  // Read where the remote daemon's token is read (src/cli/remote.ts), as the variable of the same meaning.
  program.hook('preAction', (command) => {
    const { tokenFile } = command.optsWithGlobals();
    if (tokenFile) context.env.AIGW_CONTROL_TOKEN_FILE = tokenFile;
  });
  return program;
}

const COMMANDER_ERRORS: Record<string, ErrorDef> = {
  'commander.unknownCommand': ERRORS.unknownCommand,
  'commander.unknownOption': ERRORS.unknownOption,
  'commander.missingArgument': ERRORS.missingArgument,
  'commander.optionMissingArgument': ERRORS.missingArgument,
  'commander.missingMandatoryOptionValue': ERRORS.missingArgument,
  'commander.invalidArgument': ERRORS.invalidArgument,
  'commander.excessArguments': ERRORS.excessArguments,
};

/** Commander's message ("error: unknown command 'lsit'\n(Did you mean list?)") as one coded line. */
export function usageErrorOf(err: CommanderError): AigwError {
  const text = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').replace('(Did you mean', '(did you mean').replace(/\.$/, '');
  return new AigwError(COMMANDER_ERRORS[err.code] ?? ERRORS.usage, `${text}; add --help for usage`);
}

/** Errors become one line on stderr and an exit status from the table; never a stack trace. */
function report(err: unknown, argv: readonly string[], context: Context): number {
  if (err instanceof CommanderError && err.exitCode === 0) return 0;
  const io = new IO({ color: !argv.includes('--no-color') }, context.env, context.streams);
  if (err instanceof CommanderError) err = usageErrorOf(err);
  if (err instanceof AigwError) {
    io.error(err);
    return exitCodeOf(err);
  }
  io.error(new AigwError(ERRORS.internal, (err as Error)?.message ?? String(err)));
  if (context.env.AIGW_DEBUG) io.note(String((err as Error)?.stack));
  return 1;
}

/**
 * Runs one command line (argv as process.argv: node, script, words…) over `context` and returns its exit
 * status; errors are reported on the context's stderr. main() runs it over the process; the in-process
 * tests over fake streams and a fake API.
 */
export async function runCli(argv: readonly string[], context: Context = PROCESS_CONTEXT): Promise<number> {
  try {
    checkRunSeparator(argv.slice(2));
    await buildProgram(context).parseAsync(argv as string[]);
    return 0;
  } catch (err) {
    return report(err, argv, context);
  }
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  // Output piped into `head` and cut short is not an error of aigw's: stop quietly, as cat does.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
  const status = await runCli(argv);
  // Commands that finish with a status of their own (run, daemon run, provider-keys test) have set it.
  if (status !== 0) process.exitCode = status;
}
