-- Just-in-time access grants (owned by @mcpgate/policy). A row is a request; approval sets
-- expires_at, after which the grant stops counting on every replica at once (the authorize step
-- compares expires_at with the clock; status 'expired' is bookkeeping written by a sweep).
-- Every change is also an audit event (grant.requested/approved/denied/revoked/expired).
CREATE TABLE IF NOT EXISTS mcpgate_grants (
  id               text        PRIMARY KEY,
  requester        text        NOT NULL,
  upstream         text        NOT NULL,
  tool             text        NOT NULL DEFAULT '*',
  rule             text        NOT NULL,
  reason           text        NOT NULL,
  requested_ms     bigint      NOT NULL CHECK (requested_ms > 0),
  duration_ms      bigint      NOT NULL CHECK (duration_ms > 0),
  status           text        NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'revoked', 'expired')),
  created_at       timestamptz NOT NULL,
  decided_by       text,
  decided_at       timestamptz,
  decision_reason  text,
  expires_at       timestamptz,
  revoked_by       text,
  revoked_at       timestamptz,
  CHECK (status <> 'approved' OR expires_at IS NOT NULL),
  CHECK (decided_by IS NULL OR decided_by <> requester)
);

CREATE INDEX IF NOT EXISTS mcpgate_grants_active_idx
  ON mcpgate_grants (requester, upstream, expires_at) WHERE status = 'approved';
CREATE INDEX IF NOT EXISTS mcpgate_grants_status_idx ON mcpgate_grants (status, created_at);
