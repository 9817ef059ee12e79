import { resolvePaths } from '../../core/paths.js';
import { getJson } from '../socket.js';
import { isResourceName, RESOURCES, type ResourceDef, type ResourceName } from './resources.js';

/**
 * `aigw __complete <resource>`: what the shell completion scripts run at TAB time to get ids. Prints
 * `value<TAB>description` lines on stdout. It asks the running daemon over the control socket (or the one
 * at AIGW_CONTROL_URL) with a short timeout and never starts it; on any failure it prints nothing (no error on the terminal) and exits 0.
 * bin/aigw loads this module directly, before the command tree, so it stays cheap: no commander, no got,
 * nothing it does not need for the one resource asked for.
 */
const REQUEST_TIMEOUT_MS = 300;
/** Whatever happens, the shell gets its prompt back within this. */
const HARD_DEADLINE_MS = 700;
const MAX_DESCRIPTION = 60;

type Item = Record<string, unknown>;

/**
 * The items of a list answer, whatever its array properties are called (`aiGatewayProviderKeys`, or
 * `aiGatewayProviders` and `builtinProviders`), with the value to offer for each: the resource's value
 * field, and for a resource with an id prefix only ids that carry it.
 */
export function valuesOf(def: ResourceDef, document: unknown): { value: string; item: Item }[] {
  if (!document || typeof document !== 'object') return [];
  const items = Object.values(document as Record<string, unknown>)
    .filter(Array.isArray)
    .flat()
    .filter((item): item is Item => Boolean(item) && typeof item === 'object');
  const field = def.value ?? 'id';
  return items
    .map((item) => ({ value: item[field], item }))
    .filter((v): v is { value: string; item: Item } => typeof v.value === 'string' && v.value.startsWith(def.prefix));
}

function clean(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_DESCRIPTION ? flat.slice(0, MAX_DESCRIPTION - 1) + '…' : flat;
}

function line(value: string, description: string): string {
  return description ? `${clean(value)}\t${clean(description)}` : clean(value);
}

async function fromDaemon(resource: ResourceName, env: NodeJS.ProcessEnv): Promise<unknown> {
  try {
    const paths = resolvePaths(env);
    const path = `${RESOURCES[resource].path}?limit=100`;
    if (env.AIGW_CONTROL_URL) {
      const { remoteControl, remoteGetJson } = await import('../remote.js');
      return await remoteGetJson(remoteControl(env.AIGW_CONTROL_URL, paths, env), path, REQUEST_TIMEOUT_MS);
    }
    return await getJson(paths.socketFile, path, REQUEST_TIMEOUT_MS);
  } catch {
    return undefined;
  }
}

export async function completionLines(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const [resource] = args;
  if (!resource || !isResourceName(resource)) return [];
  const def: ResourceDef = RESOURCES[resource];
  const lines: string[] = [];
  const seen = new Set<string>();
  if (def.builtins) {
    const { BUILTIN_PROVIDERS } = await import('../../core/providers.js');
    for (const p of BUILTIN_PROVIDERS) {
      seen.add(p.id);
      lines.push(line(p.id, p.name));
    }
  }
  for (const { value, item } of valuesOf(def, await fromDaemon(resource, env))) {
    if (seen.has(value)) continue;
    seen.add(value);
    const description = def.describe
      .map((field) => item[field])
      .filter((v): v is string => typeof v === 'string' && v !== '')
      .join(', ');
    lines.push(line(value, description));
  }
  return lines;
}

export async function main(argv: readonly string[] = process.argv): Promise<void> {
  setTimeout(() => process.exit(0), HARD_DEADLINE_MS).unref();
  const args = argv.slice(argv.indexOf('__complete') + 1);
  let lines: string[] = [];
  try {
    lines = await completionLines(args);
  } catch {
    lines = [];
  }
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
}
