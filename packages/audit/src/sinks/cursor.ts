import type { SqlClient } from '@mcpgate/core';
import type { EventRow } from '../chain/event.js';

const EVENT_SELECT = `SELECT chain_id, seq, ts, type, session_id, correlation_id, subject, groups, method, upstream,
  target, decision, outcome, body, prev_hash, hash FROM events`;

/** Takes or renews the sink's lease; false when another live process holds it. */
export async function claimLease(
  sql: SqlClient,
  sink: string,
  owner: string,
  ttlMs: number,
): Promise<boolean> {
  const r = await sql.query<{ owner: string }>(
    `INSERT INTO audit_sink_leases (sink, owner, expires_at) VALUES ($1, $2, now() + $3::integer * interval '1 millisecond')
     ON CONFLICT (sink) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
     WHERE audit_sink_leases.owner = EXCLUDED.owner OR audit_sink_leases.expires_at < now()
     RETURNING owner`,
    [sink, owner, ttlMs],
  );
  return r.rows.length > 0;
}

/** Gives the lease up at shutdown, so another replica takes over at once instead of after expiry. */
export async function releaseLease(sql: SqlClient, sink: string, owner: string): Promise<void> {
  await sql.query('DELETE FROM audit_sink_leases WHERE sink = $1 AND owner = $2', [sink, owner]);
}

/**
 * The next records not yet delivered to the sink, chain by chain in seq order (chains in the
 * order their writers started), at most `limit`. Chains whose writer stopped and whose last
 * record was delivered are skipped without a query.
 */
export async function nextBatch(sql: SqlClient, sink: string, limit: number): Promise<EventRow[]> {
  const chains = await sql.query<{ chain_id: string; seq: number | null }>(
    `SELECT w.chain_id, c.seq FROM audit_writers w
     LEFT JOIN audit_sink_cursors c ON c.sink = $1 AND c.chain_id = w.chain_id
     WHERE c.done IS NOT TRUE
     ORDER BY w.started_at, w.chain_id`,
    [sink],
  );
  const out: EventRow[] = [];
  for (const c of chains.rows) {
    if (out.length >= limit) break;
    const r = await sql.query<EventRow>(
      `${EVENT_SELECT} WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [c.chain_id, Number(c.seq ?? 0), limit - out.length],
    );
    for (const row of r.rows) out.push({ ...row, seq: Number(row.seq) });
  }
  return out;
}

/**
 * Moves the cursors past a delivered batch, in one transaction, only while this process still
 * holds the lease (a process that lost it mid-send must not move another's cursor).
 */
export async function commitCursor(
  sql: SqlClient,
  sink: string,
  owner: string,
  delivered: readonly EventRow[],
): Promise<boolean> {
  const last = new Map<string, EventRow>();
  for (const row of delivered) last.set(row.chain_id, row);
  return sql.transaction(async (tx) => {
    const held = await tx.query('SELECT 1 FROM audit_sink_leases WHERE sink = $1 AND owner = $2 FOR UPDATE', [
      sink,
      owner,
    ]);
    if (held.rows.length === 0) return false;
    for (const [chain, row] of last)
      await tx.query(
        `INSERT INTO audit_sink_cursors (sink, chain_id, seq, done, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (sink, chain_id) DO UPDATE SET seq = EXCLUDED.seq, done = EXCLUDED.done, updated_at = now()`,
        [sink, chain, row.seq, row.type === 'writer.stopped'],
      );
    return true;
  });
}
