import { basename, extname } from 'node:path';
import type { AccessScope, RouterRuleWrite } from '../../core/configs.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkSecretValue } from '../../core/provider-keys.js';
import { builtinProvider } from '../../core/providers.js';
import { redact } from '../../core/redact.js';
import {
  importMetadata,
  isImportedFor,
  malformed,
  readTrafficPolicy,
  type PolicyAction,
  type PolicyKey,
  type PolicyNote,
} from '../../core/traffic-policy.js';
import type { Api, Factory } from '../factory.js';
import { usageError } from '../errors.js';
import type { IO, View } from '../io.js';
import { fetchPages } from '../resource.js';
import { readInputFile } from '../secret-input.js';
import type { FlagOptions } from '../command.js';
import type { trafficPolicyFlags } from './import.js';

type TrafficPolicyOptions = FlagOptions<typeof trafficPolicyFlags<[], {}, {}>>;

/** A policy is a small document: a bound keeps `/dev/zero` or an endless pipe out of memory. */
const POLICY_BYTES = 1024 * 1024;

interface ExistingKey {
  id: string;
  providerId: string;
  name: string;
  metadata?: string;
  keyRedacted: string;
}
interface ExistingProvider {
  id: string;
  providerId: string;
  baseUrl: string;
}
interface ExistingConfiguration {
  id: string;
  name: string;
  metadata?: string;
  access?: AccessScope;
  router?: { rules: { provider?: string; model?: string; steps: { keys: { id: string }[] }[] }[] };
  maxInputTokens: number | null;
  maxOutputTokens: number | null;
}

/** One line of the plan or the summary. */
export interface ImportRow {
  action: 'create' | 'created' | 'exists' | 'update' | 'updated' | 'unchanged' | 'skipped' | 'not imported';
  kind: 'provider' | 'provider-key' | 'configuration' | 'policy';
  name: string;
  id: string;
  detail: string;
}

const rowView: View<ImportRow> = {
  id: (r) => r.id,
  columns: [
    { header: 'ACTION', field: 'action', value: (r) => r.action },
    { header: 'KIND', field: 'kind', value: (r) => r.kind },
    { header: 'NAME', field: 'name', value: (r) => r.name },
    { header: 'ID', field: 'id', value: (r) => r.id, optional: true },
    { header: 'DETAIL', field: 'detail', value: (r) => r.detail, truncate: true },
  ],
  details: [],
};

/** A write still to make, and the row it reports. */
interface Write {
  row: ImportRow;
  run: (api: Api) => Promise<string>;
}

function invalid(reason: string): AigwError {
  return new AigwError(ERRORS.invalidTrafficPolicy, `${reason}; nothing was changed`);
}

