import type { Configuration } from '../../core/api/configurations.js';
import { idArgument, RESOURCES } from '../../core/api/registry.js';
import { whyNothingReachable, type AccessScope, type RouterRuleWrite, type RouterStepWrite } from '../../core/configs.js';
import { AigwError, ERRORS } from '../../core/errors.js';
import { checkLabels } from '../../core/provider-keys.js';
import { collect, handler, type FlagOptions, type Program } from '../command.js';
import type { Command, OptionValues } from '../commander.js';
import type { Factory } from '../factory.js';
import { lazySubcommands } from '../lazy-commands.js';
import { usageError } from '../errors.js';
import type { IO, View } from '../io.js';
import { cap } from './gateway.js';
import { confirmDelete, deleteCommand, getCommand, itemPath, labelFlags, listCommand, listVerb, pageFlags, tableColumns, type DeleteOptions, type LabelOptions } from '../resource.js';
import { readInputFile } from '../secret-input.js';
import { budgetColumn, limitDetails, limitFields, limitFlags, limitFlagsGiven, limitRemovalFlags } from '../limits.js';

interface StepKey {
  id: string;
  weight?: number;
}

/** A step's key as it is written back: its id, and its weight in a weighted step. */
const writableKey = ({ id, weight }: StepKey): StepKey => (weight === undefined ? { id } : { id, weight });

/** A configuration's own cap, or what applies without one. */
const capText = (n: number | null) => (n === null ? "the gateway's" : String(n));

const RESOURCE = RESOURCES.configs;
const PATH = RESOURCE.path;

function allowed(c: Configuration, dimension: 'providers' | 'models'): string {
  const allow = c.access?.[dimension]?.allow;
  if (allow === undefined) return 'any';
  return allow.length ? allow.join(',') : 'none';
}

/**
 * One line per rule: `openai: aigpk_a,aigpk_b → roundRobin:aigpk_c,aigpk_d` (steps in order, keys in order
 * within a step, a step's strategy before its keys unless it is ordered), as --step takes them.
 */
function rules(c: Configuration): string[] {
  return (c.router?.rules ?? []).map((rule) => {
    const scope = [rule.provider, rule.model].filter(Boolean).join(' ');
    const step = (s: { keySelectionStrategy?: string; keys?: StepKey[] }) => {
      const keys = (s.keys ?? []).map((k) => (k.weight === undefined ? k.id : `${k.id}=${k.weight}`)).join(',');
      return !s.keySelectionStrategy || s.keySelectionStrategy === 'ordered' ? keys : `${s.keySelectionStrategy}:${keys}`;
    };
    return `${scope}: ${rule.steps.map(step).join(' → ')}`;
  });
}

const view: View<Configuration> = {
  id: (c) => c.id,
  columns: tableColumns<Configuration, typeof RESOURCE>(RESOURCE, {
    id: (c) => c.id,
    name: (c) => c.name,
    'access.providers': (c) => allowed(c, 'providers'),
    'access.models': (c) => allowed(c, 'models'),
    'router.rules': (c) => String(c.router?.rules.length ?? 0),
    createdAt: (c, io) => io.time(c.createdAt),
    spend: budgetColumn<Configuration>().value,
  }),
  details: [
    { header: 'ID', field: 'id', value: (c) => c.id },
    { header: 'Name', field: 'name', value: (c) => c.name },
    { header: 'Description', field: 'description', value: (c) => c.description ?? '' },
    { header: 'Metadata', field: 'metadata', value: (c) => c.metadata ?? '' },
    { header: 'Providers', field: 'access.providers', value: (c) => allowed(c, 'providers') },
    { header: 'Models', field: 'access.models', value: (c) => allowed(c, 'models') },
    { header: 'Router rules', field: 'router.rules', value: (c, io) => rules(c).join(io.format === 'table' ? '\n' : '; ') },
    { header: 'Max input tokens', field: 'maxInputTokens', value: (c) => capText(c.maxInputTokens) },
    { header: 'Max output tokens', field: 'maxOutputTokens', value: (c) => capText(c.maxOutputTokens) },
    ...limitDetails<Configuration>(),
    { header: 'Created', field: 'createdAt', value: (c, io) => io.time(c.createdAt) },
    { header: 'Updated', field: 'updatedAt', value: (c, io) => io.time(c.updatedAt) },
  ],
};

