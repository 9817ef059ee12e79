import { Type, type TSchema } from '@sinclair/typebox';
import { AccessKey, AccessKeyList } from './access-keys.js';
import { Configuration, ConfigurationList } from './configurations.js';
import { ControlToken, ControlTokenList } from './control-tokens.js';
import { ProviderKey, ProviderKeyList } from './provider-keys.js';
import { BuiltinProvider, CustomProvider, ProviderList } from './providers.js';
import type { ResourceName } from './registry.js';

/**
 * Each registry entry's schemas: one item of its list, and the list answer. The registry itself stays
 * free of TypeBox (the CLI loads it); this is for the daemon side and the tests that check the two agree.
 */
export const RESOURCE_SCHEMAS: Record<ResourceName, { item: TSchema; list: TSchema }> = {
  'provider-keys': { item: ProviderKey, list: ProviderKeyList },
  'access-keys': { item: AccessKey, list: AccessKeyList },
  configs: { item: Configuration, list: ConfigurationList },
  'custom-providers': { item: CustomProvider, list: ProviderList },
  'control-tokens': { item: ControlToken, list: ControlTokenList },
  providers: { item: Type.Union([CustomProvider, BuiltinProvider]), list: ProviderList },
};
