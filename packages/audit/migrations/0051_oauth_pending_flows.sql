-- Per-user OAuth authorizations in progress (owned by @mcpgate/auth, `upstreams.<name>.oauth.grant:
-- authorization_code`): kept in the store, not in one replica's memory, so the browser's
-- `/oauth/start` and `/oauth/callback` may reach any replica. A row is taken by the callback with
-- `DELETE … RETURNING` (single use) and swept once expired. Only hashes of the browser-held values
-- (flow id, `state`, flow cookie) are stored; the PKCE verifier is sealed like the tokens of
-- `mcpgate_oauth_connections` (envelope encryption, key outside the database).
CREATE TABLE IF NOT EXISTS mcpgate_oauth_pending (
  flow_hash     text        PRIMARY KEY,
  state_hash    text        NOT NULL UNIQUE,
  subject       text        NOT NULL,
  -- The gateway principal who asked (authentication method, issuer, subject): only a console
  -- sign-in of the same principal may open the link.
  principal     text        NOT NULL,
  upstream      text        NOT NULL,
  key_id        text        NOT NULL,
  wrapped_key   text        NOT NULL,
  sealed        text        NOT NULL,
  -- The flow cookie's hash, set when the right browser opened `/oauth/start`.
  browser_hash  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS mcpgate_oauth_pending_owner_idx ON mcpgate_oauth_pending (subject, upstream);
CREATE INDEX IF NOT EXISTS mcpgate_oauth_pending_expires_idx ON mcpgate_oauth_pending (expires_at);
