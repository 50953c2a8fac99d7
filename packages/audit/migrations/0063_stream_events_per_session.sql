-- Scale-out (owned by @mcpgate/faces): a spilled stream is named `<replica tag>.<stream>`, but
-- stream names and event numbers count per session, not per replica — every session's standalone
-- GET stream on one replica is `<tag>._GET_stream` and its events number from 1. Keyed by
-- (stream, seq) alone, the second session a replica spilled collided with the first
-- (`ON CONFLICT DO NOTHING`) and lost its events, so its client's Last-Event-ID was unknown on
-- every other replica. The key includes the session.
ALTER TABLE mcpgate_stream_events DROP CONSTRAINT IF EXISTS mcpgate_stream_events_pkey;
ALTER TABLE mcpgate_stream_events ADD PRIMARY KEY (session_hash, stream, seq);
