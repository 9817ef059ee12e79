import { basename } from 'node:path';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkLabels } from '../../core/provider-keys.js';
import { handler, type FlagOptions, type Program } from '../command.js';
import { Option, type Command, type OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { usageError } from '../errors.js';
import { gatewaySettings, gatewayUrlOf } from '../gateway-env.js';
import { itemPath } from '../resource.js';

export const ENV_SHELLS = ['bash', 'zsh', 'fish', 'dotenv', 'json'] as const;
export type EnvShell = (typeof ENV_SHELLS)[number];

const singleQuoted = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;
const fishQuoted = (value: string) => `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
// Docker's --env-file takes a value literally, quotes and all, so a value that needs no quotes gets none.
const DOTENV_BARE = /^[A-Za-z0-9_.:/@%+,=-]*$/;

function dotenvValue(value: string): string {
  if (DOTENV_BARE.test(value)) return value;
  if (!/['\n\r]/.test(value)) return `'${value}'`;
  throw new AigwError(ERRORS.internal, 'a value cannot be written as one dotenv line');
}

/** The settings as the shell (or file format) reads them back exactly. */
export function formatSettings(shell: EnvShell, settings: readonly [string, string][]): string {
  switch (shell) {
    case 'json':
      return JSON.stringify(Object.fromEntries(settings), null, 2);
    case 'fish':
      // `;` after each, so `eval (aigw env --shell fish)`, which joins the lines with spaces, works too.
      return settings.map(([name, value]) => `set -gx ${name} ${fishQuoted(value)};`).join('\n');
    case 'dotenv':
      return settings.map(([name, value]) => `${name}=${dotenvValue(value)}`).join('\n');
    default:
      return settings.map(([name, value]) => `export ${name}=${singleQuoted(value)}`).join('\n');
  }
}

function defaultShell(env: NodeJS.ProcessEnv): EnvShell {
  const shell = basename(env.SHELL ?? '');
  return shell === 'fish' || shell === 'zsh' ? shell : 'bash';
}

function envFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .addOption(new Option('--shell <shell>', 'the syntax: bash, zsh, fish, dotenv or json (default: from $SHELL)').choices(ENV_SHELLS))
    .option('--new', 'create a long-lived access key and print its token, once')
    .option('--name <name>', 'with --new: the new key\'s name (default "aigw env")')
    .option('--config <id>', 'with --new: limit the key to what this access key configuration (aigac_…) allows')
    .option('--access-key-id <id>', 'print the settings for this key (aigk_…): the base URLs, and how to set its token');
}

async function env({ io, api, env: environment }: Factory, options: FlagOptions<typeof envFlags<[], {}, {}>>): Promise<void> {
  if (options.new && options.accessKeyId) throw usageError('use either --new or --access-key-id, not both');
  if (!options.new && (options.name || options.config)) throw usageError('--name and --config go with --new');
  checkLabels({ name: options.name });
  const shell = options.shell ?? (io.format === 'json' ? 'json' : defaultShell(environment));
  const client = api();
  const gatewayUrl = await gatewayUrlOf(client);
  if (options.new) {
    const key = await client.request<{ id: string; token: string }>('POST', '/access-keys', {
      name: options.name ?? 'aigw env',
      accessKeyConfigurationId: options.config,
    });
    io.out(formatSettings(shell, gatewaySettings(gatewayUrl, key.token)));
    io.note(`Created access key ${key.id}. Save this output now: its token cannot be shown again (aigw keeps only its hash).`);
    return;
  }
  if (options.accessKeyId) await client.request('GET', itemPath('/access-keys', options.accessKeyId));
  io.out(formatSettings(shell, gatewaySettings(gatewayUrl, undefined)));
  const which = options.accessKeyId ? `the token of ${options.accessKeyId}` : 'a token';
  io.note(
    `aigw cannot print ${which}: it is shown once, when a key is created, and only its hash is kept. ` +
      'Set OPENAI_API_KEY, ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN to the token you saved, ' +
      'or run `aigw env --new` to create a key and print its token once.',
  );
}

export function registerEnv(program: Program): void {
  envFlags(program.command('env').description("print the environment variables that point apps and agents at the gateway, for eval or a .env file"))
    .addHelpText(
      'after',
      '\nExamples:\n  eval "$(aigw env --new)"\n  aigw env --new --shell fish | source\n  aigw env --new --shell dotenv >> .env',
    )
    .action(handler(env));
}
