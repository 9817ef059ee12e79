import type { AccessKey } from './access-keys.js';
import type { Configuration } from './configurations.js';
import type { ControlToken } from './control-tokens.js';
import type { ProviderKey } from './provider-keys.js';
import type { BuiltinProvider, CustomProvider } from './providers.js';

/**
 * The resource registry: what the CLI's generic verbs (cli/resource.ts), TAB completion
 * (cli/completion/) and the man page know of each resource of the management API. Plain data that
 * imports nothing at run time (only the schemas' types), so the CLI and a TAB-completion request load it
 * for free. Every field name in it is checked against the resource's schema when it compiles: a name the
 * API does not send (`tokenRedacted` for `keyRedacted`) is a type error, and test/unit/api-registry.test.ts
 * checks the same against the schemas at run time.
 */

/** A field of a resource (of any of its kinds, when it has several). */
export type Field<T> = T extends unknown ? keyof T & string : never;
/** A field, or a field inside one (`access.providers`). */
export type FieldPath<T> = Field<T> | `${Field<T>}.${string}`;

export interface TableColumn<T> {
  header: string;
  field: FieldPath<T>;
  /** Left out of a table when it is empty in every row (kept in plain output, whose columns scripts count). */
  optional?: true;
  /** Free text: in a table too wide for the terminal, cut with an ellipsis rather than wrapped. */
  truncate?: true;
}

export interface ResourceEntry<T = Record<string, unknown>> {
  /** What one is called in messages and help: `access key`. */
  readonly noun: string;
  /** The id prefix, as in `aigpk_` (empty where the value offered is not an id). */
  readonly prefix: string;
  /** The management API's collection route. */
  readonly path: string;
  /** The list answer's item property, ngrok's name, such as `aiGatewayAccessKeys`. */
  readonly listProperty: string;
  /** The list table's columns, in order: scripts read the plain output's columns by position. */
  readonly columns: readonly TableColumn<T>[];
  /** Fields joined into the description a shell shows next to each id (zsh, fish). */
  readonly describe: readonly Field<T>[];
  /** The field offered as the value, when it is not `id` (`--provider-id` takes a `providerId`). */
  readonly value?: Field<T>;
  /** Values offered even when the daemon is not running (the built-in provider catalog). */
  readonly builtins?: 'providers';
  /** More words after `<noun> id (<prefix>…)` in an id argument's help. */
  readonly idAlso?: string;
}

/** Checks an entry against its resource's type while keeping its literal shape. */
const entry =
  <T>() =>
  <const E extends ResourceEntry<T>>(e: E): E =>
    e;

export const RESOURCES = {
  'provider-keys': entry<ProviderKey>()({
    noun: 'provider key',
    prefix: 'aigpk_',
    path: '/provider-keys',
    listProperty: 'aiGatewayProviderKeys',
    columns: [
      { header: 'ID', field: 'id' },
      { header: 'PROVIDER', field: 'providerId' },
      { header: 'NAME', field: 'name', truncate: true },
      { header: 'KEY', field: 'keyRedacted' },
      { header: 'ACCESS KEY', field: 'accessKeyId', optional: true },
      { header: 'CREATED', field: 'createdAt' },
      { header: 'LAST USED', field: 'lastUsed' },
      // Last, so scripts reading the columns before it by position keep working.
      { header: 'STATE', field: 'disabled', optional: true },
    ],
    describe: ['providerId', 'name', 'keyRedacted'],
  }),
  'access-keys': entry<AccessKey>()({
    noun: 'access key',
    prefix: 'aigk_',
    path: '/access-keys',
    listProperty: 'aiGatewayAccessKeys',
    columns: [
      { header: 'ID', field: 'id' },
      { header: 'NAME', field: 'name', truncate: true },
      { header: 'KEY', field: 'keyRedacted' },
      { header: 'CONFIGURATION', field: 'accessKeyConfiguration', optional: true },
      { header: 'CREATED', field: 'createdAt' },
      { header: 'LAST USED', field: 'lastUsed' },
      // Last, so scripts reading the columns before them by position keep working.
      { header: 'STATE', field: 'disabled', optional: true },
      { header: 'EXPIRES', field: 'expiresAt', optional: true },
      { header: 'BUDGET', field: 'spend', optional: true },
    ],
    describe: ['name', 'keyRedacted', 'description'],
  }),
  configs: entry<Configuration>()({
    noun: 'configuration',
    prefix: 'aigac_',
    path: '/access-key-configurations',
    listProperty: 'aiGatewayAccessKeyConfigurations',
    columns: [
      { header: 'ID', field: 'id' },
      { header: 'NAME', field: 'name', truncate: true },
      { header: 'PROVIDERS', field: 'access.providers' },
      { header: 'MODELS', field: 'access.models' },
      { header: 'RULES', field: 'router.rules' },
      { header: 'CREATED', field: 'createdAt' },
      { header: 'BUDGET', field: 'spend', optional: true },
    ],
    describe: ['name', 'description'],
  }),
  'custom-providers': entry<CustomProvider>()({
    noun: 'provider',
    prefix: 'aigp_',
    path: '/providers',
    listProperty: 'aiGatewayProviders',
    columns: [],
    describe: ['providerId', 'name', 'baseUrl'],
    idAlso: 'or its providerId',
  }),
  'control-tokens': entry<ControlToken>()({
    noun: 'control token',
    prefix: 'aigct_',
    path: '/control-tokens',
    listProperty: 'controlTokens',
    columns: [
      { header: 'ID', field: 'id' },
      { header: 'Name', field: 'name' },
      { header: 'Created', field: 'createdAt' },
    ],
    describe: ['name'],
  }),
  /** A provider id as `--provider-id` takes it: the built-in catalog and the custom providers, listed together. */
  providers: entry<CustomProvider | BuiltinProvider>()({
    noun: 'provider',
    prefix: '',
    path: '/providers',
    listProperty: 'aiGatewayProviders',
    columns: [
      { header: 'PROVIDER ID', field: 'providerId' },
      { header: 'TYPE', field: 'builtin' },
      { header: 'NAME', field: 'name', truncate: true },
      { header: 'BASE URL', field: 'baseUrl' },
      { header: 'FORMATS', field: 'supportedApiSurfaces' },
      { header: 'ID', field: 'id' },
    ],
    describe: ['name', 'baseUrl'],
    value: 'providerId',
    builtins: 'providers',
  }),
} as const;

export type ResourceName = keyof typeof RESOURCES;
export type Resource<N extends ResourceName> = (typeof RESOURCES)[N];

export function isResourceName(name: string): name is ResourceName {
  return Object.prototype.hasOwnProperty.call(RESOURCES, name);
}

/** How an id argument is described in help: `access key id (aigk_…)`; completion reads the prefix from it. */
export function idArgument(resource: ResourceEntry): string {
  return `${resource.noun} id (${resource.prefix}…)${resource.idAlso ? ` ${resource.idAlso}` : ''}`;
}
