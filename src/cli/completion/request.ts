import { resolvePaths } from '../../core/paths.js';
import { getJson } from '../socket.js';
import { isResourceName, RESOURCES, type ResourceName } from './resources.js';

/**
 * `aigw __complete <resource>`: what the shell completion scripts run at TAB time to get ids. Prints
 * `value<TAB>description` lines on stdout. It asks the running daemon over the control socket with a short
 * timeout and never starts it; on any failure it prints nothing (no error on the terminal) and exits 0.
 * bin/aigw loads this module directly, before the command tree, so it stays cheap: no commander, no got,
 * nothing it does not need for the one resource asked for.
 */
const REQUEST_TIMEOUT_MS = 300;
/** Whatever happens, the shell gets its prompt back within this. */
const HARD_DEADLINE_MS = 700;
const MAX_DESCRIPTION = 60;

type Item = Record<string, unknown>;

/** A list answer's items: its one array property (`aiGatewayProviderKeys`, …), whatever its name. */
function itemsOf(document: unknown): Item[] {
  if (!document || typeof document !== 'object') return [];
  const list = Object.values(document as Record<string, unknown>).find(Array.isArray) as unknown[] | undefined;
  return (list ?? []).filter((item): item is Item => Boolean(item) && typeof item === 'object' && typeof (item as Item).id === 'string');
}

function clean(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_DESCRIPTION ? flat.slice(0, MAX_DESCRIPTION - 1) + '…' : flat;
}

function line(value: string, description: string): string {
  return description ? `${clean(value)}\t${clean(description)}` : clean(value);
}

async function fromDaemon(resource: ResourceName, env: NodeJS.ProcessEnv): Promise<Item[]> {
  try {
    const { socketFile } = resolvePaths(env);
    return itemsOf(await getJson(socketFile, `${RESOURCES[resource].path}?limit=100`, REQUEST_TIMEOUT_MS));
  } catch {
    return [];
  }
}

export async function completionLines(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const [resource] = args;
  if (!resource || !isResourceName(resource)) return [];
  const def = RESOURCES[resource];
  const lines: string[] = [];
  const seen = new Set<string>();
  if ('builtins' in def) {
    const { BUILTIN_PROVIDERS } = await import('../../core/providers.js');
    for (const p of BUILTIN_PROVIDERS) {
      seen.add(p.id);
      lines.push(line(p.id, p.name));
    }
  }
  for (const item of await fromDaemon(resource, env)) {
    const id = item.id as string;
    if (seen.has(id)) continue;
    seen.add(id);
    const description = def.describe
      .map((field) => item[field])
      .filter((v): v is string => typeof v === 'string' && v !== '')
      .join(', ');
    lines.push(line(id, description));
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
