import { checkBudgetWrite, checkRateLimitsWrite } from '../core/budgets.js';
import {
  configReferences,
  normalizeAccess,
  normalizeRouter,
  providerOfModel,
  ruleProvider,
  type AccessScope,
  type Router,
  type RouterWrite,
} from '../core/configs.js';
import { AigwError, ERRORS } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { checkLabels } from '../core/provider-keys.js';
import {
  type ConfigurationRecord,
  type Page,
  type PageQuery,
  type ProviderKeyRecord,
  type Store,
} from '../store/types.js';
import { systemClock, type Clock, type Logger } from './ports.js';
import type { ProviderService } from './providers.js';
import { refusalError } from './refusals.js';
import { isRefusal, StoreRules } from './rules.js';

export type { ConfigurationRecord };

export interface ConfigurationCreate {
  name: string;
  description?: string | undefined;
  metadata?: string | undefined;
  access?: AccessScope | undefined;
  router?: RouterWrite | undefined;
  maxInputTokens?: number | null | undefined;
  maxOutputTokens?: number | null | undefined;
  /** Checked here (checkBudget, checkRateLimits); shared by every key linked to the configuration. */
  budget?: unknown;
  rateLimits?: unknown;
}

export interface ConfigurationUpdate {
  name?: string | undefined;
  description?: string | undefined;
  metadata?: string | undefined;
  /** null: no restriction. */
  access?: AccessScope | null | undefined;
  /** null: no rules. */
  router?: RouterWrite | null | undefined;
  /** null: the account-wide cap again. */
  maxInputTokens?: number | null | undefined;
  maxOutputTokens?: number | null | undefined;
  /** null: none. */
  budget?: unknown;
  rateLimits?: unknown;
}

function notFound(id: string): AigwError {
  return new AigwError(ERRORS.notFound, `access key configuration ${id} does not exist; run \`aigw configs list\``, { id });
}

/** Access key configurations: which providers and models an access key reaches, and through which keys. */
export class ConfigurationService {
  private readonly rules: StoreRules;

  constructor(
    private readonly store: Store,
    private readonly providers: ProviderService,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.rules = new StoreRules(store);
  }

  /**
   * Checks every reference and rewrites provider references to providerIds. Returns the custom providers
   * the configuration depends on, which the store checks again inside its transaction.
   */
  private async resolve(access: AccessScope | null, router: Router | null) {
    const custom = new Set<string>();
    const canonical = async (reference: string) => {
      const provider = await this.providers.resolve(reference);
      if (provider.custom) custom.add(provider.providerId);
      return provider.providerId;
    };
    if (access?.providers?.allow) {
      access = { ...access, providers: { allow: [...new Set(await Promise.all(access.providers.allow.map(canonical)))] } };
    }
    for (const model of access?.models?.allow ?? []) {
      const provider = providerOfModel(model);
      if (provider) await canonical(provider);
    }
    if (router) {
      const keys = new Map<string, ProviderKeyRecord>();
      const ids = configReferences(null, router).providerKeyIds;
      for (const key of await this.store.getProviderKeys(ids)) keys.set(key.id, key);
      const missing = ids.filter((id) => !keys.has(id));
      if (missing.length) {
        throw new AigwError(ERRORS.invalidRouter, `invalid router configuration: provider key ${missing[0]} does not exist`, {
          providerKeyId: missing[0]!,
        });
      }
      const rules = [];
      for (const rule of router.rules) {
        const provider = rule.provider === undefined ? undefined : await canonical(rule.provider);
        const resolved = { ...rule, ...(provider === undefined ? {} : { provider }) };
        const expected = ruleProvider(resolved);
        if (expected && !rule.provider) await canonical(expected);
        for (const step of rule.steps) {
          for (const { id } of step.keys) {
            const key = keys.get(id)!;
            if (expected && key.providerId !== expected) {
              throw new AigwError(
                ERRORS.invalidRouter,
                `invalid router configuration: provider key ${id} is for ${key.providerId}, but its rule routes ${expected}`,
                { providerKeyId: id },
              );
            }
          }
        }
        rules.push(resolved);
      }
      router = { rules };
    }
    return { access, router, customProviderIds: [...custom] };
  }

  async create(input: ConfigurationCreate): Promise<ConfigurationRecord> {
    checkLabels(input);
    const budget = checkBudgetWrite(input.budget) ?? null;
    const rateLimits = checkRateLimitsWrite(input.rateLimits) ?? null;
    const { access, router, customProviderIds } = await this.resolve(
      input.access === undefined ? null : normalizeAccess(input.access),
      input.router === undefined ? null : normalizeRouter(input.router),
    );
    const now = this.clock.now();
    const record: ConfigurationRecord = {
      id: newId('accessKeyConfiguration'),
      name: input.name,
      description: input.description ?? '',
      metadata: input.metadata ?? '',
      access,
      router,
      maxInputTokens: input.maxInputTokens ?? null,
      maxOutputTokens: input.maxOutputTokens ?? null,
      budget,
      rateLimits,
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.rules.createConfiguration(record, customProviderIds);
    if (isRefusal(created)) throw refusalError(created, 'the access key configuration');
    this.log.info({ id: record.id }, 'access key configuration created');
    return created;
  }

  async get(id: string): Promise<ConfigurationRecord> {
    const record = await this.store.getConfiguration(id);
    if (!record) throw notFound(id);
    return record;
  }

  list(query: PageQuery): Promise<Page<ConfigurationRecord>> {
    return this.store.listConfigurations(query);
  }

  /** The provider keys the configurations' rules name, for showing their names and redacted values. */
  async keysOf(records: readonly ConfigurationRecord[]): Promise<Map<string, ProviderKeyRecord>> {
    const ids = new Set(records.flatMap((r) => configReferences(null, r.router).providerKeyIds));
    return new Map((await this.store.getProviderKeys([...ids])).map((k) => [k.id, k]));
  }

  async update(id: string, input: ConfigurationUpdate): Promise<ConfigurationRecord> {
    checkLabels(input);
    const budget = checkBudgetWrite(input.budget);
    const rateLimits = checkRateLimitsWrite(input.rateLimits);
    const current = await this.get(id);
    const access = input.access === undefined ? current.access : input.access && normalizeAccess(input.access);
    const router = input.router === undefined ? current.router : input.router && normalizeRouter(input.router);
    const resolved = await this.resolve(access, router);
    const patch = {
      name: input.name,
      description: input.description,
      metadata: input.metadata,
      access: input.access === undefined ? undefined : resolved.access,
      router: input.router === undefined ? undefined : resolved.router,
      maxInputTokens: input.maxInputTokens,
      maxOutputTokens: input.maxOutputTokens,
      budget,
      rateLimits,
    };
    const record = await this.rules.updateConfiguration(id, patch, resolved.customProviderIds, this.clock.now());
    if (!record) throw notFound(id);
    if (isRefusal(record)) throw refusalError(record, `access key configuration ${id}`);
    this.log.info({ id }, 'access key configuration updated');
    return record;
  }

  /** Refuses while an access key links the configuration. */
  async delete(id: string): Promise<void> {
    const deleted = await this.rules.deleteConfiguration(id);
    if (!deleted) throw notFound(id);
    if (isRefusal(deleted)) throw refusalError(deleted, `access key configuration ${id}`);
    this.log.info({ id }, 'access key configuration deleted');
  }
}
