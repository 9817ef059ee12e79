import { AigwError, ERRORS } from '../../core/errors.js';
import { builtinProviderForModel, type ApiFormat } from '../../core/providers.js';
import type { AccessRules, GatewayAccessKey, GatewayProvider, GatewayProviderKey, RouterRule, RouterStep, RoutingSnapshot } from './snapshot.js';

/** One model on one provider, as a request asked for it. */
export interface Target {
  provider: GatewayProvider;
  /** The model name sent upstream. */
  model: string;
  /** `provider:model`, the gateway's canonical name for it. */
  label: string;
}

function target(provider: GatewayProvider, model: string): Target {
  return { provider, model, label: `${provider.id}:${model}` };
}

function providerByRef(snapshot: RoutingSnapshot, ref: string): GatewayProvider | undefined {
  const direct = snapshot.providers.get(ref);
  if (direct) return direct;
  for (const p of snapshot.providers.values()) if (p.resourceId === ref) return p;
  return undefined;
}

/**
 * `provider:model`, `provider/model` (when the first segment names a provider), or a bare model name found in
 * a custom provider's model list or the built-in catalog.
 */
export function resolveModel(snapshot: RoutingSnapshot, spec: string): Target {
  const colon = spec.indexOf(':');
  if (colon > 0) {
    const provider = providerByRef(snapshot, spec.slice(0, colon));
    if (!provider) {
      throw new AigwError(ERRORS.unknownModel, `unknown provider "${spec.slice(0, colon)}" in model "${spec}"`, { model: spec });
    }
    return target(provider, spec.slice(colon + 1));
  }
  const slash = spec.indexOf('/');
  if (slash > 0) {
    const provider = providerByRef(snapshot, spec.slice(0, slash));
    if (provider) return target(provider, spec.slice(slash + 1));
  }
  for (const p of snapshot.providers.values()) if (p.resourceId && p.models.includes(spec)) return target(p, spec);
  const builtin = builtinProviderForModel(spec);
  const provider = builtin && snapshot.providers.get(builtin.id);
  if (provider) return target(provider, spec);
  throw new AigwError(
    ERRORS.unknownModel,
    `no provider is known for model "${spec}"; name it as provider:model, for example openai:${spec}`,
    { model: spec },
  );
}

export function isAllowed(access: AccessRules, t: Target): boolean {
  if (access.providers && !access.providers.some((p) => p === t.provider.id || p === t.provider.resourceId)) return false;
  if (access.models) {
    const names = [t.label, `${t.provider.id}/${t.model}`, t.model];
    if (!access.models.some((m) => names.includes(m))) return false;
  }
  return true;
}

/**
 * Models already resolved, per snapshot and by the spec a request named: every request naming it gets the
 * same Target, so its strings are hashed once for the maps they key further on. Bounded: the specs are the
 * clients' own.
 */
const RESOLVED = new WeakMap<RoutingSnapshot, Map<string, Target>>();
const RESOLVED_MAX = 1024;

function resolvedModel(snapshot: RoutingSnapshot, spec: string): Target {
  let bySpec = RESOLVED.get(snapshot);
  if (!bySpec) RESOLVED.set(snapshot, (bySpec = new Map()));
  let t = bySpec.get(spec);
  if (!t) {
    t = resolveModel(snapshot, spec);
    if (bySpec.size >= RESOLVED_MAX) bySpec.clear();
    bySpec.set(spec, t);
  }
  return t;
}

/**
 * The models a request may try, in order: its `model` then its `models` fallback list. Every one must resolve
 * and be allowed by the access key's configuration, and speak the API that was called; otherwise the request
 * is refused before any upstream call.
 */
export function resolveTargets(snapshot: RoutingSnapshot, accessKey: GatewayAccessKey, specs: readonly string[], format: ApiFormat): Target[] {
  if (specs.length === 0) throw new AigwError(ERRORS.modelRequired, 'the request has no "model"; name one, such as openai:gpt-4o');
  const seen = new Set<string>();
  const targets: Target[] = [];
  for (const spec of specs) {
    const t = resolvedModel(snapshot, spec);
    if (!isAllowed(accessKey.access, t)) {
      throw new AigwError(ERRORS.modelForbidden, `this access key may not use ${t.label}`, { model: t.label });
    }
    if (!t.provider.formats.includes(format)) {
      throw new AigwError(ERRORS.unsupportedApi, `${t.provider.id} does not speak the ${format} API`, { model: t.label });
    }
    if (!seen.has(t.label)) targets.push(t);
    seen.add(t.label);
  }
  return targets;
}

