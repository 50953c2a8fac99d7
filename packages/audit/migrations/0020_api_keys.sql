-- API keys for service accounts (owned by @mcpgate/auth). Only an HMAC-SHA256 of each key's
-- secret is stored, keyed by a server-side pepper kept out of the database; the id is a public
-- lookup handle (`mcpg_<id>_<secret>`).
CREATE TABLE IF NOT EXISTS mcpgate_api_keys (
  id            text        PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  name          text        NOT NULL,
  groups        jsonb       NOT NULL DEFAULT '[]'::jsonb,
  secret_hash   text        NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz,
  created_by    text
);

CREATE INDEX IF NOT EXISTS mcpgate_api_keys_name_idx ON mcpgate_api_keys (name);