/** YAML (JSON is YAML too). A parse error names its line and column, never the text: it may hold a key. */
async function parsePolicy(text: string): Promise<unknown> {
  const { parseDocument } = await import('yaml');
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const err = doc.errors[0];
  if (err) {
    const at = err.linePos?.[0];
    throw invalid(`the file is not valid YAML or JSON (${err.code}${at ? ` at line ${at.line}, column ${at.col}` : ''})`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

/** `--secret openai/primary=OPENAI_PRIMARY`: which environment variable holds which vault secret. */
function secretSources(specs: readonly string[]): Map<string, string> {
  const sources = new Map<string, string>();
  for (const spec of specs) {
    const match = /^([^/=]+)\/([^=]+)=([A-Za-z_][A-Za-z0-9_]*)$/.exec(spec);
    if (!match) throw usageError(`--secret takes VAULT/NAME=ENV_VAR, such as openai/primary=OPENAI_KEY, not "${spec}"`);
    sources.set(`${match[1]}/${match[2]}`, match[3]!);
  }
  return sources;
}

/** The value of a key the policy holds inline or by reference, or why there is none. */
async function keyValue(
  io: IO,
  key: PolicyKey,
  sources: Map<string, string>,
  dryRun: boolean,
): Promise<{ value: string | undefined; detail: string }> {
  if ('inline' in key.source) return { value: key.source.inline, detail: `inline value ${redact(key.source.inline)}` };
  const { vault, name } = key.source.secret;
  const ref = `secrets.get('${vault}', '${name}')`;
  const variable = sources.get(key.name);
  if (variable) {
    const value = io.env[variable];
    if (!value) throw usageError(`${variable} is empty or not set; it should hold ${ref} (--secret ${key.name}=${variable})`);
    try {
      checkSecretValue(value);
    } catch (err) {
      throw new AigwError((err as AigwError).def, `${variable} (${ref}): ${(err as AigwError).message}`);
    }
    return { value, detail: `${ref} from $${variable}: ${redact(value)}` };
  }
  if (io.interactive && !dryRun) {
    const value = await io.promptSecret(`Value of ${ref} (${key.providerId} key ${key.position})`);
    checkSecretValue(value);
    return { value, detail: `${ref} as typed: ${redact(value)}` };
  }
  if (io.interactive) return { value: undefined, detail: `${ref}: would be asked for` };
  return {
    value: undefined,
    detail: `${ref} is in ngrok's vault; pass --secret ${key.name}=ENV_VAR to import it (${io.noPromptReason})`,
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Works out every write of one ai-gateway action against what exists, asking for secret values on the way
 * (prompts are not writes). A key made by an earlier import of the same configuration is recognised by its
 * provider, name and the import's mark in its metadata; a custom provider by its id; the configuration by name.
 */
async function planAction(
  io: IO,
  action: PolicyAction,
  existing: { keys: ExistingKey[]; providers: ExistingProvider[]; configurations: ExistingConfiguration[] },
  sources: Map<string, string>,
  dryRun: boolean,
  rows: ImportRow[],
  writes: Write[],
): Promise<void> {
  const metadata = importMetadata(action.configurationName);
  /** Key ids by provider, in the policy's order; pending ones are filled in as their writes run. */
  const keyIds = new Map<string, (() => string)[]>();

  for (const provider of action.providers) {
    if (provider.baseUrl === undefined) continue;
    const found = existing.providers.find((p) => p.providerId === provider.id);
    if (found) {
      const detail = found.baseUrl === provider.baseUrl ? provider.baseUrl : `left as it is at ${found.baseUrl} (the policy says ${provider.baseUrl})`;
      rows.push({ action: 'exists', kind: 'provider', name: provider.id, id: found.id, detail });
      continue;
    }
    const row: ImportRow = { action: 'create', kind: 'provider', name: provider.id, id: '', detail: provider.baseUrl };
    rows.push(row);
    writes.push({
      row,
      run: async (api) =>
        (
          await api.request<{ id: string }>('POST', '/providers', {
            providerId: provider.id,
            name: provider.id,
            baseUrl: provider.baseUrl,
            metadata,
            models: provider.models.map((modelId) => ({ modelId })),
          })
        ).id,
    });
  }

  for (const provider of action.providers) {
    const ids: (() => string)[] = [];
    keyIds.set(provider.id, ids);
    for (const key of provider.keys) {
      const found = existing.keys.find((k) => k.providerId === key.providerId && k.name === key.name && isImportedFor(k.metadata, action.configurationName));
      if (found) {
        // "The same" key is the same place in the same policy: its value is not compared (rotate it to change it).
        rows.push({ action: 'exists', kind: 'provider-key', name: key.name, id: found.id, detail: `${key.providerId} ${found.keyRedacted}` });
        ids.push(() => found.id);
        continue;
      }
      const { value, detail } = await keyValue(io, key, sources, dryRun);
      const row: ImportRow = { action: value === undefined ? 'skipped' : 'create', kind: 'provider-key', name: key.name, id: '', detail: `${key.providerId} ${detail}` };
      rows.push(row);
      if (value === undefined) continue;
      writes.push({
        row,
        run: async (api) =>
          (await api.request<{ id: string }>('POST', '/provider-keys', { providerId: key.providerId, value, name: key.name, metadata })).id,
      });
      ids.push(() => row.id);
    }
  }

  const access: AccessScope | undefined =
    action.onlyConfiguredProviders || action.onlyConfiguredModels
      ? {
          ...(action.onlyConfiguredProviders ? { providers: { allow: action.providers.map((p) => p.id) } } : {}),
          ...(action.onlyConfiguredModels ? { models: { allow: action.providers.flatMap((p) => p.models.map((m) => `${p.id}:${m}`)) } } : {}),
        }
      : undefined;
  const rules = (): RouterRuleWrite[] =>
    [...keyIds]
      .filter(([, ids]) => ids.length > 0)
      .map(([provider, ids]) => ({ provider, steps: [{ type: 'user', keySelectionStrategy: 'ordered', keys: ids.map((id) => ({ id: id() })) }] }));
  const body = () => ({
    access: access ?? null,
    router: { rules: rules() },
    maxInputTokens: action.maxInputTokens ?? null,
    maxOutputTokens: action.maxOutputTokens ?? null,
  });
  const order = [...keyIds].map(([provider, ids]) => `${provider}: ${ids.length} key${ids.length === 1 ? '' : 's'}`).join(', ');

  const found = existing.configurations.find((c) => c.name === action.configurationName);
  if (found && !isImportedFor(found.metadata, action.configurationName)) {
    rows.push({
      action: 'skipped',
      kind: 'configuration',
      name: action.configurationName,
      id: found.id,
      detail: 'a configuration of this name exists and was not made by an import; pass --name to choose another',
    });
    return;
  }
  if (found) {
    const pendingKeys = [...keyIds.values()].some((ids) => ids.some((id) => id() === ''));
    const current = {
      access: found.access ?? null,
      router: { rules: (found.router?.rules ?? []).map((r) => ({ provider: r.provider, steps: r.steps.map((s) => ({ type: 'user', keySelectionStrategy: 'ordered', keys: s.keys.map((k) => ({ id: k.id })) })) })) },
      maxInputTokens: found.maxInputTokens,
      maxOutputTokens: found.maxOutputTokens,
    };
    if (!pendingKeys && sameJson(current, body())) {
      rows.push({ action: 'unchanged', kind: 'configuration', name: action.configurationName, id: found.id, detail: order });
      return;
    }
    const row: ImportRow = { action: 'update', kind: 'configuration', name: action.configurationName, id: found.id, detail: order };
    rows.push(row);
    writes.push({ row, run: async (api) => (await api.request<{ id: string }>('PATCH', `/access-key-configurations/${found.id}`, body())).id });
    return;
  }
  const row: ImportRow = { action: 'create', kind: 'configuration', name: action.configurationName, id: '', detail: order };
  rows.push(row);
  writes.push({
    row,
    run: async (api) =>
      (
        await api.request<{ id: string }>('POST', '/access-key-configurations', {
          name: action.configurationName,
          description: 'imported from an ngrok Traffic Policy',
          metadata,
          ...body(),
          ...(access ? {} : { access: undefined }),
        })
      ).id,
  });
}

function noteRows(notes: readonly PolicyNote[]): ImportRow[] {
  return notes.map((n) => ({ action: 'not imported', kind: 'policy', name: n.path, id: '', detail: n.reason }));
}

const DONE: Partial<Record<ImportRow['action'], ImportRow['action']>> = { create: 'created', update: 'updated' };

/**
 * `aigw import traffic-policy FILE`: the whole policy is read and checked, and every value gathered, before
 * the first write, so a malformed policy changes nothing. A write that fails part way stops the import and
 * says what it had created; running it again finishes the job without duplicates.
 */
export async function importTrafficPolicy({ io, api: connectApi }: Factory, options: TrafficPolicyOptions, file: string): Promise<void> {
  const sources = secretSources(options.secret);
  const tooLarge = () => invalid(`the policy is larger than ${POLICY_BYTES} bytes`);
  const text = await readInputFile(io, file, 'FILE', { bytes: POLICY_BYTES, tooLarge });
  const name = options.name ?? (file === '-' ? 'traffic-policy' : basename(file, extname(file)));
  if (!name.trim()) throw usageError('--name cannot be empty');
  const plan = readTrafficPolicy(await parsePolicy(text), name);
  const dryRun = options.dryRun === true;

  const api = connectApi();
  const [keys, providers, configurations] = await Promise.all([
    fetchPages<ExistingKey, any>(api, '/provider-keys', 'aiGatewayProviderKeys', true),
    fetchPages<ExistingProvider, any>(api, '/providers', 'aiGatewayProviders', true),
    fetchPages<ExistingConfiguration, any>(api, '/access-key-configurations', 'aiGatewayAccessKeyConfigurations', true),
  ]);
  const existing = { keys: keys.items, providers: providers.items, configurations: configurations.items };
  for (const provider of plan.actions.flatMap((a) => a.providers)) {
    if (provider.baseUrl === undefined && !builtinProvider(provider.id) && !existing.providers.some((p) => p.providerId === provider.id)) {
      throw malformed(`${provider.path}.id`, `"${provider.id}" is neither a built-in provider nor a custom one, and has no base_url; see \`aigw providers list\``);
    }
  }
  const referenced = new Set(plan.actions.flatMap((a) => a.providers.flatMap((p) => p.keys.map((k) => k.name))));
  for (const ref of sources.keys()) if (!referenced.has(ref)) io.warn(`--secret ${ref}: the policy has no secrets.get for it`);

  const rows: ImportRow[] = [];
  const writes: Write[] = [];
  for (const action of plan.actions) await planAction(io, action, existing, sources, dryRun, rows, writes);
  rows.push(...noteRows(plan.notes));

  if (!dryRun) {
    const created: string[] = [];
    for (const write of writes) {
      try {
        write.row.id = await io.spin(`Creating ${write.row.kind} ${write.row.name}`, () => write.run(api));
      } catch (err) {
        if (!(err instanceof AigwError)) throw err;
        throw new AigwError(
          ERRORS.importIncomplete,
          `could not ${write.row.action} ${write.row.kind} ${write.row.name}: ${err.message} (${err.code}); ` +
            `created before it stopped: ${created.length ? created.join(', ') : 'nothing'}; fix the cause and run the same import again`,
          { failedCode: err.code },
        );
      }
      write.row.action = DONE[write.row.action] ?? write.row.action;
      if (write.row.action === 'created') created.push(`${write.row.kind} ${write.row.name} (${write.row.id})`);
    }
  }
  await io.printList({ dryRun, items: rows }, rows, rowView);
  const configuration = rows.find((r) => r.kind === 'configuration' && r.id);
  if (dryRun) io.note('Dry run: nothing was changed.');
  else if (configuration) {
    io.success(`Imported ${name}; give it to an access key: aigw access-keys create --access-key-configuration-id ${configuration.id}`);
  }
}
