-- Human approvals of high-risk calls (owned by @mcpgate/approvals). A row binds one requester,
-- upstream, tool and the canonical hash of the arguments; it is granted when `required` distinct
-- reviewers approved it (one row each in mcpgate_approval_decisions, so the same person counts
-- once), and used at most `uses` times. Every change is also a chained audit event
-- (approval.requested/notified/decision/executed/expired/cancelled); replicas learn of changes
-- through NOTIFY on channel mcpgate_approvals.
CREATE TABLE IF NOT EXISTS mcpgate_approvals (
  id               text        PRIMARY KEY CHECK (id ~ '^A-[0-9A-Z]{6,}$'),
  -- Insertion order: lists page by it (ids are random, timestamps can tie).
  seq              bigserial   NOT NULL UNIQUE,
  requester        text        NOT NULL,
  requester_name   text,
  requester_groups jsonb       NOT NULL DEFAULT '[]'::jsonb,
  session_id       text,
  correlation_id   text,
  method           text        NOT NULL,
  upstream         text        NOT NULL,
  tool             text        NOT NULL,
  args_hash        text        NOT NULL CHECK (args_hash ~ '^[0-9a-f]{64}$'),
  args_summary     text        NOT NULL,
  rule             text,
  policy_version   text,
  reviewers        jsonb       NOT NULL,
  required         integer     NOT NULL CHECK (required >= 1),
  allow_self       boolean     NOT NULL DEFAULT false,
  mode             text        NOT NULL CHECK (mode IN ('wait', 'defer')),
  uses             integer     NOT NULL DEFAULT 1 CHECK (uses >= 1),
  used             integer     NOT NULL DEFAULT 0 CHECK (used >= 0),
  status           text        NOT NULL CHECK (status IN ('requested', 'approved', 'denied', 'expired', 'cancelled', 'executed')),
  created_at       timestamptz NOT NULL,
  expires_at       timestamptz NOT NULL,
  decided_at       timestamptz,
  use_by           timestamptz,
  closed_reason    text,
  CHECK (used <= uses),
  CHECK (status <> 'approved' OR use_by IS NOT NULL)
);

CREATE INDEX IF NOT EXISTS mcpgate_approvals_binding_idx
  ON mcpgate_approvals (requester, upstream, tool, args_hash, status);
CREATE INDEX IF NOT EXISTS mcpgate_approvals_status_idx ON mcpgate_approvals (status, expires_at);

CREATE TABLE IF NOT EXISTS mcpgate_approval_decisions (
  approval_id    text        NOT NULL REFERENCES mcpgate_approvals (id),
  reviewer       text        NOT NULL,
  reviewer_name  text,
  decision       text        NOT NULL CHECK (decision IN ('approve', 'deny')),
  reason         text,
  channel        text        NOT NULL,
  decided_at     timestamptz NOT NULL,
  PRIMARY KEY (approval_id, reviewer)
);