/** The management API takes bodies up to 64 KiB; a larger document could never be sent. */
const DOCUMENT_BYTES = 64 * 1024;

async function readDocument(io: IO, path: string): Promise<Record<string, unknown>> {
  const text = await readInputFile(io, path, '--file', {
    bytes: DOCUMENT_BYTES,
    tooLarge: () => new AigwError(ERRORS.bodyTooLarge, `--file ${path} is larger than 64 KiB, the most the management API accepts`, { path }),
  });
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new AigwError(ERRORS.invalidInputFile, `--file ${path} is not valid JSON (${(err as Error).message})`, { path });
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new AigwError(ERRORS.invalidInputFile, `--file ${path} must hold a JSON object`, { path });
  }
  return writable(document as Record<string, unknown>);
}

const READ_ONLY = ['id', 'uri', 'createdAt', 'updatedAt', 'createdBy', 'lastUpdatedBy', 'spend', 'rateLimitUse'];

/**
 * Lets the output of `configs get -o json` be edited and sent back: read-only fields are dropped and keys
 * shown as `{id, name, keyRedacted}` go back as `{id}`.
 */
function writable(document: Record<string, unknown>): Record<string, unknown> {
  const out = Object.fromEntries(Object.entries(document).filter(([k]) => !READ_ONLY.includes(k)));
  const router = out.router as Configuration['router'] | undefined;
  if (router && Array.isArray(router.rules)) {
    out.router = {
      ...router,
      rules: router.rules.map((rule) => ({
        ...rule,
        steps: Array.isArray(rule.steps)
          ? rule.steps.map((step) => ({
              ...step,
              ...(Array.isArray(step.keys)
                ? { keys: step.keys.map((key) => (typeof key?.id === 'string' && !('value' in key) ? writableKey(key) : key)) }
                : {}),
            }))
          : rule.steps,
      })),
    };
  }
  return out;
}

/** The one rule the flags describe, or undefined when they describe none. */
function ruleFromFlags(options: DocumentOptions): RouterRuleWrite | undefined {
  const scoped = options.routeProvider !== undefined || options.routeModel !== undefined;
  if (!scoped && options.step.length === 0) return undefined;
  if (!scoped) throw usageError('--step needs --route-provider or --route-model to say what it routes');
  if (options.step.length === 0) throw usageError('a route needs at least one --step with provider key ids');
  return {
    ...(options.routeProvider ? { provider: options.routeProvider } : {}),
    ...(options.routeModel ? { model: options.routeModel } : {}),
    steps: options.step.map(stepFromFlag),
  };
}

/**
 * One --step: `aigpk_a,aigpk_b` (tried in order), `roundRobin:aigpk_a,aigpk_b`, or `weighted:aigpk_a=3,aigpk_b=1`
 * (weights alone imply weighted). The daemon checks the strategy and the weights.
 */
function stepFromFlag(spec: string): RouterStepWrite {
  const colon = spec.indexOf(':');
  const strategy = colon >= 0 ? spec.slice(0, colon).trim() : undefined;
  const keys = (colon >= 0 ? spec.slice(colon + 1) : spec)
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry): StepKey => {
      const equals = entry.indexOf('=');
      if (equals < 0) return { id: entry };
      const raw = entry.slice(equals + 1).trim();
      const weight = Number(raw);
      if (raw === '' || !Number.isFinite(weight)) {
        throw new AigwError(ERRORS.invalidKeyWeight, `--step ${spec}: the weight "${raw}" is not a number; write id=3`, { field: '--step' });
      }
      return { id: entry.slice(0, equals).trim(), weight };
    });
  const weighted = keys.some((k) => k.weight !== undefined);
  return { type: 'user', keySelectionStrategy: strategy ?? (weighted ? 'weighted' : 'ordered'), keys };
}

