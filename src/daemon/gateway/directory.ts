import { hashAccessToken, isWellFormedAccessToken } from '../../core/access-tokens.js';
import { DEFAULT_KEY_WEIGHT, type AccessScope, type Router } from '../../core/configs.js';
import { BUILTIN_PROVIDERS, type ApiFormat } from '../../core/providers.js';
import type { AccessKeyRecord, ConfigurationRecord, CustomProviderRecord, Store } from '../../store/types.js';
import type { GatewaySettings } from '../../core/gateway-config.js';
import { ownPricesFrom, priceBook } from '../../core/price-book.js';
import { PRICE_SETTING_PREFIX } from '../../core/prices.js';
import type {
  AccessRules,
  GatewayAccessKey,
  GatewayDirectory,
  GatewayProvider,
  GatewayProviderKey,
  PreviousToken,
  RouterRule,
  RoutingSnapshot,
  ScopeLimits,
} from './snapshot.js';

function accessRules(access: AccessScope | null): AccessRules {
  return { providers: access?.providers?.allow, models: access?.models?.allow };
}

/** Round-robin positions by configuration, rule and step, kept from one snapshot to the next. */
type Positions = Map<string, { next: number }>;

function routerRules(id: string, router: Router | null, previous: Positions, positions: Positions): RouterRule[] {
  return (router?.rules ?? []).map((r, ruleIndex) => ({
    provider: r.provider,
    model: r.model,
    steps: r.steps.map((s, stepIndex) => {
      const where = `${id}/${ruleIndex}/${stepIndex}`;
      // A new step starts at a random key, so that a daemon that restarts often does not favour the first.
      const position = previous.get(where) ?? { next: Math.floor(Math.random() * s.keys.length) };
      if (s.keySelectionStrategy === 'roundRobin') positions.set(where, position);
      return {
        strategy: s.keySelectionStrategy,
        keys: s.keys.map((k) => k.id),
        weights: s.keySelectionStrategy === 'weighted' ? s.keys.map((k) => k.weight ?? DEFAULT_KEY_WEIGHT) : undefined,
        position,
      };
    }),
  }));
}

const timeMs = (iso: string | null) => (iso === null ? null : Date.parse(iso));
/** The limits set on an access key and on its configuration; null when there are none, so the hot path skips them. */
function limitsOf(a: AccessKeyRecord, config: ConfigurationRecord | undefined): ScopeLimits[] | null {
  const scopes: ScopeLimits[] = [];
  if (a.budget || a.rateLimits) scopes.push({ id: a.id, kind: 'accessKey', budget: a.budget, rateLimits: a.rateLimits });
  if (config && (config.budget || config.rateLimits)) {
    scopes.push({ id: config.id, kind: 'configuration', budget: config.budget, rateLimits: config.rateLimits });
  }
  return scopes.length ? scopes : null;
}

function customProvider(p: CustomProviderRecord): GatewayProvider {
  const formats = [...new Set(p.supportedApiSurfaces.map((s) => s.format))].filter(
    (f): f is ApiFormat => f === 'openai' || f === 'anthropic',
  );
  const speaks = formats.length ? formats : (['openai'] as ApiFormat[]);
  return {
    id: p.providerId,
    resourceId: p.id,
    name: p.name,
    baseUrl: p.baseUrl,
    formats: speaks,
    // An Anthropic-only server takes Anthropic's header; everything else takes a bearer token.
    auth: speaks.includes('openai') ? 'bearer' : 'x-api-key',
    models: p.models.map((m) => m.modelId),
  };
}

/** Reads the whole routing picture from the Store and the gateway settings; runs only after a write. */
export class StoreDirectory implements GatewayDirectory {
  private positions: Positions = new Map();

  constructor(
    private readonly store: Store,
    private readonly settings: () => Promise<GatewaySettings>,
  ) {}

  tokenHash(token: string): string | undefined {
    return isWellFormedAccessToken(token) ? hashAccessToken(token) : undefined;
  }

  async load(): Promise<RoutingSnapshot> {
    const [settings, providerKeys, accessKeyRecords, configurations, customProviders, ownPrices] = await Promise.all([
      this.settings(),
      this.store.allProviderKeys(),
      this.store.allAccessKeys(),
      this.store.allConfigurations(),
      this.store.allCustomProviders(),
      this.store.getSettings(PRICE_SETTING_PREFIX).then(ownPricesFrom),
    ]);

    const providers = new Map<string, GatewayProvider>();
    for (const p of BUILTIN_PROVIDERS) {
      const baseUrl = settings.baseUrls[p.id] ?? p.baseUrl;
      providers.set(p.id, { id: p.id, resourceId: null, name: p.name, baseUrl, formats: p.formats, auth: p.auth, models: p.models });
    }
    for (const p of customProviders) providers.set(p.providerId, customProvider(p));

    const keys = new Map<string, GatewayProviderKey>();
    const keysByProvider = new Map<string, GatewayProviderKey[]>();
    for (const r of providerKeys) {
      const key: GatewayProviderKey = {
        id: r.id,
        providerId: r.providerId,
        name: r.name,
        keyRedacted: r.keyRedacted,
        accessKeyId: r.accessKeyId,
        secretRef: r.secretRef,
        disabled: r.disabled,
      };
      keys.set(key.id, key);
      const list = keysByProvider.get(key.providerId) ?? [];
      list.push(key);
      keysByProvider.set(key.providerId, list);
    }

    const configById = new Map(configurations.map((c) => [c.id, c]));
    // Built once per configuration, so its access keys share one round-robin position per step.
    const positions: Positions = new Map();
    const rulesById = new Map(configurations.map((c) => [c.id, routerRules(c.id, c.router, this.positions, positions)]));
    this.positions = positions;
    const accessKeys = new Map<string, GatewayAccessKey>();
    const previousTokens = new Map<string, PreviousToken>();
    for (const a of accessKeyRecords) {
      const config = a.accessKeyConfigurationId ? configById.get(a.accessKeyConfigurationId) : undefined;
      const accessKey: GatewayAccessKey = {
        id: a.id,
        limits: limitsOf(a, config),
        access: accessRules(config?.access ?? null),
        rules: (config && rulesById.get(config.id)) ?? [],
        caps: {
          maxInputTokens: config?.maxInputTokens ?? settings.maxInputTokens,
          maxOutputTokens: config?.maxOutputTokens ?? settings.maxOutputTokens,
        },
        expiresAtMs: timeMs(a.expiresAt),
        disabled: a.disabled,
      };
      accessKeys.set(a.tokenHash, accessKey);
      if (a.previousTokenHash !== null && a.previousTokenExpiresAt !== null) {
        previousTokens.set(a.previousTokenHash, { accessKey, untilMs: Date.parse(a.previousTokenExpiresAt) });
      }
    }
    return {
      accessKeys,
      previousTokens,
      providers,
      keys,
      keysByProvider,
      settings,
      prices: priceBook(ownPrices),
    };
  }
}
