/**
 * The Store's rows as both implementations read them (the same column names in SQLite and PostgreSQL), and
 * the records they become: a column is mapped here once. Booleans arrive as 0/1 from SQLite and as booleans
 * from PostgreSQL; JSON columns as text from both.
 */
import type { Budget, RateLimits } from '../core/budgets.js';
import type { AccessScope, Router } from '../core/configs.js';
import type {
  AccessKeyPatch,
  AccessKeyRecord,
  ConfigurationPatch,
  ConfigurationRecord,
  CustomProviderPatch,
  CustomProviderRecord,
  ProviderKeyPatch,
  ProviderKeyRecord,
  UsageEventRecord,
} from './types.js';
import { USAGE_FIELDS } from './usage-fields.js';

export interface ProviderKeyRow {
  id: string;
  provider_id: string;
  name: string;
  description: string;
  metadata: string;
  key_redacted: string;
  access_key_id: string | null;
  secret_ref: string;
  created_at: string;
  updated_at: string;
  last_used: string | null;
  disabled: number | boolean;
}

export function toProviderKey(row: ProviderKeyRow): ProviderKeyRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    keyRedacted: row.key_redacted,
    accessKeyId: row.access_key_id,
    secretRef: row.secret_ref,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsed: row.last_used,
    disabled: Boolean(row.disabled),
  };
}

export interface AccessKeyRow {
  id: string;
  name: string;
  description: string;
  metadata: string;
  token_hash: string;
  key_redacted: string;
  access_key_configuration_id: string | null;
  configuration_name: string | null;
  created_at: string;
  updated_at: string;
  last_used: string | null;
  expires_at: string | null;
  disabled: number | boolean;
  previous_token_hash: string | null;
  previous_token_expires_at: string | null;
  budget: string | null;
  rate_limits: string | null;
}

export function toAccessKey(row: AccessKeyRow): AccessKeyRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    tokenHash: row.token_hash,
    keyRedacted: row.key_redacted,
    accessKeyConfigurationId: row.access_key_configuration_id,
    accessKeyConfigurationName: row.configuration_name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsed: row.last_used,
    expiresAt: row.expires_at,
    disabled: Boolean(row.disabled),
    previousTokenHash: row.previous_token_hash,
    previousTokenExpiresAt: row.previous_token_expires_at,
    budget: row.budget === null ? null : (JSON.parse(row.budget) as Budget),
    rateLimits: row.rate_limits === null ? null : (JSON.parse(row.rate_limits) as RateLimits),
  };
}

export interface ConfigurationRow {
  id: string;
  name: string;
  description: string;
  metadata: string;
  access: string | null;
  router: string | null;
  max_input_tokens: number | null;
  max_output_tokens: number | null;
  budget: string | null;
  rate_limits: string | null;
  created_at: string;
  updated_at: string;
}

export function toConfiguration(row: ConfigurationRow): ConfigurationRecord {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    access: row.access === null ? null : (JSON.parse(row.access) as AccessScope),
    router: row.router === null ? null : (JSON.parse(row.router) as Router),
    maxInputTokens: row.max_input_tokens,
    maxOutputTokens: row.max_output_tokens,
    budget: row.budget === null ? null : (JSON.parse(row.budget) as Budget),
    rateLimits: row.rate_limits === null ? null : (JSON.parse(row.rate_limits) as RateLimits),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface CustomProviderRow {
  id: string;
  provider_id: string;
  name: string;
  description: string;
  metadata: string;
  base_url: string;
  supported_api_surfaces: string;
  models: string;
  created_at: string;
  updated_at: string;
}

export function toCustomProvider(row: CustomProviderRow): CustomProviderRecord {
  return {
    id: row.id,
    providerId: row.provider_id,
    name: row.name,
    description: row.description,
    metadata: row.metadata,
    baseUrl: row.base_url,
    supportedApiSurfaces: JSON.parse(row.supported_api_surfaces),
    models: JSON.parse(row.models),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A stored usage event (a row of usage_events, in either Store) as its record. */
export function toUsageEvent(row: Record<string, unknown>): UsageEventRecord {
  const event: Record<string, unknown> = {};
  for (const [name, column, kind] of USAGE_FIELDS) {
    const value = row[column];
    if (kind === 'time') event.eventTime = value;
    else event[name] = kind === 'bool' ? Boolean(value) : value;
  }
  // '' is how SQLite's NOT NULL column holds "no access key" (passthrough).
  event.accessKeyId ||= null;
  return event as unknown as UsageEventRecord;
}

/** A column a patch sets; undefined leaves it unchanged. SQLite's connection turns booleans into 0/1. */
export type PatchColumns = Record<string, string | number | boolean | null | undefined>;

const jsonColumn = (value: unknown) => (value === undefined ? undefined : value === null ? null : JSON.stringify(value));

export function providerKeyColumns({ name, description, metadata, disabled }: ProviderKeyPatch): PatchColumns {
  return { name, description, metadata, disabled };
}

export function accessKeyColumns(patch: AccessKeyPatch): PatchColumns {
  const { name, description, metadata, expiresAt, disabled } = patch;
  const configurationId = patch.accessKeyConfigurationId;
  const limits = { budget: jsonColumn(patch.budget), rate_limits: jsonColumn(patch.rateLimits) };
  return { name, description, metadata, access_key_configuration_id: configurationId, expires_at: expiresAt, disabled, ...limits };
}

export function configurationColumns(patch: ConfigurationPatch): PatchColumns {
  const { name, description, metadata } = patch;
  return {
    name,
    description,
    metadata,
    access: jsonColumn(patch.access),
    router: jsonColumn(patch.router),
    max_input_tokens: patch.maxInputTokens,
    max_output_tokens: patch.maxOutputTokens,
    budget: jsonColumn(patch.budget),
    rate_limits: jsonColumn(patch.rateLimits),
  };
}

export function customProviderColumns(patch: CustomProviderPatch): PatchColumns {
  const { name, description, metadata } = patch;
  const surfaces = jsonColumn(patch.supportedApiSurfaces);
  return { name, description, metadata, base_url: patch.baseUrl, supported_api_surfaces: surfaces, models: jsonColumn(patch.models) };
}