function documentFlagsGiven(options: DocumentOptions): boolean {
  return options.allowProvider.length > 0 || options.allowModel.length > 0 || ruleFromFlags(options) !== undefined;
}

/** The fields that stand beside the document (given with --file or without): labels and token caps. */
function labels(options: DocumentOptions & LabelOptions): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  const maxInputTokens = cap('--max-input-tokens', options.maxInputTokens);
  const maxOutputTokens = cap('--max-output-tokens', options.maxOutputTokens);
  if (maxInputTokens !== undefined) out.maxInputTokens = maxInputTokens;
  if (maxOutputTokens !== undefined) out.maxOutputTokens = maxOutputTokens;
  if (options.name !== undefined) out.name = options.name;
  if (options.description !== undefined) out.description = options.description;
  if (options.metadata !== undefined) out.metadata = options.metadata;
  return out;
}

async function create({ io, api }: Factory, options: FlagOptions<typeof createFlags<[], {}, {}>>): Promise<void> {
  checkLabels(options);
  let body: Record<string, unknown>;
  if (options.file !== undefined) {
    if (documentFlagsGiven(options)) throw usageError('give access and routes either in --file or as flags, not both');
    body = { ...(await readDocument(io, options.file)), ...labels(options), ...limitFields(options) };
  } else {
    body = { ...labels(options), ...limitFields(options) };
    const access: AccessScope = {};
    if (options.allowProvider.length) access.providers = { allow: options.allowProvider };
    if (options.allowModel.length) access.models = { allow: options.allowModel };
    if (access.providers || access.models) body.access = access;
    const rule = ruleFromFlags(options);
    if (rule) body.router = { rules: [rule] };
  }
  if (body.name === undefined) throw usageError('a configuration needs a name: pass --name (or "name" in --file)');
  const client = api();
  const configuration = await client.request<Configuration>('POST', PATH, body);
  io.success(`Created access key configuration ${configuration.id}`);
  await io.printItem(configuration, view);
  warnIfNothingReachable(io, configuration);
}

/** Saved as asked (an empty list is a deliberate "nothing"), but said, since an access key linked to it gets only 403s. */
function warnIfNothingReachable(io: IO, configuration: Configuration): void {
  const why = whyNothingReachable(configuration.access);
  if (why) io.warn(`${configuration.id} allows nothing: ${why}; access keys linked to it are refused every request`);
}

const list = listVerb(RESOURCE, view);

/** Flags change one part and keep the rest: the current document is read first and merged. */
async function update({ io, api }: Factory, options: FlagOptions<typeof updateFlags<[], {}, {}>>, id: string): Promise<void> {
  checkLabels(options);
  const client = api();
  let patch: Record<string, unknown> = labels(options);
  if (options.file !== undefined) {
    if (documentFlagsGiven(options) || options.allowAll || options.clearRouter) {
      throw usageError('give access and routes either in --file or as flags, not both');
    }
    patch = { ...(await readDocument(io, options.file)), ...patch };
  } else if (documentFlagsGiven(options) || options.allowAll || options.clearRouter) {
    if (options.allowAll && (options.allowProvider.length || options.allowModel.length)) {
      throw usageError('--allow-all lifts every restriction; do not combine it with --allow-provider or --allow-model');
    }
    const current = await client.request<Configuration>('GET', itemPath(PATH, id));
    if (options.allowAll) patch.access = null;
    else if (options.allowProvider.length || options.allowModel.length) {
      patch.access = {
        ...current.access,
        ...(options.allowProvider.length ? { providers: { allow: options.allowProvider } } : {}),
        ...(options.allowModel.length ? { models: { allow: options.allowModel } } : {}),
      };
    }
    const rule = ruleFromFlags(options);
    if (options.clearRouter) {
      if (rule) throw usageError('--clear-router removes every rule; do not combine it with a route');
      patch.router = null;
    } else if (rule) {
      // Replace the rule with the same scope, or add one; steps come back expanded, so send ids only.
      const others = (current.router?.rules ?? [])
        .filter((r) => r.provider !== rule.provider || r.model !== rule.model)
        .map((r) => ({ ...r, steps: r.steps.map((s) => ({ ...s, keys: (s.keys ?? []).map(writableKey) })) }));
      patch.router = { rules: [...others, rule] };
    }
  }
  // The limit flags change only what they name: the rest of the configuration's budget and limits stays.
  if (limitFlagsGiven(options)) Object.assign(patch, limitFields(options, await client.request<Configuration>('GET', itemPath(PATH, id))));
  if (Object.keys(patch).length === 0) {
    throw usageError('nothing to update: pass --name, --description, --metadata, --file, --allow-…, a route, --clear-router, a --max-… cap, a --budget… or rate limit flag');
  }
  const configuration = await client.request<Configuration>('PATCH', itemPath(PATH, id), patch);
  io.success(`Updated access key configuration ${configuration.id}`);
  await io.printItem(configuration, view);
  warnIfNothingReachable(io, configuration);
}

