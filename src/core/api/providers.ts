import { body, clearableText, list, orNull, Owner, pageQuery, shape, text, Type, type Static } from './schema.js';

const surfaceWrite = body({
  format: text,
  surface: Type.Optional(text),
  supportedParams: Type.Optional(Type.Array(body({ name: text }))),
});
const modelWrite = body({ modelId: text });

export const CustomProviderCreate = body({
  providerId: text,
  name: text,
  baseUrl: text,
  description: Type.Optional(text),
  metadata: Type.Optional(text),
  supportedApiSurfaces: Type.Optional(Type.Array(surfaceWrite)),
  models: Type.Optional(Type.Array(modelWrite)),
});
export type CustomProviderCreate = Static<typeof CustomProviderCreate>;

export const CustomProviderUpdate = body({
  name: Type.Optional(text),
  baseUrl: Type.Optional(text),
  description: Type.Optional(clearableText),
  metadata: Type.Optional(clearableText),
  supportedApiSurfaces: Type.Optional(orNull(Type.Array(surfaceWrite))),
  models: Type.Optional(orNull(Type.Array(modelWrite))),
});
export type CustomProviderUpdate = Static<typeof CustomProviderUpdate>;

const surfaceShape = shape({
  format: text,
  surface: Type.Optional(text),
  supportedParams: Type.Optional(Type.Array(shape({ name: text }))),
});

/** Custom providers (`aigp_…`): ngrok's AIGatewayProvider, plus `description`. */
export const CustomProvider = shape({
  id: text,
  uri: text,
  providerId: text,
  name: text,
  baseUrl: text,
  metadata: text,
  createdAt: text,
  updatedAt: text,
  createdBy: Owner,
  lastUpdatedBy: Owner,
  supportedApiSurfaces: Type.Array(surfaceShape),
  models: Type.Array(shape({ id: text, modelId: text })),
  description: text,
});
export type CustomProvider = Static<typeof CustomProvider>;

/** A built-in provider of the catalog, with any base-URL override of the gateway settings. */
export const BuiltinProvider = shape({
  providerId: text,
  name: text,
  baseUrl: text,
  supportedApiSurfaces: Type.Array(shape({ format: text })),
  builtin: Type.Literal(true),
});
export type BuiltinProvider = Static<typeof BuiltinProvider>;

/** ngrok lists only user-defined providers; aigw adds the built-in catalog as `builtinProviders`. */
export const ProviderList = shape({ ...list('aiGatewayProviders', CustomProvider).properties, builtinProviders: Type.Array(BuiltinProvider) });
export type ProviderList = Static<typeof ProviderList>;

export const ProviderListQuery = Type.Object(pageQuery);
export type ProviderListQuery = Static<typeof ProviderListQuery>;
