import type { UsageDraft } from './types.js';

/**
 * How a usage field is kept: `shared` strings repeat from event to event (access keys, providers, models…)
 * and travel once per batch; `id` and `time` are text that needs no quoting (`time` is epoch ms in a draft
 * and RFC 3339 in a row); `text` is any string.
 */
export type UsageKind = 'id' | 'time' | 'text' | 'shared' | 'int' | 'float' | 'bool';

/**
 * The usage event, field by field: the one list from which the packed batch's layout, its unpacking, the
 * stored columns of both Stores and the mapping of a stored row back to a record are all derived. A new
 * field goes here (and in UsageDraft, and in a migration of each Store), nowhere else.
 */
export const USAGE_FIELDS = [
  ['id', 'id', 'id'],
  ['timeMs', 'event_time', 'time'],
  ['requestId', 'request_id', 'text'],
  ['accessKeyId', 'access_key_id', 'shared'],
  ['provider', 'provider', 'shared'],
  ['model', 'model', 'shared'],
  ['attemptNumber', 'attempt_number', 'int'],
  ['isFinalAttempt', 'is_final_attempt', 'bool'],
  ['statusCode', 'status_code', 'int'],
  ['timedOut', 'timed_out', 'bool'],
  ['isError', 'is_error', 'bool'],
  ['isStreaming', 'is_streaming', 'bool'],
  ['stopReason', 'stop_reason', 'shared'],
  ['inputTokens', 'input_tokens', 'int'],
  ['outputTokens', 'output_tokens', 'int'],
  ['cacheReadTokens', 'cache_read_tokens', 'int'],
  ['reasoningTokens', 'reasoning_tokens', 'int'],
  ['providerKeyId', 'provider_key_id', 'shared'],
  ['providerKeyRedacted', 'provider_key_redacted', 'shared'],
  ['latencyMs', 'latency_ms', 'int'],
  ['error', 'error', 'text'],
  ['cacheWriteTokens', 'cache_write_tokens', 'int'],
  ['tokensKnown', 'tokens_known', 'bool'],
  ['costUsd', 'cost_usd', 'float'],
  ['keySource', 'key_source', 'shared'],
] as const satisfies readonly (readonly [keyof UsageDraft, string, UsageKind])[];

type Listed = (typeof USAGE_FIELDS)[number][0];
/** Fails to compile when UsageDraft has a field the list lacks. */
export type UsageFieldsComplete = Exclude<keyof UsageDraft, Listed> extends never ? true : never;
export const USAGE_FIELDS_COMPLETE: UsageFieldsComplete = true;

/** The values of one event in a packed batch. */
export const FIELDS_PER_EVENT = USAGE_FIELDS.length;

/** Where a field stands among an event's values. */
export const USAGE_INDEX = Object.fromEntries(USAGE_FIELDS.map(([name], i) => [name, i])) as { [K in Listed]: number };

/** The stored columns, in the fields' order. */
export const USAGE_COLUMNS: readonly string[] = USAGE_FIELDS.map(([, column]) => column);
/** How each field is stored, in USAGE_FIELDS' order. */
export const USAGE_KINDS: readonly UsageKind[] = USAGE_FIELDS.map(([, , kind]) => kind);
