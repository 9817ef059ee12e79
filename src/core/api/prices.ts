import { body, orNull, shape, text, Type, type Static } from './schema.js';

const price = Type.Number();
const clearablePrice = orNull(price);

/** `POST /prices`: set one of the user's own prices (USD per million tokens); an upsert by providerId and modelId. */
export const PriceSet = body({
  providerId: text,
  modelId: text,
  input: price,
  output: price,
  cacheRead: Type.Optional(clearablePrice),
  cacheWrite: Type.Optional(clearablePrice),
});
export type PriceSet = Static<typeof PriceSet>;

const nullablePrice = Type.Union([price, Type.Null()]);

export const OwnPrice = shape({ providerId: text, modelId: text, input: price, output: price, cacheRead: nullablePrice, cacheWrite: nullablePrice, updatedAt: text });
export type OwnPrice = Static<typeof OwnPrice>;

export const PriceList = shape({ prices: Type.Array(OwnPrice), builtinSource: text, uri: text });
export type PriceList = Static<typeof PriceList>;

export const PriceLookup = shape({
  providerId: text,
  modelId: text,
  source: Type.Union([Type.Literal('own'), Type.Literal('builtin'), Type.Literal('unknown')]),
  input: nullablePrice,
  output: nullablePrice,
  cacheRead: nullablePrice,
  cacheWrite: nullablePrice,
});
export type PriceLookup = Static<typeof PriceLookup>;

/** `DELETE /prices` and `GET /prices/lookup`: model ids hold slashes and colons, so they travel in the query. */
export const PriceQuery = Type.Object({ providerId: Type.Optional(text), modelId: Type.Optional(text) });
export type PriceQuery = Static<typeof PriceQuery>;
