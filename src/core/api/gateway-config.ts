import { body, clearableCount, clearableText, orNull, shape, text, Type, type Static } from './schema.js';

export const GatewayConfigUpdate = body({
  totalTimeout: Type.Optional(text),
  perRequestTimeout: Type.Optional(text),
  maxInputTokens: Type.Optional(clearableCount),
  maxOutputTokens: Type.Optional(clearableCount),
  metadata: Type.Optional(clearableText),
  /** Overrides of built-in providers' base URLs by provider id; null (the whole map or one entry) clears. */
  providerBaseUrls: Type.Optional(Type.Unsafe<Record<string, string | null> | null>({ type: ['object', 'null'], additionalProperties: clearableText })),
  /** Passthrough by provider id; null turns it off for that provider. */
  passthroughProviders: Type.Optional(
    Type.Unsafe<Record<string, { allowNonLoopback?: boolean } | null>>({
      type: 'object',
      additionalProperties: orNull(body({ allowNonLoopback: Type.Optional(Type.Boolean()) })),
    }),
  ),
});
export type GatewayConfigUpdate = Static<typeof GatewayConfigUpdate>;

const nullableCount = Type.Union([Type.Integer(), Type.Null()]);

/** ngrok's AIGatewayConfig; `accountId` is this install's id, and aigw adds `providerBaseUrls` and passthrough. */
export const GatewayConfig = shape({
  accountId: text,
  uri: text,
  totalTimeout: text,
  perRequestTimeout: text,
  maxInputTokens: nullableCount,
  maxOutputTokens: nullableCount,
  metadata: Type.Union([text, Type.Null()]),
  providerBaseUrls: Type.Record(text, text),
  passthroughProviders: Type.Record(text, shape({ allowNonLoopback: Type.Boolean(), active: Type.Boolean() })),
});
export type GatewayConfig = Static<typeof GatewayConfig>;
