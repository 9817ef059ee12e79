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
];
