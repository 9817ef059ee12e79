import { AigwError, ERRORS } from '../core/errors.js';
import { checkBaseUrl, checkModelIds, checkProviderId, normalizeSurfaces, type SupportedApiSurface } from '../core/custom-providers.js';
import { newId } from '../core/ids.js';
import { checkLabels, PROVIDER_LABEL_RULES } from '../core/provider-keys.js';
import { builtinProvider } from '../core/providers.js';
import {
  type CustomProviderPatch,
  type CustomProviderRecord,
  type Page,
  type PageQuery,
  type ProviderModelRecord,
  type Store,
} from '../store/types.js';
import { systemClock, type Clock, type Logger } from './ports.js';
import { refusalError } from './refusals.js';
import { isRefusal, StoreRules } from './rules.js';

export type { CustomProviderRecord };

export interface CustomProviderCreate {
  providerId: string;
  name: string;
  baseUrl: string;
  description?: string | undefined;
  metadata?: string | undefined;
  supportedApiSurfaces?: SupportedApiSurface[] | undefined;
  models?: { modelId: string }[] | undefined;
}

export interface CustomProviderUpdate {
  name?: string | undefined;
  baseUrl?: string | undefined;
  description?: string | undefined;
  metadata?: string | undefined;
  /** null clears. */
  supportedApiSurfaces?: SupportedApiSurface[] | null | undefined;
  /** The full new set; null or [] clears. */
  models?: { modelId: string }[] | null | undefined;
}

/** A provider reference resolved to its providerId, and whether it is a custom one. */
export interface ResolvedProvider {
  providerId: string;
  custom: boolean;
}

function notFound(id: string): AigwError {
  const hint = builtinProvider(id) ? `${id} is a built-in provider, not a custom one` : `run \`aigw providers list\``;
  return new AigwError(ERRORS.notFound, `custom provider ${id} does not exist; ${hint}`, { id });
}

/** A server that speaks OpenAI's API unless it says otherwise. */
const DEFAULT_SURFACES: SupportedApiSurface[] = [{ format: 'openai' }];

/** Custom providers (Ollama, vLLM, any OpenAI- or Anthropic-compatible server) beside the built-in catalog. */
export class ProviderService {
  private readonly rules: StoreRules;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {
    this.rules = new StoreRules(store);
  }

  /** Keeps the ids of models that stay, so a model's id does not change when the list is edited. */
  private models(input: { modelId: string }[], current: ProviderModelRecord[] = []): ProviderModelRecord[] {
    const modelIds = input.map((m) => m.modelId);
    checkModelIds(modelIds);
    const kept = new Map(current.map((m) => [m.modelId, m.id]));
    return modelIds.map((modelId) => ({ id: kept.get(modelId) ?? newId('providerModel'), modelId }));
  }

  /** A built-in id or a custom provider's providerId (or `aigp_…` id); anything else is 27508. */
  async resolve(reference: string): Promise<ResolvedProvider> {
    if (builtinProvider(reference)) return { providerId: reference, custom: false };
    const custom = await this.store.getCustomProvider(reference);
    if (custom) return { providerId: custom.providerId, custom: true };
    throw new AigwError(
      ERRORS.unknownProvider,
      `the provider id "${reference}" is not a supported AI provider; run \`aigw providers list\``,
      { providerId: reference },
    );
  }

  async create(input: CustomProviderCreate): Promise<CustomProviderRecord> {
    checkProviderId(input.providerId);
    checkLabels(input, PROVIDER_LABEL_RULES);
    if (input.name.trim() === '') throw new AigwError(ERRORS.missingField, 'the name field cannot be empty', { field: 'name' });
    checkBaseUrl(input.baseUrl);
    const now = this.clock.now();
    const record: CustomProviderRecord = {
      id: newId('provider'),
      providerId: input.providerId,
      name: input.name,
      description: input.description ?? '',
      metadata: input.metadata ?? '',
      baseUrl: input.baseUrl,
      supportedApiSurfaces: normalizeSurfaces(input.supportedApiSurfaces ?? DEFAULT_SURFACES),
      models: this.models(input.models ?? []),
      createdAt: now,
      updatedAt: now,
    };
    const created = await this.rules.createCustomProvider(record);
    if (isRefusal(created)) throw refusalError(created, `provider ${input.providerId}`);
    this.log.info({ id: record.id, providerId: record.providerId, baseUrl: record.baseUrl }, 'custom provider created');
    return created;
  }

  async get(idOrProviderId: string): Promise<CustomProviderRecord> {
    const record = await this.store.getCustomProvider(idOrProviderId);
    if (!record) throw notFound(idOrProviderId);
    return record;
  }

  list(query: PageQuery): Promise<Page<CustomProviderRecord>> {
    return this.store.listCustomProviders(query);
  }

  async update(idOrProviderId: string, input: CustomProviderUpdate): Promise<CustomProviderRecord> {
    const current = await this.get(idOrProviderId);
    checkLabels(input, PROVIDER_LABEL_RULES);
    if (input.name !== undefined && input.name.trim() === '') {
      throw new AigwError(ERRORS.invalidField, 'the name field cannot be empty', { field: 'name' });
    }
    if (input.baseUrl !== undefined) checkBaseUrl(input.baseUrl);
    const patch: CustomProviderPatch = {
      name: input.name,
      description: input.description,
      metadata: input.metadata,
      baseUrl: input.baseUrl,
      supportedApiSurfaces:
        input.supportedApiSurfaces === undefined ? undefined : normalizeSurfaces(input.supportedApiSurfaces ?? DEFAULT_SURFACES),
      models: input.models === undefined ? undefined : this.models(input.models ?? [], current.models),
    };
    const record = await this.rules.updateCustomProvider(current.id, patch, this.clock.now());
    if (!record) throw notFound(idOrProviderId);
    this.log.info({ id: record.id }, 'custom provider updated');
    return record;
  }

  async delete(idOrProviderId: string): Promise<void> {
    const current = await this.get(idOrProviderId);
    const deleted = await this.rules.deleteCustomProvider(current.id);
    if (!deleted) throw notFound(idOrProviderId);
    if (isRefusal(deleted)) throw refusalError(deleted, `provider ${current.providerId}`);
    this.log.info({ id: current.id, providerId: current.providerId }, 'custom provider deleted');
  }
}
