import type { ControlTokenCreated, ControlTokenList } from '../../core/api/control-tokens.js';
import { RESOURCES } from '../../core/api/registry.js';
import { handler, type Group } from '../command.js';
import type { Factory } from '../factory.js';
import type { View } from '../io.js';
import { confirmDelete, deleteCommand, itemPath, tableColumns, type DeleteOptions } from '../resource.js';

const RESOURCE = RESOURCES['control-tokens'];
const PATH = RESOURCE.path;

/** A named bearer token of the management API over TCP; `token` only in the create answer. */
type ControlToken = ControlTokenList['controlTokens'][number] & { token?: string };

const columns = tableColumns<ControlToken, typeof RESOURCE>(RESOURCE, {
  id: (t) => t.id,
  name: (t) => t.name,
  createdAt: (t, io) => io.time(t.createdAt),
});
const view: View<ControlToken> = { id: (t) => t.id, columns, details: columns };
/** Create shows the token, once; with -q it prints only the token. */
const createdView: View<ControlToken> = {
  id: (t) => t.token ?? t.id,
  columns,
  details: [...columns, { header: 'Token', field: 'token', value: (t) => t.token ?? '' }],
};

async function create({ io, api }: Factory, _options: unknown, name: string): Promise<void> {
  const token = await api().request<ControlTokenCreated>('POST', PATH, { name });
  io.success(`Created control token ${token.id} (${token.name})`);
  await io.printItem(token, createdView);
  if (io.format !== 'quiet' && io.format !== 'json') {
    io.note(io.yellow('Save the token now: it cannot be shown again (aigw keeps only its hash). Give it to its user as a file, not on a command line.'));
  }
}

async function list({ io, api }: Factory): Promise<void> {
  const document = await api().request<ControlTokenList>('GET', PATH);
  await io.printList(document, document.controlTokens, view);
}

async function remove({ io, api: connectApi }: Factory, options: DeleteOptions, id: string): Promise<void> {
  const api = connectApi();
  await confirmDelete(io, options, id, async () => {
    const token = (await api.request<ControlTokenList>('GET', PATH)).controlTokens.find((t) => t.id === id);
    return `Delete control token ${id}${token ? ` (${token.name})` : ''}? Whoever holds it is refused from then on.`;
  });
  await api.request('DELETE', itemPath(PATH, id));
  io.success(`Deleted control token ${id}`);
}

/** `aigw daemon tokens create|list|delete`: the named bearer tokens of the management API over TCP. */
export function registerDaemonTokens(daemon: Group): void {
  const tokens = daemon
    .command('tokens')
    .description('named bearer tokens for the management API over TCP (--control-listen), one per person or machine');
  tokens
    .command('create')
    .description("create a named token; it is shown once (only on the daemon's machine, over its socket)")
    .argument('<name>', 'who or what it is for, such as alice@laptop (1-64 letters, digits, . _ @ -)')
    .addHelpText('after', '\nWith -q it prints only the token.\n\nExample:\n  aigw daemon tokens create alice@laptop -q > alice.token')
    .action(handler(create));
  tokens.command('list').alias('ls').description('list the named tokens (never their values)').action(handler(list));
  deleteCommand(tokens, "delete a named token: it is refused at once (only on the daemon's machine, over its socket)", RESOURCE).action(
    handler(remove),
  );
}
