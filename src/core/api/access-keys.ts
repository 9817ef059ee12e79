import { budgetWrite, limitShapes, rateLimitsWrite } from './limits.js';
import { body, clearableText, clearableTime, flag, list, Owner, pageQuery, shape, text, Type, type Static } from './schema.js';

const nullableText = Type.Union([text, Type.Null()]);

/** Access keys (`aigk_…`), field for field as ngrok.ai's AIGatewayAPIKey; `token` only when it is made. */
export const AccessKey = shape({
  id: text,
  name: text,
  uri: text,
  createdAt: text,
  updatedAt: text,
  description: text,
  metadata: text,
  createdBy: Owner,
  lastUpdatedBy: Owner,
  /** In the create and rotate answers only: the store keeps its hash. */
  token: Type.Optional(text),
  keyRedacted: text,
  lastUsed: nullableText,
  /** Added by aigw: when the token stops working (null: never), whether the key is disabled, and until when the token the last rotation replaced works. */
  expiresAt: nullableText,
  disabled: flag,
  previousTokenExpiresAt: nullableText,
  accessKeyConfiguration: Type.Union([shape({ id: text, uri: text, name: text }), Type.Null()]),
  ...limitShapes,
});
export type AccessKey = Static<typeof AccessKey>;

export const AccessKeyList = list('aiGatewayAccessKeys', AccessKey);
export type AccessKeyList = Static<typeof AccessKeyList>;

export const AccessKeyListQuery = Type.Object(pageQuery);
export type AccessKeyListQuery = Static<typeof AccessKeyListQuery>;

export const AccessKeyCreate = body({
  name: Type.Optional(text),
  description: Type.Optional(text),
  metadata: Type.Optional(text),
  accessKeyConfigurationId: Type.Optional(text),
  expiresAt: Type.Optional(clearableTime),
  disabled: Type.Optional(flag),
  budget: Type.Optional(budgetWrite),
  rateLimits: Type.Optional(rateLimitsWrite),
});
export type AccessKeyCreate = Static<typeof AccessKeyCreate>;

export const AccessKeyUpdate = body({
  name: Type.Optional(clearableText),
  description: Type.Optional(clearableText),
  metadata: Type.Optional(clearableText),
  accessKeyConfigurationId: Type.Optional(clearableText),
  expiresAt: Type.Optional(clearableTime),
  disabled: Type.Optional(flag),
  budget: Type.Optional(budgetWrite),
  rateLimits: Type.Optional(rateLimitsWrite),
});
export type AccessKeyUpdate = Static<typeof AccessKeyUpdate>;

export const AccessKeyRotate = body({ gracePeriod: Type.Optional(text) });
export type AccessKeyRotate = Static<typeof AccessKeyRotate>;

/** `?force=true` on a delete: also delete the provider keys attached to it. */
export const DeleteQuery = Type.Object({ force: Type.Optional(text) });
export type DeleteQuery = Static<typeof DeleteQuery>;
