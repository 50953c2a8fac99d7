-- Web console sign-in (owned by @mcpgate/console). The browser holds only an opaque random cookie;
-- the database keeps its SHA-256, so a read of this table cannot be replayed as a session. Sessions
-- live here, not in one process's memory, so any replica serves any console request.
CREATE TABLE IF NOT EXISTS mcpgate_console_sessions (
  id_hash       text        PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  subject       text        NOT NULL,
  identity      jsonb       NOT NULL,
  csrf_token    text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  ended_at      timestamptz
);

CREATE INDEX IF NOT EXISTS mcpgate_console_sessions_subject_idx ON mcpgate_console_sessions (subject);

-- A sign-in in progress: the PKCE verifier and nonce between the redirect to the IdP and its
-- callback (any replica may receive the callback). Keyed by the hash of the `state` value, which
-- the browser also carries in a short-lived cookie (login CSRF). Deleted when used.
CREATE TABLE IF NOT EXISTS mcpgate_console_logins (
  state_hash    text        PRIMARY KEY CHECK (state_hash ~ '^[0-9a-f]{64}$'),
  code_verifier text        NOT NULL,
  nonce         text        NOT NULL,
  return_to     text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
