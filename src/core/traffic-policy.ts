import { checkBaseUrl, checkModelIds, checkProviderId } from './custom-providers.js';
import { AigwError, ERRORS } from './errors.js';
import { LIMITS } from './limits.js';
import { checkLabels, checkSecretValue } from './provider-keys.js';
import { builtinProvider } from './providers.js';

/**
 * ngrok's legacy BYOK setup, read from a Traffic Policy document: the `ai-gateway` actions of its
 * `on_http_request` rules, with their providers, keys (inline values or `${secrets.get('vault', 'name')}`
 * references) in failover order, and custom providers with a `base_url`. What aigw has no equivalent for
 * is returned as notes, never dropped without a word. A document this cannot read is one coded error.
 */

/** A `${secrets.get('vault', 'name')}` reference: its value lives in ngrok's vault and must come from elsewhere. */
export interface SecretRef {
  vault: string;
  name: string;
}

export interface PolicyKey {
  providerId: string;
  /** 1-based, in the policy's order: the failover order. */
  position: number;
  /** The provider key's name in aigw: `<provider>-<position>` for inline values, `<vault>/<name>` for references. */
  name: string;
  source: { inline: string } | { secret: SecretRef };
  /** Where it is in the document, such as `on_http_request[0].actions[0].config.providers[1].api_keys[0]`. */
  path: string;
}

export interface PolicyProvider {
  id: string;
  /** Set for a custom provider. */
  baseUrl: string | undefined;
  models: string[];
  keys: PolicyKey[];
  path: string;
}

export interface PolicyAction {
  /** The access key configuration this action becomes. */
  configurationName: string;
  providers: PolicyProvider[];
  maxInputTokens: number | undefined;
  maxOutputTokens: number | undefined;
  onlyConfiguredProviders: boolean;
  onlyConfiguredModels: boolean;
}

/** Something in the policy that is not imported, and why. */
export interface PolicyNote {
  path: string;
  reason: string;
}

export interface TrafficPolicyPlan {
  actions: PolicyAction[];
  notes: PolicyNote[];
}

/** What marks a resource as made by this import (in its metadata), so a second run recognises it. */
export const IMPORT_MARKER = 'ngrok-traffic-policy';

export function importMetadata(configurationName: string): string {
  return JSON.stringify({ importedFrom: IMPORT_MARKER, configuration: configurationName });
}

/** Whether a resource's metadata says this import made it for this configuration. */
export function isImportedFor(metadata: string | undefined, configurationName: string): boolean {
  try {
    const parsed = JSON.parse(metadata ?? '');
    return parsed?.importedFrom === IMPORT_MARKER && parsed?.configuration === configurationName;
  } catch {
    return false;
  }
}

