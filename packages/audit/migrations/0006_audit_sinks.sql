-- SIEM streaming (audit.sinks). Per sink and chain, the last record delivered: a durable cursor
-- committed only after the sink accepted the records, so delivery is at-least-once and resumes
-- where it stopped across restarts. Per sink, which gateway process delivers now: a lease, so
-- replicas sharing the database never deliver the same records twice. Both are bookkeeping, not
-- audit evidence: they are updated in place.
CREATE TABLE audit_sink_cursors (
  sink        text NOT NULL,
  chain_id    text NOT NULL,
  seq         bigint NOT NULL,
  -- The chain's writer.stopped record was delivered: nothing more will come, skip it from now on.
  done        boolean NOT NULL DEFAULT false,
  updated_at  timestamptz NOT NULL,
  PRIMARY KEY (sink, chain_id)
);

CREATE TABLE audit_sink_leases (
  sink        text PRIMARY KEY,
  owner       text NOT NULL,
  expires_at  timestamptz NOT NULL
);
