/** Schema migrations, applied in order inside one transaction each; never edit one that has shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE provider_keys (
    id            TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    metadata      TEXT NOT NULL DEFAULT '',
    key_redacted  TEXT NOT NULL,
    access_key_id TEXT,
    secret_ref    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_used     TEXT
  ) STRICT;
  CREATE INDEX provider_keys_by_provider ON provider_keys (provider_id, id);
  CREATE INDEX provider_keys_by_access_key ON provider_keys (access_key_id, provider_id, id);
  `,
  // The gateway's usage: one row per upstream attempt, never a body.
  `
  CREATE TABLE usage_events (
    id                    TEXT PRIMARY KEY,
    event_time            TEXT NOT NULL,
    request_id            TEXT NOT NULL,
    access_key_id         TEXT NOT NULL,
    provider              TEXT NOT NULL,
    model                 TEXT NOT NULL,
    attempt_number        INTEGER NOT NULL,
    is_final_attempt      INTEGER NOT NULL,
    status_code           INTEGER NOT NULL,
    timed_out             INTEGER NOT NULL,
    is_error              INTEGER NOT NULL,
    is_streaming          INTEGER NOT NULL,
    stop_reason           TEXT NOT NULL DEFAULT '',
    input_tokens          INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens      INTEGER NOT NULL DEFAULT 0,
    provider_key_id       TEXT,
    provider_key_redacted TEXT,
    latency_ms            INTEGER NOT NULL,
    error                 TEXT
  ) STRICT;
  CREATE INDEX usage_events_by_time ON usage_events (event_time);
  CREATE INDEX usage_events_by_access_key ON usage_events (access_key_id, event_time);
  `,
];
