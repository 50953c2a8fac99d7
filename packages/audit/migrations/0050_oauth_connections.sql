-- Per-user OAuth connections of the gateway to upstreams (owned by @mcpgate/auth,
-- `upstreams.<name>.oauth.grant: authorization_code`). The tokens are sealed with envelope
-- encryption: a fresh data key per row (AES-256-GCM, bound to subject and upstream) wrapped by a
-- key-encryption key kept in a file outside the database. The other columns hold no secret and
-- serve listing and revocation.
CREATE TABLE IF NOT EXISTS mcpgate_oauth_connections (
  subject       text        NOT NULL,
  upstream      text        NOT NULL,
  key_id        text        NOT NULL,
  wrapped_key   text        NOT NULL,
  sealed        text        NOT NULL,
  issuer        text,
  client_id     text,
  scope         text,
  expires_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  refreshed_at  timestamptz,
  PRIMARY KEY (subject, upstream)
);

CREATE INDEX IF NOT EXISTS mcpgate_oauth_connections_upstream_idx ON mcpgate_oauth_connections (upstream);
