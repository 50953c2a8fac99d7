-- Rate-limit counters (owned by @mcpgate/policy): one row per counter key and fixed window,
-- incremented with an atomic upsert so every replica on this database shares the same budget.
-- Rows past expires_at are pruned by the replicas as they count.
CREATE TABLE IF NOT EXISTS mcpgate_rate_counters (
  key           text        NOT NULL,
  window_start  timestamptz NOT NULL,
  count         integer     NOT NULL CHECK (count > 0),
  expires_at    timestamptz NOT NULL,
  PRIMARY KEY (key, window_start)
);

CREATE INDEX IF NOT EXISTS mcpgate_rate_counters_expiry_idx ON mcpgate_rate_counters (expires_at);
