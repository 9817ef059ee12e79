import type { Argument, Option } from '../commander.js';
import { RESOURCES, type ResourceEntry, type ResourceName } from '../../core/api/registry.js';

/**
 * What the shell completes for an argument or a flag's value, and where the ids come from.
 *
 * The convention, for every command module: an argument or option that takes a resource id says so in
 * one of three ways, checked in this order —
 *   1. explicitly: `completes(argument, 'access-keys')` (or on an Option);
 *   2. by naming the id prefix in its description, as in `'provider key id (aigpk_…)'`;
 *   3. by its flag name, for flags ngrok's CLI already names (`--provider-id`, `--ai-gateway-api-key-id`).
 * Enumerated values use commander's own `.choices([...])`; a `<path>` or `<file>` value completes files.
 * Nothing else is needed: the completion scripts and the man page are generated from the command tree.
 *
 * The resources themselves are the registry's (core/api/registry.ts). This module is loaded at TAB time, so
 * it imports nothing but types and that plain data.
 */
export { isResourceName, RESOURCES, type ResourceName } from '../../core/api/registry.js';
/** What completion reads of a registry entry. */
export type ResourceDef = Pick<ResourceEntry, 'prefix' | 'path' | 'describe' | 'value' | 'builtins'>;

/** Flags whose name alone says what they take (ngrok's flag names). */
const BY_FLAG: Record<string, ResourceName> = {
  '--provider-id': 'providers',
  '--allow-provider': 'providers',
  '--route-provider': 'providers',
  '--ai-gateway-api-key-id': 'access-keys',
  '--access-key-id': 'access-keys',
  '--provider-key-id': 'provider-keys',
  '--config-id': 'configs',
  '--access-key-configuration-id': 'configs',
};

const explicit = new WeakMap<Argument | Option, ResourceName>();

/** Declares which resource's ids an argument or a flag takes, for shell completion. */
export function completes<T extends Argument | Option>(target: T, resource: ResourceName): T {
  explicit.set(target, resource);
  return target;
}

function byPrefix(description: string): ResourceName | undefined {
  for (const match of description.matchAll(/\b(aig[a-z]*_)/g)) {
    const found = (Object.keys(RESOURCES) as ResourceName[]).find((name) => RESOURCES[name].prefix === match[1]);
    if (found) return found;
  }
  return undefined;
}

/** The resource an argument or option takes, by the convention above; undefined when it takes none. */
export function resourceOf(target: Argument | Option): ResourceName | undefined {
  const declared = explicit.get(target);
  if (declared) return declared;
  const long = 'long' in target ? target.long : undefined;
  return byPrefix(target.description ?? '') ?? (long ? BY_FLAG[long] : undefined);
}

const suggested = new WeakMap<Argument | Option, () => readonly string[]>();

/**
 * Words the shell offers for an argument that commander does not restrict (as `.choices()` would);
 * a function is read when the scripts are generated, after every command is registered.
 */
export function suggests<T extends Argument | Option>(target: T, values: readonly string[] | (() => readonly string[])): T {
  suggested.set(target, typeof values === 'function' ? values : () => values);
  return target;
}

export function suggestionsOf(target: Argument | Option): readonly string[] | undefined {
  return suggested.get(target)?.();
}