async function remove({ io, api }: Factory, options: DeleteOptions, id: string): Promise<void> {
  const client = api();
  await confirmDelete(io, options, id, async () => {
    const configuration = await client.request<Configuration>('GET', itemPath(PATH, id));
    return `Delete access key configuration ${id} (${configuration.name})?`;
  });
  await client.request<void>('DELETE', itemPath(PATH, id));
  io.success(`Deleted access key configuration ${id}`);
}

function documentFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return command
    .option('--file <path>', 'the configuration as JSON, in ngrok\'s shape (- for standard input)')
    .option('--allow-provider <id>', 'allow this provider (repeat for more); omitted: any provider', collect, [])
    .option('--allow-model <model>', 'allow this model (repeat for more); omitted: any model', collect, [])
    .option('--route-provider <id>', 'a router rule for this provider, with its --step flags')
    .option('--route-model <model>', 'a router rule for this model, such as openai:gpt-4o, with its --step flags')
    .option(
      '--step <ids>',
      'provider key ids tried in order, comma-separated; repeat for the next step. Prefix roundRobin: or weighted: ' +
        '(with id=weight) to spread requests over them',
      collect,
      [],
    )
    .option('--max-input-tokens <n>', "cap on input tokens per request for this configuration's keys (none: the gateway's cap)")
    .option('--max-output-tokens <n>', "cap on output tokens per request for this configuration's keys (none: the gateway's cap)");
}

type DocumentOptions = FlagOptions<typeof documentFlags<[], {}, {}>>;

function createFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return limitFlags(documentFlags(labelFlags(command, 'configuration')), 'configuration (shared by its access keys)');
}

function updateFlags<A extends unknown[], O extends OptionValues, G extends OptionValues>(command: Command<A, O, G>) {
  return limitRemovalFlags(createFlags(command))
    .option('--allow-all', 'lift the provider and model restrictions')
    .option('--clear-router', 'remove every router rule');
}

const EXAMPLE = `
Examples:
  aigw configs create --name prod --allow-provider openai \\
    --route-provider openai --step aigpk_a,aigpk_b --step aigpk_c
  aigw configs create --name spread --route-provider openai \\
    --step roundRobin:aigpk_a,aigpk_b --step aigpk_c
  aigw configs create --name canary --route-provider openai --step weighted:aigpk_a=9,aigpk_b=1
  aigw configs create --file config.json
  aigw configs create --name team --budget 100 --budget-period week --rpm 600`;

export function registerConfigs(program: Program): void {
  const configs = program
    .command('configs')
    .alias('access-key-configurations')
    .description('what access keys may reach (providers, models) and which provider keys serve them');
  lazySubcommands(configs, () => {
    createFlags(configs.command('create').description('create an access key configuration'))
      .addHelpText('after', EXAMPLE)
      .action(handler(create));

    pageFlags(listCommand(configs, 'list configurations, newest first')).action(handler(list));

    getCommand(configs, RESOURCE, view);

    updateFlags(configs.command('update').description('change a configuration; flags replace only what they name'))
      .argument('<id>', idArgument(RESOURCE))
      .action(handler(update));

    deleteCommand(configs, 'delete a configuration that no access key links', RESOURCE)
      .action(handler(remove));
  });
}
