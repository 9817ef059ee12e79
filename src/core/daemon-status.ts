/** What `GET /status` answers and `aigw daemon status` prints: shared by the daemon and the CLI. */
export interface DaemonStatus {
  pid: number;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  controlSocket: string;
  gatewayUrl: string | null;
  gatewayError: string | null;
  /** The management API's TCP address, when `--control-listen` asked for one. */
  controlUrl?: string;
  /** The Prometheus metrics' URL, when `--metrics-listen` asked for them. */
  metricsUrl?: string;
  /** How long a stop lets in-flight gateway requests finish (AIGW_DRAIN_TIMEOUT); `daemon stop` waits longer. */
  drainTimeoutMs?: number;
  secretStore: { kind: string; reason: string; available: boolean; warnings: string[] };
  /** Where the Store is: the SQLite file, or the PostgreSQL database replicas share (named without its credentials). */
  store: { kind: 'sqlite' | 'postgres'; location: string };
  paths: { dataDir: string; configDir: string; stateDir: string; logFile: string };
}

/** How the daemon process exits; the CLI that started it reads these (3: another daemon already holds the home). */
export const DAEMON_EXIT = { ok: 0, failed: 1, alreadyRunning: 3, badConfig: 78 } as const;

/**
 * The store's health as `aigw doctor` shows it: src/daemon/store-check.ts computes it, in a process of its
 * own, and `GET /status/store` answers with it.
 */
export interface StoreCheck {
  status: 'ok' | 'fail' | 'skip';
  detail: string;
  fix?: string;
}

/**
 * What `GET /status/checks` answers: the daemon's own live checks, cheap enough to ask a running daemon for,
 * which `aigw doctor` shows for a daemon on another machine.
 */
export interface DaemonChecks {
  /** What the gateway's /ready would answer: the Store reachable and the routing snapshot current. */
  ready: StoreCheck;
  /** Whether the secret store answers now, within a time bound. */
  secretStore: StoreCheck;
}
