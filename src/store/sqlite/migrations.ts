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
  // 1: access keys, access key configurations (with their references), custom providers.
  `
  CREATE TABLE access_key_configurations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    metadata    TEXT NOT NULL DEFAULT '',
    access      TEXT,
    router      TEXT,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
  ) STRICT;

  -- What each configuration points at, kept beside its JSON so deletes can check references in SQL.
  CREATE TABLE configuration_provider_keys (
    configuration_id TEXT NOT NULL REFERENCES access_key_configurations (id) ON DELETE CASCADE,
    provider_key_id  TEXT NOT NULL REFERENCES provider_keys (id),
    PRIMARY KEY (configuration_id, provider_key_id)
  ) STRICT;
  CREATE INDEX configuration_provider_keys_by_key ON configuration_provider_keys (provider_key_id);

  CREATE TABLE configuration_providers (
    configuration_id TEXT NOT NULL REFERENCES access_key_configurations (id) ON DELETE CASCADE,
    provider_id      TEXT NOT NULL,
    PRIMARY KEY (configuration_id, provider_id)
  ) STRICT;
  CREATE INDEX configuration_providers_by_provider ON configuration_providers (provider_id);

  CREATE TABLE access_keys (
    id                          TEXT PRIMARY KEY,
    name                        TEXT NOT NULL DEFAULT '',
    description                 TEXT NOT NULL DEFAULT '',
    metadata                    TEXT NOT NULL DEFAULT '',
    token_hash                  TEXT NOT NULL UNIQUE,
    key_redacted                TEXT NOT NULL,
    access_key_configuration_id TEXT REFERENCES access_key_configurations (id),
    created_at                  TEXT NOT NULL,
    updated_at                  TEXT NOT NULL,
    last_used                   TEXT
  ) STRICT;
  CREATE INDEX access_keys_by_configuration ON access_keys (access_key_configuration_id);

  CREATE TABLE custom_providers (
    id                     TEXT PRIMARY KEY,
    provider_id            TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    metadata               TEXT NOT NULL DEFAULT '',
    base_url               TEXT NOT NULL,
    supported_api_surfaces TEXT NOT NULL,
    models                 TEXT NOT NULL,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
  ) STRICT;
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
  // 3: cost per attempt, cache writes, and whether the provider reported tokens at all; token caps per configuration.
  `
  ALTER TABLE usage_events ADD COLUMN cache_write_tokens INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE usage_events ADD COLUMN tokens_known INTEGER NOT NULL DEFAULT 1;
  ALTER TABLE usage_events ADD COLUMN cost_usd REAL;
  -- Before this version an attempt whose provider reported nothing was stored as 0 tokens.
  UPDATE usage_events SET tokens_known = 0 WHERE input_tokens = 0 AND output_tokens = 0;
  ALTER TABLE access_key_configurations ADD COLUMN max_input_tokens INTEGER;
  ALTER TABLE access_key_configurations ADD COLUMN max_output_tokens INTEGER;
  `,
  // 4: key lifecycle: access key expiry, disabling, the token a rotation replaced; disabled provider keys.
  `
  ALTER TABLE access_keys ADD COLUMN expires_at TEXT;
  ALTER TABLE access_keys ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE access_keys ADD COLUMN previous_token_hash TEXT;
  ALTER TABLE access_keys ADD COLUMN previous_token_expires_at TEXT;
  ALTER TABLE provider_keys ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
  `,
  // 5: a keyed HMAC of each provider key's value, so an import can tell a value is already stored.
  `
  ALTER TABLE provider_keys ADD COLUMN value_hmac TEXT;
  CREATE INDEX provider_keys_by_value_hmac ON provider_keys (value_hmac);
  `,
  // 6: budgets and rate limits on access keys and configurations, as JSON (null: none).
  `
  ALTER TABLE access_keys ADD COLUMN budget TEXT;
  ALTER TABLE access_keys ADD COLUMN rate_limits TEXT;
  ALTER TABLE access_key_configurations ADD COLUMN budget TEXT;
  ALTER TABLE access_key_configurations ADD COLUMN rate_limits TEXT;
  `,
  // 7: passthrough: an attempt made with the client's own provider key, which carries no access key.
  `
  ALTER TABLE usage_events ADD COLUMN key_source TEXT NOT NULL DEFAULT 'user';
  `,
];
