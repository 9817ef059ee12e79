/**
 * The gateway's API shapes shared by the daemon (which answers with them) and the CLI (which prints them).
 * Usage field names are ngrok's AIGatewayUsageEvent's; aigw adds `latencyMs` and `error`.
 */

/** What the gateway records for one upstream attempt. */
export interface UsageAttempt {
  id: string;
  eventTime: string;
  requestId: string;
  /** Null for a passthrough request, which carries no aigw access key. */
  accessKeyId: string | null;
  provider: string;
  model: string;
  attemptNumber: number;
  isFinalAttempt: boolean;
  statusCode: number;
  timedOut: boolean;
  isError: boolean;
  isStreaming: boolean;
  stopReason: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** Input tokens written to the provider's prompt cache (Anthropic's `cache_creation_input_tokens`). */
  cacheWriteTokens: number;
  reasoningTokens: number;
  /** False when the provider reported no usage (an error, a cut stream): the token counts are then unknown, not zero. */
  tokensKnown: boolean;
  latencyMs: number;
  /** Why the attempt failed when there was no HTTP status (connection error, timeout); never a secret. */
  error: string | null;
  /** `user`: a provider key aigw holds; `passthrough`: the client's own key, forwarded (see passthrough in the README). */
  keySource: KeySource;
}

export const KEY_SOURCES = ['user', 'passthrough'] as const;
export type KeySource = (typeof KEY_SOURCES)[number];

/** A usage event as `GET /usage` returns it. */
export interface UsageEvent extends UsageAttempt {
  providerDisplayName: string;
  modelDisplayName: string;
  /** USD, as a decimal string (ngrok's field); `unknown` when costKnown is false. */
  totalCost: string;
  /** False when the model has no known price or the attempt's tokens are unknown. */
  costKnown: boolean;
  providerKeyId?: string;
  /** The provider key's redacted form. */
  providerKeyDisplayName?: string;
}

export interface UsageList {
  aiGatewayUsage: UsageEvent[];
  uri: string;
  nextPageUri: string | null;
}

export interface UsageBucket {
  bucketStart: string;
  groupKey: string;
  /** USD spent by the requests whose cost is known. */
  cost: string;
  requests: number;
  errors: number;
  /** Requests whose cost is unknown (unpriced model or unknown tokens): `cost` leaves them out. */
  unpricedRequests: number;
  inputTokens: number;
  outputTokens: number;
}

export const USAGE_GROUPS = ['provider', 'accessKey', 'providerKey', 'model'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageOverview {
  uri: string;
  startTime: string;
  endTime: string;
  groupBy: UsageGroup;
  buckets: UsageBucket[];
  totals: Omit<UsageBucket, 'bucketStart' | 'groupKey'>;
}

/** `POST /provider-keys/{id}/test`: is the key still valid? Never the key itself. */
export interface KeyTestResult {
  id: string;
  providerId: string;
  keyRedacted: string;
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  message: string;
  testedAt: string;
}
