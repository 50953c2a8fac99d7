-- Scale-out (owned by @mcpgate/faces, the HTTP face): what any replica needs to serve a legacy
-- Streamable HTTP session it has not seen, and the messages replicas hand each other.
--
-- One row per legacy session. The wire id (`Mcp-Session-Id`) is stored only as its SHA-256, so a
-- read of this table cannot be replayed as a session id. `owner_key` binds the session to the
-- identity that opened it (checked on every request, on every replica); `init` is the client's
-- `initialize` params (protocol version, capabilities, client info), replayed into a fresh SDK
-- server on a replica that has not served the session yet. `pinned_to` names the replica that
-- holds the session's per-session upstream processes (only it may serve the session).
-- `last_seen_at` is refreshed in batches by each replica's sweeper, not per request.
CREATE TABLE IF NOT EXISTS mcpgate_http_sessions (
  id_hash       text        PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  kind          text        NOT NULL CHECK (kind IN ('streamable')),
  owner_key     text        NOT NULL,
  session_id    text        NOT NULL,
  info          jsonb       NOT NULL,
  init          jsonb       NOT NULL,
  pinned_to     text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  ended_at      timestamptz,
  end_reason    text
);

CREATE INDEX IF NOT EXISTS mcpgate_http_sessions_idle_idx
  ON mcpgate_http_sessions (last_seen_at) WHERE ended_at IS NULL;
CREATE INDEX IF NOT EXISTS mcpgate_http_sessions_ended_idx
  ON mcpgate_http_sessions (ended_at) WHERE ended_at IS NOT NULL;

-- Replica-to-replica messages (a client's answer to an elicitation sent by another replica, an
-- input_required retry for the replica that parked the upstream request, resumption events). The
-- sender inserts a row and NOTIFYs channel mcpgate_replica with `<to>:<id>`; the addressee takes
-- it with DELETE … RETURNING (single use). Rows nobody took (their replica died) are swept by age.
CREATE TABLE IF NOT EXISTS mcpgate_replica_messages (
  id          bigserial   PRIMARY KEY,
  to_replica  text        NOT NULL,
  payload     jsonb       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS mcpgate_replica_messages_age_idx ON mcpgate_replica_messages (created_at);

-- Resumption across replicas: the events of a legacy session's stream whose connection dropped
-- before the stream was over ("spilled" by the replica that wrote them; nothing is written while
-- clients stay connected). Any replica replays them for a GET with Last-Event-ID and follows the
-- stream through NOTIFY on channel mcpgate_stream_events. `stream` is `<replica tag>.<stream>`;
-- `final` marks the end of a stream. Bounded per stream by server.resumptionBuffer and by age
-- (server.resumptionMaxAge).
CREATE TABLE IF NOT EXISTS mcpgate_stream_events (
  session_hash  text             NOT NULL,
  stream        text             NOT NULL,
  seq           double precision NOT NULL,
  event_id      text             NOT NULL,
  message       jsonb,
  final         boolean          NOT NULL DEFAULT false,
  created_at    timestamptz      NOT NULL DEFAULT now(),
  PRIMARY KEY (stream, seq)
);

CREATE INDEX IF NOT EXISTS mcpgate_stream_events_age_idx ON mcpgate_stream_events (created_at);
