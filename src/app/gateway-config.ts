import { AigwError, ERRORS } from '../core/errors.js';
import { checkBaseUrl } from '../core/custom-providers.js';
import { checkTimeout, GATEWAY_DEFAULTS, type GatewayConfig, type GatewaySettings, type PassthroughSetting } from '../core/gateway-config.js';
import { checkLabels } from '../core/provider-keys.js';
import { BUILTIN_PROVIDERS, builtinProvider } from '../core/providers.js';
import type { Store } from '../store/types.js';
import type { Logger } from './ports.js';

export interface GatewayConfigUpdate {
  totalTimeout?: string | undefined;
  perRequestTimeout?: string | undefined;
  maxInputTokens?: number | null | undefined;
  maxOutputTokens?: number | null | undefined;
  metadata?: string | null | undefined;
  /** Merged: a provider set to null loses its override; the whole field null clears them all. */
  providerBaseUrls?: Record<string, string | null> | null | undefined;
  /** Merged like providerBaseUrls: a provider set to null loses passthrough. */
  passthroughProviders?: Record<string, { allowNonLoopback?: boolean | undefined } | null> | undefined;
}

const PREFIX = 'gateway.';
const BASE_URL_PREFIX = `${PREFIX}providerBaseUrl.`;
const PASSTHROUGH_PREFIX = `${PREFIX}passthrough.`;
/** The stored value of a passthrough setting: where it may act. */
const LOOPBACK_ONLY = 'loopback';
const ANY_ADDRESS = 'anyAddress';
const NULLABLE = ['maxInputTokens', 'maxOutputTokens', 'metadata'] as const;

export class GatewayConfigService {
  /** `gatewayOnLoopback`: whether this daemon's gateway listens on a loopback address (passthrough depends on it). */
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly gatewayOnLoopback = true,
  ) {}

  async get(): Promise<GatewayConfig> {
    const stored = await this.store.getSettings(PREFIX);
    const providerBaseUrls: Record<string, string> = {};
    const passthroughProviders: Record<string, PassthroughSetting> = {};
    for (const [name, value] of Object.entries(stored)) {
      if (name.startsWith(BASE_URL_PREFIX)) providerBaseUrls[name.slice(BASE_URL_PREFIX.length)] = value;
      if (name.startsWith(PASSTHROUGH_PREFIX)) {
        const allowNonLoopback = value === ANY_ADDRESS;
        passthroughProviders[name.slice(PASSTHROUGH_PREFIX.length)] = { allowNonLoopback, active: allowNonLoopback || this.gatewayOnLoopback };
      }
    }
    const number = (name: string) => (stored[PREFIX + name] === undefined ? null : Number(stored[PREFIX + name]));
    return {
      totalTimeout: stored[`${PREFIX}totalTimeout`] ?? GATEWAY_DEFAULTS.totalTimeout,
      perRequestTimeout: stored[`${PREFIX}perRequestTimeout`] ?? GATEWAY_DEFAULTS.perRequestTimeout,
      maxInputTokens: number('maxInputTokens'),
      maxOutputTokens: number('maxOutputTokens'),
      metadata: stored[`${PREFIX}metadata`] ?? null,
      providerBaseUrls,
      passthroughProviders,
    };
  }

  /** For the gateway: read when its routing snapshot is rebuilt. */
  async settings(): Promise<GatewaySettings> {
    const config = await this.get();
    return {
      totalTimeoutMs: checkTimeout('totalTimeout', config.totalTimeout),
      perRequestTimeoutMs: checkTimeout('perRequestTimeout', config.perRequestTimeout),
      maxInputTokens: config.maxInputTokens,
      maxOutputTokens: config.maxOutputTokens,
      baseUrls: Object.fromEntries(BUILTIN_PROVIDERS.map((p) => [p.id, config.providerBaseUrls[p.id] ?? p.baseUrl])),
      passthrough: new Set(Object.entries(config.passthroughProviders).filter(([, p]) => p.active).map(([id]) => id)),
    };
  }

  /**
   * Settings entries for passthrough changes. Enabling needs a loopback gateway unless the caller says it
   * means another address; the provider must be a built-in or an existing custom provider.
   */
  private async passthroughEntries(changes: NonNullable<GatewayConfigUpdate['passthroughProviders']>): Promise<Record<string, string | null>> {
    const entries: Record<string, string | null> = {};
    const custom = new Set((await this.store.allCustomProviders()).map((p) => p.providerId));
    for (const [id, change] of Object.entries(changes)) {
      if (change === null) {
        entries[PASSTHROUGH_PREFIX + id] = null;
        continue;
      }
      if (!builtinProvider(id) && !custom.has(id)) {
        throw new AigwError(ERRORS.unknownProvider, `"${id}" is not a built-in or custom provider; see \`aigw providers list\``, {
          providerId: id,
        });
      }
      const anyAddress = change.allowNonLoopback === true;
      if (!anyAddress && !this.gatewayOnLoopback) {
        throw new AigwError(
          ERRORS.passthroughNotLoopback,
          `the gateway listens on a non-loopback address, where anyone who reaches it could spend through it; ` +
            `to enable passthrough for ${id} there anyway, pass --allow-non-loopback`,
          { providerId: id },
        );
      }
      entries[PASSTHROUGH_PREFIX + id] = anyAddress ? ANY_ADDRESS : LOOPBACK_ONLY;
    }
    return entries;
  }

  private baseUrlEntries(current: GatewayConfig, urls: Record<string, string | null> | null): Record<string, string | null> {
    const entries: Record<string, string | null> = {};
    if (urls === null) {
      for (const id of Object.keys(current.providerBaseUrls)) entries[BASE_URL_PREFIX + id] = null;
      return entries;
    }
    for (const [id, url] of Object.entries(urls)) {
      if (!builtinProvider(id)) {
        throw new AigwError(
          ERRORS.unknownProvider,
          `"${id}" is not a built-in provider; only built-in providers' base URLs are overridden here ` +
            '(a custom provider has its own baseUrl: `aigw providers update`)',
          { providerId: id },
        );
      }
      entries[BASE_URL_PREFIX + id] = url === null ? null : checkBaseUrl(url, `providerBaseUrls.${id}`);
    }
    return entries;
  }

  async update(input: GatewayConfigUpdate): Promise<GatewayConfig> {
    const current = await this.get();
    checkLabels({ metadata: input.metadata });
    const total = checkTimeout('totalTimeout', input.totalTimeout ?? current.totalTimeout);
    const perRequest = checkTimeout('perRequestTimeout', input.perRequestTimeout ?? current.perRequestTimeout);
    if (perRequest > total) {
      throw new AigwError(ERRORS.invalidField, 'perRequestTimeout cannot be longer than totalTimeout', {
        field: 'perRequestTimeout',
      });
    }
    const entries: Record<string, string | null> = {};
    if (input.totalTimeout !== undefined) entries[`${PREFIX}totalTimeout`] = input.totalTimeout;
    if (input.perRequestTimeout !== undefined) entries[`${PREFIX}perRequestTimeout`] = input.perRequestTimeout;
    for (const field of NULLABLE) {
      const value = input[field];
      if (value !== undefined) entries[PREFIX + field] = value === null ? null : String(value);
    }
    if (input.providerBaseUrls !== undefined) Object.assign(entries, this.baseUrlEntries(current, input.providerBaseUrls));
    if (input.passthroughProviders !== undefined) Object.assign(entries, await this.passthroughEntries(input.passthroughProviders));
    await this.store.setSettings(entries);
    this.log.info({ changed: Object.keys(entries) }, 'gateway settings updated');
    return this.get();
  }
}
