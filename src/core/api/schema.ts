import { Type, type Static, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

/**
 * The building blocks of the API's schemas. Request bodies are strict (unknown fields are an error) and
 * spell "or null" as a JSON Schema type list, `{ type: ['string', 'null'] }`, rather than TypeBox's
 * `anyOf`: ajv then reports one `type` error whose wording the control API's messages are made from
 * (`the name field must be string or null`, control/errors.ts).
 */
export const text = Type.String();
export const flag = Type.Boolean();
export const textList = Type.Array(text);
/** Any value: the service checks it and refuses a bad one with a code of its own. */
export const checkedByService = Type.Unknown();

/** `T` or null, as one `type` list. */
export function orNull<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}

/** PATCH semantics for a label: omitted stays as it is, null clears. */
export const clearableText = orNull(text);
/** An RFC 3339 time, or null. The description marks it as a time for the fuzz test's generators. */
export const clearableTime = Type.Unsafe<string | null>({ type: ['string', 'null'], description: 'RFC 3339 time' });
/** A count of at least 1, or null (no cap). */
export const clearableCount = orNull(Type.Integer({ minimum: 1 }));

/** A request body: only these fields, none other. */
export function body<T extends TProperties>(properties: T): TObject<T> {
  return Type.Object(properties, { additionalProperties: false });
}

/** A response shape: what the API sends, field for field (the drift test refuses any other field). */
export const shape = body;

/** Who made or changed a resource: the single local owner of the control socket. */
export const Owner = shape({ id: text, uri: text });
export const LOCAL_OWNER: Static<typeof Owner> = { id: 'local', uri: '' };

/** The `uri` and `nextPageUri` every list answer has beside its items. */
export const listUris = { uri: text, nextPageUri: Type.Union([text, Type.Null()]) };

/** A list answer: its items under `property` (ngrok's name, such as `aiGatewayAccessKeys`), and its uris. */
export function list<P extends string, T extends TSchema>(property: P, item: T) {
  return shape({ [property]: Type.Array(item), ...listUris } as { [K in P]: ReturnType<typeof Type.Array<T>> } & typeof listUris);
}

/** `limit` and `beforeId`, ngrok's list parameters; control/query.ts reads them with its own messages. */
export const pageQuery = { limit: Type.Optional(text), beforeId: Type.Optional(text) };

export { Type, type Static };

/** `/{id}` routes: fastify hands every path parameter over as a string. */
export const IdParams = Type.Object({ id: text });
