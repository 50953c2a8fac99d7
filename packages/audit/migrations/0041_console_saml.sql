-- SAML 2.0 sign-in to the web console (owned by @mcpgate/console). Both tables live in the store,
-- not in one process's memory, so the replica that receives the IdP's POST need not be the one
-- that sent the browser to the IdP, and a replay is refused by every replica alike.

-- An AuthnRequest the console issued: a response must name it in InResponseTo (unsolicited
-- responses are refused). `browser_hash` is the SHA-256 of a random value held in the browser's
-- sign-in cookie; the IdP's cross-site POST carries no SameSite=Lax cookie, so the row is answered
-- there and the sign-in completes on a same-site GET that does (login CSRF check). The answer
-- (identity) waits here, under the hash of a one-time completion value, for at most minutes.
CREATE TABLE IF NOT EXISTS mcpgate_console_saml_requests (
  request_id      text        PRIMARY KEY,
  browser_hash    text        NOT NULL CHECK (browser_hash ~ '^[0-9a-f]{64}$'),
  return_to       text        NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  answered_at     timestamptz,
  completion_hash text        UNIQUE CHECK (completion_hash ~ '^[0-9a-f]{64}$'),
  identity        jsonb
);

-- Assertion IDs already used to sign in, kept until the assertion expires (its NotOnOrAfter plus
-- the accepted clock skew): the same signed assertion is never accepted twice, however it is
-- wrapped or to whichever replica it is posted. The primary key makes the check-and-remember one
-- atomic statement.
CREATE TABLE IF NOT EXISTS mcpgate_console_saml_assertions (
  assertion_hash  text        PRIMARY KEY CHECK (assertion_hash ~ '^[0-9a-f]{64}$'),
  issuer          text        NOT NULL,
  expires_at      timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS mcpgate_console_saml_assertions_expiry_idx
  ON mcpgate_console_saml_assertions (expires_at);
