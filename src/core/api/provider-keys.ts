import { body, clearableText, flag, list, Owner, pageQuery, shape, text, Type, type Static } from './schema.js';

/** Provider keys (`aigpk_…`), field for field as ngrok.ai's AIGatewayProviderKey; never the value. */
export const ProviderKey = shape({
  id: text,
  uri: text,
  createdAt: text,
  updatedAt: text,
  providerId: text,
  name: text,
  keyRedacted: text,
  createdBy: Owner,
  lastUpdatedBy: Owner,
  description: text,
  metadata: text,
  lastUsed: Type.Union([text, Type.Null()]),
  /** Added by aigw: the access key the provider key is attached to, or null for an account-wide key. */
  accessKeyId: Type.Union([text, Type.Null()]),
  /** Added by aigw: a disabled key stays in its router rules, and the gateway skips it. */
  disabled: flag,
});
export type ProviderKey = Static<typeof ProviderKey>;

export const ProviderKeyList = list('aiGatewayProviderKeys', ProviderKey);
export type ProviderKeyList = Static<typeof ProviderKeyList>;

export const ProviderKeyListQuery = Type.Object({ ...pageQuery, provider: Type.Optional(text), accessKeyId: Type.Optional(text) });
export type ProviderKeyListQuery = Static<typeof ProviderKeyListQuery>;

export const ProviderKeyCreate = body({
  providerId: text,
  value: text,
  name: Type.Optional(text),
  description: Type.Optional(text),
  metadata: Type.Optional(text),
  accessKeyId: Type.Optional(text),
});
export type ProviderKeyCreate = Static<typeof ProviderKeyCreate>;

export const ProviderKeyUpdate = body({
  name: Type.Optional(clearableText),
  description: Type.Optional(clearableText),
  metadata: Type.Optional(clearableText),
  disabled: Type.Optional(flag),
});
export type ProviderKeyUpdate = Static<typeof ProviderKeyUpdate>;

export const ProviderKeyRotate = body({ value: text, name: Type.Optional(text) });
export type ProviderKeyRotate = Static<typeof ProviderKeyRotate>;

/** Added by aigw: is this value stored already (for an import)? A POST body, so the value is never in a URL. */
export const ProviderKeyLookup = body({ value: text, providerId: Type.Optional(text) });
export type ProviderKeyLookup = Static<typeof ProviderKeyLookup>;
export const ProviderKeyLookupResult = shape({ providerKey: Type.Union([ProviderKey, Type.Null()]) });
export type ProviderKeyLookupResult = Static<typeof ProviderKeyLookupResult>;
