import { AigwError, ERRORS } from './errors.js';
import { LIMITS } from './limits.js';

/**
 * Access key configurations, in ngrok.ai's JSON shape: `access` says which providers and models an access
 * key may reach (an omitted dimension is unrestricted, an empty `allow` list allows nothing) and
 * `router.rules[]` says which provider keys serve a provider or model, step by step.
 */
export interface AccessDimension {
  allow?: string[];
}

export interface AccessScope {
  providers?: AccessDimension;
  models?: AccessDimension;
}

export interface RouterStepKeyWrite {
  id?: string;
  name?: string;
  value?: string;
  weight?: number;
}

export interface RouterStepWrite {
  type: string;
  keys?: RouterStepKeyWrite[];
  keySelectionStrategy?: string;
}

export interface RouterRuleWrite {
  provider?: string;
  model?: string;
  steps: RouterStepWrite[];
}

export interface RouterWrite {
  rules?: RouterRuleWrite[];
}

/**
 * How a step picks its first key: `ordered` (ngrok's, the listed order), `roundRobin` (each request starts
 * at the next key) or `weighted` (a random key, in proportion to its `weight`). The rest of the step's keys
 * follow in the listed order, for failover.
 */
export const KEY_SELECTION_STRATEGIES = ['ordered', 'roundRobin', 'weighted'] as const;
export type KeySelectionStrategy = (typeof KEY_SELECTION_STRATEGIES)[number];

/** The largest weight a key may have in a weighted step; weights are relative, so this is no real limit. */
export const MAX_KEY_WEIGHT = 1_000_000;
/** A key of a weighted step that names no weight. */
export const DEFAULT_KEY_WEIGHT = 1;

/** The stored router: only `user` steps holding provider key ids; keys of a weighted step carry their weight. */
export interface RouterStep {
  type: 'user';
  keySelectionStrategy: KeySelectionStrategy;
  keys: { id: string; weight?: number }[];
}

export interface RouterRule {
  provider?: string;
  model?: string;
  steps: RouterStep[];
}

export interface Router {
  rules: RouterRule[];
}

function routerError(reason: string, details: Record<string, string> = {}): AigwError {
  return new AigwError(ERRORS.invalidRouter, `invalid router configuration: ${reason}`, details);
}

function checkCount(what: string, count: number, max: number, field: string): void {
  if (count > max) {
    throw new AigwError(ERRORS.invalidField, `${what} has ${count} entries; the limit is ${max}`, { field });
  }
}

/** The provider a `provider:model` string names, when it names one. */
export function providerOfModel(model: string): string | undefined {
  const colon = model.indexOf(':');
  return colon > 0 ? model.slice(0, colon) : undefined;
}

/**
 * Why an access scope lets nothing through, or undefined when something (or something this cannot judge,
 * such as a bare model name) may be reachable: an empty list, or models none of which is of an allowed provider.
 */
export function whyNothingReachable(access: AccessScope | null | undefined): string | undefined {
  const providers = access?.providers?.allow;
  const models = access?.models?.allow;
  if (providers?.length === 0) return 'its allowed providers list is empty';
  if (models?.length === 0) return 'its allowed models list is empty';
  if (!providers || !models) return undefined;
  const outside = models.every((model) => {
    const provider = providerOfModel(model);
    return provider !== undefined && !providers.includes(provider);
  });
  return outside ? `none of its allowed models (${models.join(', ')}) is of an allowed provider (${providers.join(', ')})` : undefined;
}

/** Checks the shape rules the JSON schema cannot express; references are checked against the store later. */
export function normalizeAccess(access: AccessScope): AccessScope {
  const out: AccessScope = {};
  for (const dimension of ['providers', 'models'] as const) {
    const allow = access[dimension]?.allow;
    if (access[dimension] === undefined) continue;
    if (allow === undefined) {
      out[dimension] = {};
      continue;
    }
    checkCount(`access.${dimension}.allow`, allow.length, LIMITS.allowEntries, `access.${dimension}.allow`);
    for (const entry of allow) {
      if (entry.trim() === '') {
        throw new AigwError(ERRORS.invalidField, `access.${dimension}.allow holds an empty entry`, {
          field: `access.${dimension}.allow`,
        });
      }
    }
    out[dimension] = { allow: [...new Set(allow)] };
  }
  return out;
}

