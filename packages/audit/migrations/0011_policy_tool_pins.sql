-- Tool pinning (owned by @mcpgate/policy): per upstream tool, the definition an operator accepted
-- (approved_*) and the one the gateway last saw (seen_*). A tool whose seen hash differs from its
-- approved hash — or that was never approved — is hidden and refused under `pinning: block`.
-- Hashes are SHA-256 over the canonical JSON of name, description, inputSchema, outputSchema,
-- annotations. Every change is also an audit event (pin.trusted/new/changed/approved).
CREATE TABLE IF NOT EXISTS mcpgate_tool_pins (
  upstream             text        NOT NULL,
  tool                 text        NOT NULL,
  approved_hash        text        CHECK (approved_hash ~ '^[0-9a-f]{64}$'),
  approved_definition  jsonb,
  seen_hash            text        NOT NULL CHECK (seen_hash ~ '^[0-9a-f]{64}$'),
  seen_definition      jsonb       NOT NULL,
  first_seen_at        timestamptz NOT NULL,
  changed_at           timestamptz NOT NULL,
  approved_by          text,
  approved_at          timestamptz,
  PRIMARY KEY (upstream, tool),
  CHECK ((approved_hash IS NULL) = (approved_definition IS NULL))
);
