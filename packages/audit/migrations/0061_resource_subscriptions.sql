-- Scale-out (owned by @mcpgate/faces, the HTTP face): which legacy sessions subscribed to which
-- resource, and through which replica. A `resources/subscribe` is made on the upstream connection
-- of the replica that received it, so only that replica hears the upstream's
-- `notifications/resources/updated`; it announces the update (NOTIFY mcpgate_resource_updated) and
-- the replica holding each subscribed session's GET stream delivers it, reading this table.
-- `replica` is the scale-out tag of the replica whose upstream holds the subscription: an update
-- is delivered to a session only from that replica (never twice when several replicas subscribed
-- the same resource upstream). A `resources/unsubscribe` on any replica deletes the row. Rows of
-- ended sessions are ignored at once (joined with mcpgate_http_sessions) and deleted by the
-- replicas' sweepers. Bounded: at most 1000 rows per session, URIs of at most 2048 bytes (a longer
-- one is served by the subscribing replica only).
CREATE TABLE IF NOT EXISTS mcpgate_resource_subscriptions (
  session_id  text        NOT NULL,
  uri         text        NOT NULL CHECK (octet_length(uri) <= 2048),
  replica     text        NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (session_id, uri)
);

CREATE INDEX IF NOT EXISTS mcpgate_resource_subscriptions_uri_idx
  ON mcpgate_resource_subscriptions (uri, replica);

-- The sweeper and the fan-out join subscriptions to their session by gateway session id.
CREATE INDEX IF NOT EXISTS mcpgate_http_sessions_session_idx ON mcpgate_http_sessions (session_id);
