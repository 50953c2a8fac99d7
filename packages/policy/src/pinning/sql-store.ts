import type { JsonObject, SqlClient } from '@mcpgate/core';
import type { PinRecord, PinStore } from './types.js';

const CHANNEL = 'mcpgate_tool_pins';

/** Pins in `mcpgate_tool_pins` (migration 0011); approvals reach every replica via NOTIFY. */
export class SqlPinStore implements PinStore {
  constructor(private readonly sql: SqlClient) {}

  async load(upstream?: string): Promise<PinRecord[]> {
    const r = await this.sql.query<Row>(
      `SELECT * FROM mcpgate_tool_pins WHERE ($1::text IS NULL OR upstream = $1) ORDER BY upstream, tool`,
      [upstream ?? null],
    );
    return r.rows.map(fromRow);
  }

  async saveSeen(
    upstream: string,
    tool: string,
    hash: string,
    definition: JsonObject,
    now: Date,
    trust: boolean,
  ): Promise<void> {
    const def = JSON.stringify(definition);
    await this.sql.query(
      `INSERT INTO mcpgate_tool_pins
         (upstream, tool, approved_hash, approved_definition, seen_hash, seen_definition, first_seen_at, changed_at, approved_by, approved_at)
       VALUES ($1, $2, CASE WHEN $6 THEN $3 END, CASE WHEN $6 THEN $4::jsonb END, $3, $4::jsonb, $5::timestamptz, $5::timestamptz,
               CASE WHEN $6 THEN 'trust-on-first-use' END, CASE WHEN $6 THEN $5::timestamptz END)
       ON CONFLICT (upstream, tool) DO UPDATE SET
         seen_hash = EXCLUDED.seen_hash,
         seen_definition = EXCLUDED.seen_definition,
         changed_at = EXCLUDED.changed_at,
         approved_hash = CASE WHEN $6 THEN EXCLUDED.approved_hash ELSE mcpgate_tool_pins.approved_hash END,
         approved_definition = CASE WHEN $6 THEN EXCLUDED.approved_definition ELSE mcpgate_tool_pins.approved_definition END,
         approved_by = CASE WHEN $6 THEN EXCLUDED.approved_by ELSE mcpgate_tool_pins.approved_by END,
         approved_at = CASE WHEN $6 THEN EXCLUDED.approved_at ELSE mcpgate_tool_pins.approved_at END`,
      [upstream, tool, hash, def, now.toISOString(), trust],
    );
  }

  async approve(upstream: string, tool: string, hash: string, by: string, now: Date): Promise<boolean> {
    const r = await this.sql.query(
      `UPDATE mcpgate_tool_pins
          SET approved_hash = seen_hash, approved_definition = seen_definition, approved_by = $4, approved_at = $5::timestamptz
        WHERE upstream = $1 AND tool = $2 AND seen_hash = $3`,
      [upstream, tool, hash, by, now.toISOString()],
    );
    return r.rowCount > 0;
  }

  onChange(listener: () => void): Promise<() => Promise<void>> {
    return this.sql.listen(CHANNEL, () => listener());
  }

  async notifyChange(): Promise<void> {
    await this.sql.notify(CHANNEL, 'changed');
  }
}

interface Row {
  upstream: string;
  tool: string;
  approved_hash: string | null;
  approved_definition: JsonObject | string | null;
  seen_hash: string;
  seen_definition: JsonObject | string;
  first_seen_at: Date | string;
  changed_at: Date | string;
  approved_by: string | null;
  approved_at: Date | string | null;
}

function json(v: JsonObject | string): JsonObject {
  return typeof v === 'string' ? (JSON.parse(v) as JsonObject) : v;
}

function fromRow(r: Row): PinRecord {
  return {
    upstream: r.upstream,
    tool: r.tool,
    ...(r.approved_hash !== null ? { approvedHash: r.approved_hash } : {}),
    ...(r.approved_definition !== null ? { approvedDefinition: json(r.approved_definition) } : {}),
    seenHash: r.seen_hash,
    seenDefinition: json(r.seen_definition),
    firstSeenAt: new Date(r.first_seen_at),
    changedAt: new Date(r.changed_at),
    ...(r.approved_by !== null ? { approvedBy: r.approved_by } : {}),
    ...(r.approved_at !== null ? { approvedAt: new Date(r.approved_at) } : {}),
  };
}
