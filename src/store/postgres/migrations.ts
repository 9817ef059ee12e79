/**
 * The PostgreSQL Store's schema migrations, applied in order, each in one transaction, under an advisory
 * lock so replicas starting together apply each one once (see migrate.ts). Never edit one that has shipped.
 * Ids and times are text in the "C" collation, so they sort and compare byte by byte as in SQLite, whatever
 * the database's locale; times are RFC 3339 text, as the records carry them.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE settings (
    name  TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE provider_keys (
    id            TEXT COLLATE "C" PRIMARY KEY,
    provider_id   TEXT COLLATE "C" NOT NULL,
    name          TEXT NOT NULL DEFAULT '',
    description   TEXT NOT NULL DEFAULT '',
    metadata      TEXT NOT NULL DEFAULT '',
    key_redacted  TEXT NOT NULL,
    access_key_id TEXT COLLATE "C",
    secret_ref    TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at    TEXT COLLATE "C" NOT NULL,
    updated_at    TEXT COLLATE "C" NOT NULL,
    last_used     TEXT COLLATE "C"
  );
  CREATE INDEX provider_keys_by_provider ON provider_keys (provider_id, id);
  CREATE INDEX provider_keys_by_access_key ON provider_keys (access_key_id, provider_id, id);

  CREATE TABLE access_key_configurations (
    id                TEXT COLLATE "C" PRIMARY KEY,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    metadata          TEXT NOT NULL DEFAULT '',
    access            TEXT,
    router            TEXT,
    max_input_tokens  INTEGER,
    max_output_tokens INTEGER,
    created_at        TEXT COLLATE "C" NOT NULL,
    updated_at        TEXT COLLATE "C" NOT NULL
  );

  -- What each configuration points at, kept beside its JSON so deletes can check references in SQL.
  CREATE TABLE configuration_provider_keys (
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES access_key_configurations (id) ON DELETE CASCADE,
    provider_key_id  TEXT COLLATE "C" NOT NULL REFERENCES provider_keys (id),
    PRIMARY KEY (configuration_id, provider_key_id)
  );
  CREATE INDEX configuration_provider_keys_by_key ON configuration_provider_keys (provider_key_id);

  CREATE TABLE configuration_providers (
    configuration_id TEXT COLLATE "C" NOT NULL REFERENCES access_key_configurations (id) ON DELETE CASCADE,
    provider_id      TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (configuration_id, provider_id)
  );
  CREATE INDEX configuration_providers_by_provider ON configuration_providers (provider_id);

  CREATE TABLE access_keys (
    id                          TEXT COLLATE "C" PRIMARY KEY,
    name                        TEXT NOT NULL DEFAULT '',
    description                 TEXT NOT NULL DEFAULT '',
    metadata                    TEXT NOT NULL DEFAULT '',
    token_hash                  TEXT NOT NULL UNIQUE,
    key_redacted                TEXT NOT NULL,
    access_key_configuration_id TEXT COLLATE "C" REFERENCES access_key_configurations (id),
    created_at                  TEXT COLLATE "C" NOT NULL,
    updated_at                  TEXT COLLATE "C" NOT NULL,
    last_used                   TEXT COLLATE "C"
  );
  CREATE INDEX access_keys_by_configuration ON access_keys (access_key_configuration_id);

  CREATE TABLE custom_providers (
    id                     TEXT COLLATE "C" PRIMARY KEY,
    provider_id            TEXT COLLATE "C" NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    metadata               TEXT NOT NULL DEFAULT '',
    base_url               TEXT NOT NULL,
    supported_api_surfaces TEXT NOT NULL,
    models                 TEXT NOT NULL,
    created_at             TEXT COLLATE "C" NOT NULL,
    updated_at             TEXT COLLATE "C" NOT NULL
  );

  -- The gateway's usage: one row per upstream attempt, never a body.
  CREATE TABLE usage_events (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    event_time            TEXT COLLATE "C" NOT NULL,
    request_id            TEXT NOT NULL,
    access_key_id         TEXT COLLATE "C" NOT NULL,
    provider              TEXT COLLATE "C" NOT NULL,
    model                 TEXT COLLATE "C" NOT NULL,
    attempt_number        INTEGER NOT NULL,
    is_final_attempt      BOOLEAN NOT NULL,
    status_code           INTEGER NOT NULL,
    timed_out             BOOLEAN NOT NULL,
    is_error              BOOLEAN NOT NULL,
    is_streaming          BOOLEAN NOT NULL,
    stop_reason           TEXT NOT NULL DEFAULT '',
    input_tokens          INTEGER NOT NULL DEFAULT 0,
    output_tokens         INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens      INTEGER NOT NULL DEFAULT 0,
    provider_key_id       TEXT COLLATE "C",
    provider_key_redacted TEXT,
    latency_ms            INTEGER NOT NULL,
    error                 TEXT,
    cache_write_tokens    INTEGER NOT NULL DEFAULT 0,
    tokens_known          BOOLEAN NOT NULL DEFAULT TRUE,
    cost_usd              DOUBLE PRECISION
  );
  CREATE INDEX usage_events_by_time ON usage_events (event_time);
  CREATE INDEX usage_events_by_access_key ON usage_events (access_key_id, event_time);

  -- The database secret store (AIGW_SECRET_STORE=database): AES-256-GCM ciphertext only, each value under a
  -- data key of its own wrapped by the master key named by key_id.
  CREATE TABLE sealed_secrets (
    ref         TEXT COLLATE "C" PRIMARY KEY,
    key_id      TEXT NOT NULL,
    wrapped_key BYTEA NOT NULL,
    wrap_iv     BYTEA NOT NULL,
    wrap_tag    BYTEA NOT NULL,
    iv          BYTEA NOT NULL,
    tag         BYTEA NOT NULL,
    ciphertext  BYTEA NOT NULL,
    written_at  TIMESTAMPTZ NOT NULL DEFAULT now()
  );
  `,
  // 2: SQLite's 4 to 7: key lifecycle (expiry, disabling, the token a rotation replaced, disabled provider keys),
  // the provider key value HMAC, budgets and rate limits (JSON, null: none), and passthrough attempts, which
  // carry no access key (NULL here, where SQLite's older NOT NULL column holds '').
  `
  ALTER TABLE access_keys ADD COLUMN expires_at TEXT COLLATE "C";
  ALTER TABLE access_keys ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
  ALTER TABLE access_keys ADD COLUMN previous_token_hash TEXT;
  ALTER TABLE access_keys ADD COLUMN previous_token_expires_at TEXT COLLATE "C";
  ALTER TABLE access_keys ADD COLUMN budget TEXT;
  ALTER TABLE access_keys ADD COLUMN rate_limits TEXT;
  ALTER TABLE provider_keys ADD COLUMN disabled BOOLEAN NOT NULL DEFAULT FALSE;
  ALTER TABLE provider_keys ADD COLUMN value_hmac TEXT COLLATE "C";
  CREATE INDEX provider_keys_by_value_hmac ON provider_keys (value_hmac);
  ALTER TABLE access_key_configurations ADD COLUMN budget TEXT;
  ALTER TABLE access_key_configurations ADD COLUMN rate_limits TEXT;
  ALTER TABLE usage_events ADD COLUMN key_source TEXT NOT NULL DEFAULT 'user';
  ALTER TABLE usage_events ALTER COLUMN access_key_id DROP NOT NULL;
  `,
  // 3: each replica's budget and rate-limit counts, so replicas enforce one limit (Store.exchangeLimitCounts).
  // Rewritten about every second by their replica; a dead replica's rows stop being read, then are deleted.
  `
  CREATE TABLE replica_limit_counts (
    replica_id TEXT COLLATE "C" NOT NULL,
    scope_id   TEXT COLLATE "C" NOT NULL,
    counts     JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (replica_id, scope_id)
  );
  `,
];
