-- mcpgate audit core: writers (one hash chain each), the append-only event stream, signed
-- checkpoints of chain heads, and purge anchors. docs/audit.md describes every column.

-- One row per writer: a gateway replica's run (replica id + epoch). Each writer owns one chain.
CREATE TABLE audit_writers (
  chain_id    text PRIMARY KEY,
  replica_id  text NOT NULL,
  epoch       integer NOT NULL,
  started_at  timestamptz NOT NULL,
  public_key  text NOT NULL,
  host        text,
  pid         integer,
  version     text,
  UNIQUE (replica_id, epoch)
);

-- Every record the product writes is an event, linked into its writer's hash chain.
CREATE TABLE events (
  chain_id        text NOT NULL,
  seq             bigint NOT NULL,
  ts              timestamptz NOT NULL,
  type            text NOT NULL,
  session_id      text,
  correlation_id  text,
  subject         text,
  groups          text,
  method          text,
  upstream        text,
  target          text,
  decision        text,
  outcome         text,
  body            text NOT NULL,
  prev_hash       text NOT NULL,
  hash            text NOT NULL,
  PRIMARY KEY (chain_id, seq)
);
CREATE INDEX events_ts ON events (ts);
CREATE INDEX events_correlation ON events (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_session ON events (session_id, ts) WHERE session_id IS NOT NULL;
CREATE INDEX events_session_started ON events (ts) WHERE type = 'session.started';

-- A writer's signature over its chain head (Ed25519, key outside the database).
CREATE TABLE checkpoints (
  chain_id    text NOT NULL,
  seq         bigint NOT NULL,
  hash        text NOT NULL,
  ts          timestamptz NOT NULL,
  final       boolean NOT NULL,
  public_key  text NOT NULL,
  signature   text NOT NULL,
  PRIMARY KEY (chain_id, seq)
);

-- Left behind by `mcpgate audit purge`: a copy of the signed checkpoint the purge cut at, so the
-- remaining events still verify from a signed starting point.
CREATE TABLE audit_purges (
  chain_id        text NOT NULL,
  through_seq     bigint NOT NULL,
  through_hash    text NOT NULL,
  checkpoint_ts   timestamptz NOT NULL,
  checkpoint_final boolean NOT NULL,
  public_key      text NOT NULL,
  signature       text NOT NULL,
  purged_at       timestamptz NOT NULL,
  purged_by       text NOT NULL,
  events_deleted  bigint NOT NULL,
  PRIMARY KEY (chain_id, through_seq)
);

-- Append-only: UPDATE, DELETE and TRUNCATE are refused. The one exception is the purge code
-- path, which sets the transaction-local flag mcpgate.audit_purge = 'on' and may then DELETE
-- from events and checkpoints (never UPDATE). The least-privilege gateway role has no DELETE
-- grant at all, so it cannot use the exception; see docs/audit.md.
CREATE FUNCTION mcpgate_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE'
     AND TG_TABLE_NAME IN ('events', 'checkpoints')
     AND current_setting('mcpgate.audit_purge', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'mcpgate audit table "%" is append-only: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
  FOR EACH ROW EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER audit_writers_append_only BEFORE UPDATE OR DELETE ON audit_writers
  FOR EACH ROW EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER audit_writers_no_truncate BEFORE TRUNCATE ON audit_writers
  FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER audit_purges_append_only BEFORE UPDATE OR DELETE ON audit_purges
  FOR EACH ROW EXECUTE FUNCTION mcpgate_audit_guard();
CREATE TRIGGER audit_purges_no_truncate BEFORE TRUNCATE ON audit_purges
  FOR EACH STATEMENT EXECUTE FUNCTION mcpgate_audit_guard();

-- Derived views: one row per session and per call, computed from the events.
CREATE VIEW sessions AS
SELECT s.session_id AS id,
       s.ts         AS started_at,
       e.ts         AS ended_at,
       s.subject,
       s.groups,
       s.body       AS info,
       s.chain_id,
       s.seq
FROM events s
LEFT JOIN LATERAL (
  SELECT x.ts FROM events x
  WHERE x.session_id = s.session_id AND x.type = 'session.ended'
  ORDER BY x.ts LIMIT 1
) e ON true
WHERE s.type = 'session.started';

CREATE VIEW calls AS
SELECT r.correlation_id,
       r.session_id,
       r.ts                       AS requested_at,
       o.ts                       AS completed_at,
       r.type                     AS record_type,
       r.subject,
       r.groups,
       r.method,
       r.upstream,
       r.target,
       r.decision,
       COALESCE(o.outcome, r.outcome) AS outcome,
       r.body                     AS request,
       o.body                     AS response,
       r.chain_id,
       r.seq
FROM events r
LEFT JOIN LATERAL (
  SELECT x.ts, x.outcome, x.body FROM events x
  WHERE x.correlation_id = r.correlation_id AND x.type IN ('call.response', 'call.unknown')
  ORDER BY x.ts LIMIT 1
) o ON true
WHERE r.type IN ('call.request', 'call.refused', 'call.gateway');