export function normalizeRouter(router: RouterWrite): Router {
  const rules = router.rules ?? [];
  checkCount('router.rules', rules.length, LIMITS.routerRules, 'router.rules');
  const seen = new Set<string>();
  return {
    rules: rules.map((rule, r) => {
      const where = `rule ${r + 1}`;
      if (!rule.provider && !rule.model) throw routerError(`${where} needs a provider, a model or both`);
      const scope = `${rule.provider ?? ''}\u0000${rule.model ?? ''}`;
      if (seen.has(scope)) {
        throw routerError(`${where} repeats the scope of an earlier rule (${rule.model ?? rule.provider})`);
      }
      seen.add(scope);
      const modelProvider = rule.model ? providerOfModel(rule.model) : undefined;
      if (rule.provider && modelProvider && modelProvider !== rule.provider) {
        throw routerError(`${where} is for provider ${rule.provider} but its model ${rule.model} is on ${modelProvider}`);
      }
      if (rule.steps.length === 0) throw routerError(`${where} has no steps; give it at least one`);
      checkCount(`${where} steps`, rule.steps.length, LIMITS.stepsPerRule, 'router.rules.steps');
      const steps = rule.steps.map((step, s): RouterStep => {
        const at = `${where}, step ${s + 1}`;
        if (step.type !== 'user') {
          throw routerError(`${at} has type "${step.type}"; aigw has no managed inference, so every step is "user"`);
        }
        const strategy = step.keySelectionStrategy ?? 'ordered';
        if (!(KEY_SELECTION_STRATEGIES as readonly string[]).includes(strategy)) {
          throw new AigwError(
            ERRORS.unknownKeySelectionStrategy,
            `invalid router configuration: ${at} has keySelectionStrategy "${strategy}"; use ordered, roundRobin or weighted`,
            { field: 'router.rules.steps.keySelectionStrategy' },
          );
        }
        const keys = step.keys ?? [];
        if (keys.length === 0) throw routerError(`${at} lists no provider keys`);
        checkCount(`${at} keys`, keys.length, LIMITS.keysPerStep, 'router.rules.steps.keys');
        const ids = keys.map((key) => {
          if (key.value !== undefined || key.name !== undefined) {
            throw routerError(
              `${at}: creating keys inline is not supported; store the key with \`aigw provider-keys create\` and give its id`,
            );
          }
          if (!key.id) throw routerError(`${at} has a key without an id`);
          return key.id;
        });
        if (new Set(ids).size !== ids.length) throw routerError(`${at} lists the same provider key twice`);
        const weights = keys.map((key) => checkWeight(key.weight, strategy as KeySelectionStrategy, at));
        return {
          type: 'user',
          keySelectionStrategy: strategy as KeySelectionStrategy,
          keys: ids.map((id, k) => (strategy === 'weighted' ? { id, weight: weights[k] ?? DEFAULT_KEY_WEIGHT } : { id })),
        };
      });
      return {
        ...(rule.provider ? { provider: rule.provider } : {}),
        ...(rule.model ? { model: rule.model } : {}),
        steps,
      };
    }),
  };
}

/** A key's weight: only in a weighted step, and then a positive number up to MAX_KEY_WEIGHT. */
function checkWeight(weight: number | undefined, strategy: KeySelectionStrategy, at: string): number | undefined {
  if (weight === undefined) return undefined;
  const field = 'router.rules.steps.keys.weight';
  if (strategy !== 'weighted') {
    throw new AigwError(
      ERRORS.weightOutsideWeightedStep,
      `invalid router configuration: ${at} gives a key a weight, but its keySelectionStrategy is ${strategy}; make it "weighted" or drop the weights`,
      { field },
    );
  }
  if (!Number.isFinite(weight) || weight <= 0 || weight > MAX_KEY_WEIGHT) {
    throw new AigwError(ERRORS.invalidKeyWeight, `invalid router configuration: ${at} has a key weight of ${weight}; give a number above 0 and up to ${MAX_KEY_WEIGHT}`, { field });
  }
  return weight;
}

/** The providers a rule's keys must belong to: its own provider, or the one its model names. */
export function ruleProvider(rule: RouterRule): string | undefined {
  return rule.provider ?? (rule.model ? providerOfModel(rule.model) : undefined);
}

/** Every provider key id and provider the configuration points at, for reference checks. */
export function configReferences(access: AccessScope | null, router: Router | null) {
  const providerKeyIds = new Set<string>();
  const providers = new Set<string>(access?.providers?.allow ?? []);
  for (const model of access?.models?.allow ?? []) {
    const provider = providerOfModel(model);
    if (provider) providers.add(provider);
  }
  for (const rule of router?.rules ?? []) {
    const provider = ruleProvider(rule);
    if (provider) providers.add(provider);
    for (const step of rule.steps) for (const key of step.keys) providerKeyIds.add(key.id);
  }
  return { providerKeyIds: [...providerKeyIds], providers: [...providers] };
}

/**
 * The router once a provider key is gone: the key leaves every step, a step with no key left goes, and a
 * rule with no step left goes (the access key then falls back to the provider's keys).
 */
export function withoutProviderKey(router: Router, keyId: string): Router {
  return {
    rules: router.rules
      .map((rule) => ({
        ...rule,
        steps: rule.steps
          .map((step) => ({ ...step, keys: step.keys.filter((k) => k.id !== keyId) }))
          .filter((step) => step.keys.length > 0),
      }))
      .filter((rule) => rule.steps.length > 0),
  };
}
