import { budgetWrite, limitShapes, rateLimitsWrite } from './limits.js';
import { body, clearableCount, clearableText, list, orNull, Owner, pageQuery, shape, text, textList, Type, type Static } from './schema.js';

/** Which providers and models a configuration lets its keys reach: omitted, no restriction; empty, nothing. */
const dimension = body({ allow: Type.Optional(textList) });
const accessProperties = { providers: Type.Optional(dimension), models: Type.Optional(dimension) };
const stepKey = body({ id: Type.Optional(text), name: Type.Optional(text), value: Type.Optional(text), weight: Type.Optional(Type.Number()) });
const step = body({
  type: Type.Unsafe<'user' | 'ngrok'>({ type: 'string', enum: ['user', 'ngrok'] }),
  keys: Type.Optional(Type.Array(stepKey)),
  // Any string: normalizeRouter refuses an unknown strategy with its own code.
  keySelectionStrategy: Type.Optional(text),
});
const rule = body({ provider: Type.Optional(text), model: Type.Optional(text), steps: Type.Array(step) });
const routerProperties = { rules: Type.Optional(Type.Array(rule)) };
const access = body(accessProperties);
const router = body(routerProperties);

/** A configuration's own token cap; it wins over the account-wide one in the gateway settings. */
const tokenCap = clearableCount;

export const ConfigurationCreate = body({
  name: text,
  description: Type.Optional(text),
  metadata: Type.Optional(text),
  access: Type.Optional(access),
  router: Type.Optional(router),
  maxInputTokens: Type.Optional(tokenCap),
  maxOutputTokens: Type.Optional(tokenCap),
  budget: Type.Optional(budgetWrite),
  rateLimits: Type.Optional(rateLimitsWrite),
});
export type ConfigurationCreate = Static<typeof ConfigurationCreate>;

export const ConfigurationUpdate = body({
  name: Type.Optional(clearableText),
  description: Type.Optional(clearableText),
  metadata: Type.Optional(clearableText),
  access: Type.Optional(orNull(access)),
  router: Type.Optional(orNull(router)),
  maxInputTokens: Type.Optional(tokenCap),
  maxOutputTokens: Type.Optional(tokenCap),
  budget: Type.Optional(budgetWrite),
  rateLimits: Type.Optional(rateLimitsWrite),
});
export type ConfigurationUpdate = Static<typeof ConfigurationUpdate>;

/** ngrok's shape: on read, each key of a step is shown as `{id, name, keyRedacted}`. */
const stepKeyShape = shape({ id: text, name: text, keyRedacted: text, weight: Type.Optional(Type.Number()) });
const stepShape = shape({
  type: Type.Literal('user'),
  keySelectionStrategy: Type.Union([Type.Literal('ordered'), Type.Literal('roundRobin'), Type.Literal('weighted')]),
  keys: Type.Array(stepKeyShape),
});
const ruleShape = shape({ provider: Type.Optional(text), model: Type.Optional(text), steps: Type.Array(stepShape) });
const dimensionShape = shape({ allow: Type.Optional(textList) });
const nullableCount = Type.Union([Type.Integer(), Type.Null()]);

/** Access key configurations (`aigac_…`), as ngrok.ai's AIGatewayAccessKeyConfiguration plus aigw's caps and limits. */
export const Configuration = shape({
  id: text,
  uri: text,
  name: text,
  createdAt: text,
  updatedAt: text,
  createdBy: Owner,
  lastUpdatedBy: Owner,
  description: text,
  metadata: text,
  access: Type.Optional(shape({ providers: Type.Optional(dimensionShape), models: Type.Optional(dimensionShape) })),
  maxInputTokens: nullableCount,
  maxOutputTokens: nullableCount,
  ...limitShapes,
  router: Type.Optional(shape({ rules: Type.Array(ruleShape) })),
});
export type Configuration = Static<typeof Configuration>;

export const ConfigurationList = list('aiGatewayAccessKeyConfigurations', Configuration);
export type ConfigurationList = Static<typeof ConfigurationList>;

export const ConfigurationListQuery = Type.Object(pageQuery);
export type ConfigurationListQuery = Static<typeof ConfigurationListQuery>;