const MAX_TOKENS = 500_000;
const SECRET_REF = /^\$\{\s*secrets\.get\(\s*(['"])([^'"]+)\1\s*,\s*(['"])([^'"]+)\3\s*\)\s*\}$/;

/** Fields ngrok documents that aigw does not carry over, with what to do instead. */
const CONFIG_UNSUPPORTED: Record<string, string> = {
  headers: 'aigw sends no extra headers upstream',
  query_params: 'aigw adds no query parameters upstream',
  body: 'aigw merges nothing into request bodies',
  on_error: 'aigw always answers the client with an error when every attempt failed (ngrok\'s "halt")',
  total_timeout: 'timeouts are gateway-wide in aigw: `aigw gateway config set --total-timeout …`',
  per_request_timeout: 'timeouts are gateway-wide in aigw: `aigw gateway config set --per-request-timeout …`',
  model_selection: 'CEL model selection has no aigw equivalent; clients name models (a `models` list is the fallback order)',
  api_key_selection: 'CEL key selection has no aigw equivalent; keys are tried in the policy\'s order',
};
const CONFIG_FIELDS = new Set([
  ...Object.keys(CONFIG_UNSUPPORTED),
  'providers',
  'max_input_tokens',
  'max_output_tokens',
  'only_allow_configured_providers',
  'only_allow_configured_models',
]);
const PROVIDER_UNSUPPORTED: Record<string, string> = {
  id_aliases: 'aigw addresses a provider by its id only',
  metadata: 'provider metadata is not imported',
};
const PROVIDER_FIELDS = new Set([...Object.keys(PROVIDER_UNSUPPORTED), 'id', 'base_url', 'disabled', 'api_keys', 'models']);

export function malformed(path: string, reason: string): AigwError {
  return new AigwError(ERRORS.invalidTrafficPolicy, `${path}: ${reason}; nothing was changed`, { path });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function list(value: unknown, path: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformed(path, 'must be a list');
  return value;
}

function text(value: unknown, path: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw malformed(path, 'must be a non-empty string');
  return value;
}

function flag(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw malformed(path, 'must be true or false');
  return value;
}

function tokenCap(value: unknown, path: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_TOKENS) {
    throw malformed(path, `must be a whole number from 1 to ${MAX_TOKENS}`);
  }
  return value as number;
}

/** The same check the API makes, reported against the policy's path; the value itself is never quoted. */
function checked<T>(path: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof AigwError) throw malformed(path, err.message);
    throw err;
  }
}

function readKey(entry: unknown, providerId: string, position: number, path: string, notes: PolicyNote[]): PolicyKey {
  if (!isObject(entry)) throw malformed(path, 'must be a mapping with a value');
  for (const field of Object.keys(entry)) if (field !== 'value') notes.push({ path: `${path}.${field}`, reason: 'only a key\'s value is imported' });
  const value = text(entry.value, `${path}.value`);
  const ref = SECRET_REF.exec(value.trim());
  if (ref) {
    const secret = { vault: ref[2]!, name: ref[4]! };
    const name = `${secret.vault}/${secret.name}`;
    checked(`${path}.value`, () => checkLabels({ name }));
    return { providerId, position, name, source: { secret }, path };
  }
  if (value.includes('${')) {
    throw malformed(`${path}.value`, "only a literal key or ${secrets.get('vault', 'name')} can be imported, not another expression");
  }
  checked(`${path}.value`, () => checkSecretValue(value));
  return { providerId, position, name: `${providerId}-${position}`, source: { inline: value }, path };
}

function readProvider(entry: unknown, path: string, notes: PolicyNote[]): PolicyProvider | undefined {
  if (!isObject(entry)) throw malformed(path, 'must be a mapping with an id');
  const id = text(entry.id, `${path}.id`);
  for (const field of Object.keys(entry)) {
    if (field in PROVIDER_UNSUPPORTED) notes.push({ path: `${path}.${field}`, reason: PROVIDER_UNSUPPORTED[field]! });
    else if (!PROVIDER_FIELDS.has(field)) notes.push({ path: `${path}.${field}`, reason: 'not a field ngrok documents; ignored' });
  }
  if (flag(entry.disabled, `${path}.disabled`)) {
    notes.push({ path, reason: `provider ${id} is disabled in the policy; not imported` });
    return undefined;
  }
  let baseUrl: string | undefined;
  if (entry.base_url !== undefined) {
    const url = text(entry.base_url, `${path}.base_url`);
    if (builtinProvider(id)) {
      notes.push({
        path: `${path}.base_url`,
        reason: `${id} is a built-in provider; point it elsewhere with \`aigw gateway config set --provider-base-url ${id}=URL\``,
      });
    } else {
      checked(`${path}.id`, () => checkProviderId(id));
      baseUrl = checked(`${path}.base_url`, () => checkBaseUrl(url));
    }
  }
  const models = list(entry.models, `${path}.models`).map((m, i) => {
    const at = `${path}.models[${i}]`;
    if (typeof m === 'string') return m;
    if (!isObject(m)) throw malformed(at, 'must be a mapping with an id');
    for (const field of Object.keys(m)) if (field !== 'id') notes.push({ path: `${at}.${field}`, reason: 'model settings other than id are not imported' });
    return text(m.id, `${at}.id`);
  });
  if (baseUrl !== undefined) checked(`${path}.models`, () => checkModelIds(models));
  const keys = list(entry.api_keys, `${path}.api_keys`).map((k, i) => readKey(k, id, i + 1, `${path}.api_keys[${i}]`, notes));
  const seen = new Set<string>();
  const unique = keys.filter((k) => {
    if (!seen.has(k.name)) return seen.add(k.name);
    notes.push({ path: k.path, reason: `the same key as an earlier entry (${k.name}); imported once, in its first place` });
    return false;
  });
  if (unique.length > LIMITS.keysPerStep) throw malformed(`${path}.api_keys`, `lists ${unique.length} keys; a router step holds at most ${LIMITS.keysPerStep}`);
  if (unique.length === 0 && baseUrl === undefined) {
    notes.push({
      path,
      reason: `no api_keys: ngrok forwarded the caller's own ${id} key; the same in aigw is opt-in: \`aigw providers passthrough enable ${id}\``,
    });
  }
  return { id, baseUrl, models, keys: unique, path };
}

function readAction(config: unknown, path: string, configurationName: string, notes: PolicyNote[]): PolicyAction {
  if (config === undefined || config === null) config = {};
  if (!isObject(config)) throw malformed(path, 'must be a mapping');
  for (const field of Object.keys(config)) {
    if (field in CONFIG_UNSUPPORTED) notes.push({ path: `${path}.${field}`, reason: CONFIG_UNSUPPORTED[field]! });
    else if (!CONFIG_FIELDS.has(field)) notes.push({ path: `${path}.${field}`, reason: 'not a field ngrok documents; ignored' });
  }
  const providers: PolicyProvider[] = [];
  list(config.providers, `${path}.providers`).forEach((p, i) => {
    const provider = readProvider(p, `${path}.providers[${i}]`, notes);
    if (!provider) return;
    if (providers.some((q) => q.id === provider.id)) throw malformed(`${path}.providers[${i}].id`, `provider ${provider.id} is listed twice`);
    providers.push(provider);
  });
  return {
    configurationName,
    providers,
    maxInputTokens: tokenCap(config.max_input_tokens, `${path}.max_input_tokens`),
    maxOutputTokens: tokenCap(config.max_output_tokens, `${path}.max_output_tokens`),
    onlyConfiguredProviders: flag(config.only_allow_configured_providers, `${path}.only_allow_configured_providers`),
    onlyConfiguredModels: flag(config.only_allow_configured_models, `${path}.only_allow_configured_models`),
  };
}

/**
 * Reads a parsed Traffic Policy. Rules are `{ name?, expressions?, actions: [...] }`; a rule that is itself
 * an action (as some of ngrok's short examples write it) is read as one. Each `ai-gateway` action becomes
 * one configuration, named `name` (then `name-2`, `name-3`… for further actions).
 */
export function readTrafficPolicy(document: unknown, name: string): TrafficPolicyPlan {
  if (!isObject(document)) throw malformed('(document)', 'a Traffic Policy is a mapping with on_http_request rules');
  const notes: PolicyNote[] = [];
  for (const phase of Object.keys(document)) {
    if (phase !== 'on_http_request') notes.push({ path: phase, reason: 'only on_http_request holds ai-gateway actions; not imported' });
  }
  const actions: PolicyAction[] = [];
  list(document.on_http_request, 'on_http_request').forEach((rule, r) => {
    const rulePath = `on_http_request[${r}]`;
    if (!isObject(rule)) throw malformed(rulePath, 'must be a mapping');
    const inRule = rule.type !== undefined && rule.actions === undefined ? [rule] : list(rule.actions, `${rulePath}.actions`);
    if (rule.expressions !== undefined) {
      notes.push({ path: `${rulePath}.expressions`, reason: 'CEL conditions have no aigw equivalent: the rule\'s ai-gateway settings apply to every request' });
    }
    inRule.forEach((action, a) => {
      const actionPath = inRule[0] === rule ? rulePath : `${rulePath}.actions[${a}]`;
      if (!isObject(action)) throw malformed(actionPath, 'must be a mapping with a type');
      const type = text(action.type, `${actionPath}.type`);
      if (type !== 'ai-gateway') {
        notes.push({ path: actionPath, reason: `a ${type} action has no aigw equivalent; not imported` });
        return;
      }
      const configurationName = actions.length === 0 ? name : `${name}-${actions.length + 1}`;
      actions.push(readAction(action.config, `${actionPath}.config`, configurationName, notes));
    });
  });
  if (actions.length === 0) throw malformed('on_http_request', 'no ai-gateway action found');
  for (const action of actions) {
    checked('--name', () => checkLabels({ name: action.configurationName }));
    if (action.providers.length > LIMITS.routerRules) {
      throw malformed('on_http_request', `an ai-gateway action lists ${action.providers.length} providers; a configuration holds at most ${LIMITS.routerRules} rules`);
    }
  }
  return { actions, notes };
}