function ruleFor(rules: readonly RouterRule[], t: Target): RouterRule | undefined {
  // Most access keys have no configuration: no names to build on every request.
  if (rules.length === 0) return undefined;
  const matchesProvider = (r: RouterRule) => r.provider === undefined || r.provider === t.provider.id || r.provider === t.provider.resourceId;
  const modelNames = [t.label, `${t.provider.id}/${t.model}`, t.model];
  return (
    rules.find((r) => r.model !== undefined && modelNames.includes(r.model) && matchesProvider(r)) ??
    rules.find((r) => r.model === undefined && r.provider !== undefined && matchesProvider(r))
  );
}

/** How keysFor treats a request: `pick` moves round-robin positions and draws weighted keys (a real request does). */
export interface KeyPlanOptions {
  pick?: boolean;
  /** Keep disabled keys in the plan: to tell "every key is disabled" from "no keys". */
  withDisabled?: boolean;
  random?: () => number;
}

/** The index of a step's usable key to try first; the others follow in the listed order. */
function firstOf(step: RouterStep, usable: readonly number[], random: () => number): number {
  if (step.strategy === 'roundRobin') return step.position.next++ % usable.length;
  let total = 0;
  for (const i of usable) total += step.weights![i]!;
  let draw = random() * total;
  for (let u = 0; u < usable.length; u++) {
    draw -= step.weights![usable[u]!]!;
    if (draw < 0) return u;
  }
  return usable.length - 1;
}

/**
 * The provider keys to try for one target, in order: the configuration's router rule steps when one
 * matches (each step starting at the key its strategy picks), otherwise the provider's keys attached to
 * this access key, then its account-wide keys. Disabled keys are left out.
 */
export function keysFor(snapshot: RoutingSnapshot, accessKey: GatewayAccessKey, t: Target, options: KeyPlanOptions = {}): readonly GatewayProviderKey[] {
  const { pick = true, withDisabled = false, random = Math.random } = options;
  const rule = ruleFor(accessKey.rules, t);
  if (!rule) return withDisabled ? defaultOrder(snapshot, accessKey, t.provider.id) : defaultKeys(snapshot, accessKey, t.provider.id);
  const keys: GatewayProviderKey[] = [];
  for (const step of rule.steps) {
    const from = keys.length;
    const usable: number[] = [];
    for (let i = 0; i < step.keys.length; i++) {
      const key = snapshot.keys.get(step.keys[i]!);
      if (key && key.providerId === t.provider.id && (withDisabled || !key.disabled) && !keys.includes(key)) {
        keys.push(key);
        usable.push(i);
      }
    }
    if (pick && step.strategy !== 'ordered' && usable.length > 1) {
      const first = firstOf(step, usable, random);
      if (first > 0) keys.splice(from, 0, ...keys.splice(from + first, 1));
    }
  }
  return keys;
}

/**
 * The default order (attached keys, then account-wide ones) is worked out once per snapshot, access key and
 * provider, not per request: with thousands of keys, filtering them on every request would cost more than
 * the proxying. Snapshots and their access keys are rebuilt on every write, so the memo never goes stale.
 */
const defaultPlans = new WeakMap<RoutingSnapshot, WeakMap<GatewayAccessKey, Map<string, GatewayProviderKey[]>>>();

function defaultKeys(snapshot: RoutingSnapshot, accessKey: GatewayAccessKey, providerId: string): readonly GatewayProviderKey[] {
  let byAccessKey = defaultPlans.get(snapshot);
  if (!byAccessKey) defaultPlans.set(snapshot, (byAccessKey = new WeakMap()));
  let byProvider = byAccessKey.get(accessKey);
  if (!byProvider) byAccessKey.set(accessKey, (byProvider = new Map()));
  let plan = byProvider.get(providerId);
  if (!plan) {
    plan = defaultOrder(snapshot, accessKey, providerId).filter((k) => !k.disabled);
    byProvider.set(providerId, plan);
  }
  return plan;
}

function defaultOrder(snapshot: RoutingSnapshot, accessKey: GatewayAccessKey, providerId: string): GatewayProviderKey[] {
  const all = snapshot.keysByProvider.get(providerId) ?? [];
  return [...all.filter((k) => k.accessKeyId === accessKey.id), ...all.filter((k) => k.accessKeyId === null)];
}

/** Models this access key may use: built-ins with at least one key to call them with, and custom providers' models. */
export function usableModels(snapshot: RoutingSnapshot, accessKey: GatewayAccessKey): Target[] {
  const out: Target[] = [];
  for (const provider of snapshot.providers.values()) {
    for (const model of provider.models) {
      const t = target(provider, model);
      const callable = provider.resourceId !== null || keysFor(snapshot, accessKey, t, { pick: false }).length > 0;
      if (callable && isAllowed(accessKey.access, t)) out.push(t);
    }
  }
  return out;
}
