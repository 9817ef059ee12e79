import { body, shape, text, type Static, Type } from './schema.js';

/** A named bearer token of the management API over TCP (`aigct_…`), as the API shows it: never its value. */
export const ControlToken = shape({ id: text, name: text, createdAt: text });
export type ControlToken = Static<typeof ControlToken>;

export const ControlTokenList = shape({ controlTokens: Type.Array(ControlToken), uri: text });
export type ControlTokenList = Static<typeof ControlTokenList>;

export const ControlTokenCreate = body({ name: text });
export type ControlTokenCreate = Static<typeof ControlTokenCreate>;

/** The create answer: the value, once, as `token`. */
export const ControlTokenCreated = shape({ ...ControlToken.properties, token: text });
export type ControlTokenCreated = Static<typeof ControlTokenCreated>;
