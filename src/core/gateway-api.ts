/**
 * The gateway's API shapes shared by the daemon (which answers with them) and the CLI (which prints them).
 * Usage field names are ngrok's AIGatewayUsageEvent's; aigw adds `latencyMs` and `error`.
 */

/** What the gateway records for one upstream attempt. */
export interface UsageAttempt {
  id: string;
  eventTime: string;
  requestId: string;
  accessKeyId: string;
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
  reasoningTokens: number;
  latencyMs: number;
  /** Why the attempt failed when there was no HTTP status (connection error, timeout); never a secret. */
  error: string | null;
}

/** A usage event as `GET /usage` returns it. */
export interface UsageEvent extends UsageAttempt {
  providerDisplayName: string;
  modelDisplayName: string;
  totalCost: string;
  keySource: 'user';
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
  cost: string;
  requests: number;
  errors: number;
}

export interface UsageOverview {
  uri: string;
  startTime: string;
  endTime: string;
  groupBy: 'provider' | 'accessKey';
  buckets: UsageBucket[];
  totals: { cost: string; requests: number; errors: number };
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
