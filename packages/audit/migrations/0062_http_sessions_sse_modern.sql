-- Scale-out (owned by @mcpgate/faces, the HTTP face): mcpgate_http_sessions also holds
--   - 'sse' rows: a legacy HTTP+SSE session (`GET /sse`). Its event stream lives on the replica
--     that opened it (`pinned_to`); any other replica reads the row to check a `POST /messages`
--     caller against `owner_key` and hands the message to that replica. `init` is '{}'.
--   - 'modern' rows: the one gateway session of a principal's 2026-07-28 requests across all
--     replicas. `id_hash` is the SHA-256 of 'modern:' || owner_key (one live row per principal);
--     the first replica creates it, the others join it; an ended row is reused (new session_id)
--     when the principal comes back. `init` is '{}'.
-- Idle expiry, the end NOTIFY and the purge of ended rows are those of 'streamable' rows.
ALTER TABLE mcpgate_http_sessions DROP CONSTRAINT IF EXISTS mcpgate_http_sessions_kind_check;
ALTER TABLE mcpgate_http_sessions
  ADD CONSTRAINT mcpgate_http_sessions_kind_check CHECK (kind IN ('streamable', 'sse', 'modern'));
