import type { SqlQueryable } from '@mcpgate/core';
import type { EventRow } from '../chain/event.js';
import type { ChainRange, CheckpointRecord, PurgeRecord, WriterRecord } from './types.js';

export interface TimeWindow {
  readonly from?: Date;
  readonly to?: Date;
}

const EVENT_SELECT = `SELECT chain_id, seq, ts, type, session_id, correlation_id, subject, groups, method, upstream,
  target, decision, outcome, body, prev_hash, hash FROM events`;

/**
 * Which seq range of each chain a time window covers. The range is then read by seq, not by
 * time, so a record deleted from the middle shows up as a gap rather than silently vanishing.
 */
export async function planRanges(sql: SqlQueryable, w: TimeWindow): Promise<ChainRange[]> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (w.from) {
    params.push(w.from.toISOString());
    conds.push(`ts >= $${params.length}`);
  }
  if (w.to) {
    params.push(w.to.toISOString());
    conds.push(`ts < $${params.length}`);
  }
  const where = conds.length ? `WHERE ${conds.join(' AND ')}` : '';
  const r = await sql.query<{ chain_id: string; min: number; max: number }>(
    `SELECT chain_id, min(seq) AS min, max(seq) AS max FROM events ${where} GROUP BY chain_id ORDER BY chain_id`,
    params,
  );
  const ranges: ChainRange[] = r.rows.map((x) => ({
    chain_id: x.chain_id,
    fromSeq: Number(x.min),
    toSeq: Number(x.max),
    partialStart: w.from !== undefined,
    partialEnd: w.to !== undefined,
  }));
  if (!w.from && !w.to) {
    // Registered writers whose every record is gone must still be looked at.
    const known = new Set(ranges.map((x) => x.chain_id));
    const writers = await sql.query<{ chain_id: string }>(
      'SELECT chain_id FROM audit_writers ORDER BY chain_id',
    );
    for (const { chain_id } of writers.rows)
      if (!known.has(chain_id))
        ranges.push({ chain_id, fromSeq: 1, toSeq: 0, partialStart: false, partialEnd: false });
  }
  return ranges;
}

/** With no window, a chain starts at 1 (or its purge anchor): widen each range to the chain's start. */
export function fullRanges(ranges: ChainRange[]): ChainRange[] {
  return ranges.map((r) => (r.partialStart ? r : { ...r, fromSeq: 1 }));
}

export async function loadWriters(sql: SqlQueryable): Promise<WriterRecord[]> {
  return (
    await sql.query<WriterRecord>(
      'SELECT chain_id, replica_id, epoch, started_at, public_key FROM audit_writers ORDER BY chain_id',
    )
  ).rows;
}

export async function loadCheckpoints(
  sql: SqlQueryable,
  ranges: readonly ChainRange[],
): Promise<CheckpointRecord[]> {
  if (ranges.length === 0) return [];
  const r = await sql.query<CheckpointRecord>(
    `SELECT chain_id, seq, hash, ts, final, public_key, signature, root_hash FROM checkpoints
     WHERE chain_id = ANY($1::text[]) ORDER BY chain_id, seq`,
    [ranges.map((x) => x.chain_id)],
  );
  return r.rows.map((c) => ({ ...c, seq: Number(c.seq) }));
}

export async function loadPurges(sql: SqlQueryable): Promise<PurgeRecord[]> {
  const r = await sql.query<PurgeRecord>(
    `SELECT chain_id, through_seq, through_hash, checkpoint_ts, checkpoint_final, public_key, signature, purged_at,
            purged_by, events_deleted, checkpoint_root_hash FROM audit_purges ORDER BY chain_id, through_seq`,
  );
  return r.rows.map((p) => ({
    ...p,
    through_seq: Number(p.through_seq),
    events_deleted: Number(p.events_deleted),
  }));
}

/**
 * Streams a chain range in batches: constant memory however long the chain. Each batch asks for
 * a bounded seq window (`seq > a AND seq <= a + batch`), not "the next N after a": with
 * statistics not yet gathered on a freshly grown table, Postgres plans the open-ended form as a
 * bitmap scan of the whole rest of the chain plus a sort, for every batch — quadratic over 1M
 * records. A window costs at most `batch` rows whatever the plan; windows a gap left empty are
 * stepped over, and past the planned end the next record (appended since) is looked up once.
 */
export async function* readRange(
  sql: SqlQueryable,
  range: ChainRange,
  batch = 2000,
  openEnded = !range.partialEnd,
): AsyncGenerator<EventRow> {
  let after = range.fromSeq - 1;
  for (;;) {
    const hi = openEnded ? after + batch : Math.min(after + batch, range.toSeq);
    if (hi <= after) return;
    const r = await sql.query<EventRow>(
      `${EVENT_SELECT} WHERE chain_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq`,
      [range.chain_id, after, hi],
    );
    for (const row of r.rows) yield { ...row, seq: Number(row.seq) };
    after = hi;
    if (r.rows.length > 0 || after < range.toSeq) continue;
    if (!openEnded) return;
    const next = await sql.query<{ seq: number }>(
      'SELECT seq FROM events WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT 1',
      [range.chain_id, after],
    );
    if (!next.rows[0]) return;
    after = Number(next.rows[0].seq) - 1;
  }
}

export async function* readRanges(
  sql: SqlQueryable,
  ranges: readonly ChainRange[],
): AsyncGenerator<EventRow> {
  for (const range of ranges) yield* readRange(sql, range);
}

export async function countEvents(sql: SqlQueryable, w: TimeWindow): Promise<number> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (w.from) {
    params.push(w.from.toISOString());
    conds.push(`ts >= $${params.length}`);
  }
  if (w.to) {
    params.push(w.to.toISOString());
    conds.push(`ts < $${params.length}`);
  }
  const r = await sql.query<{ n: number }>(
    `SELECT count(*)::bigint AS n FROM events ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}`,
    params,
  );
  return Number(r.rows[0]?.n ?? 0);
}
