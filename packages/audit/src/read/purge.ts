import type { SqlClient } from '@mcpgate/core';
import type { AuditRecorder } from '../recorder/recorder.js';
import { EVENT_TYPES } from '../recorder/records.js';

export interface PurgeResult {
  readonly chain: string;
  readonly throughSeq: number;
  readonly eventsDeleted: number;
}

interface Cut {
  chain_id: string;
  seq: number;
  hash: string;
  ts: Date;
  final: boolean;
  public_key: string;
  signature: string;
  root_hash: string | null;
}

/**
 * Removes whole, checkpointed segments older than `before`: per chain, everything up to and
 * including the newest checkpoint signed before the cutoff. Each cut leaves its signed checkpoint
 * as an anchor in `audit_purges`, so what remains verifies from there; each purge is itself an
 * event in the purging writer's chain. Only this code sets the flag the append-only trigger honours.
 */
export async function purgeAudit(
  sql: SqlClient,
  recorder: AuditRecorder,
  opts: { before: Date; by: string },
): Promise<PurgeResult[]> {
  const cuts = await sql.query<Cut>(
    `SELECT DISTINCT ON (c.chain_id) c.chain_id, c.seq, c.hash, c.ts, c.final, c.public_key, c.signature,
            c.root_hash
     FROM checkpoints c
     WHERE c.ts < $1 AND c.chain_id <> $2
       AND NOT EXISTS (SELECT 1 FROM audit_purges p WHERE p.chain_id = c.chain_id AND p.through_seq >= c.seq)
     ORDER BY c.chain_id, c.seq DESC`,
    [opts.before.toISOString(), recorder.chainId],
  );
  const results: PurgeResult[] = [];
  for (const cut of cuts.rows) {
    const seq = Number(cut.seq);
    // Say what is about to happen first: the intent is on record even if the purge fails.
    await recorder.append({
      type: EVENT_TYPES.auditPurge,
      subject: opts.by,
      target: cut.chain_id,
      body: { phase: 'start', chain: cut.chain_id, throughSeq: seq, before: opts.before.toISOString() },
    });
    const deleted = await sql.transaction(async (tx) => {
      await tx.query(`SELECT set_config('mcpgate.audit_purge', 'on', true)`);
      const d = await tx.query(`DELETE FROM events WHERE chain_id = $1 AND seq <= $2`, [cut.chain_id, seq]);
      await tx.query(`DELETE FROM checkpoints WHERE chain_id = $1 AND seq <= $2`, [cut.chain_id, seq]);
      await tx.query(
        `INSERT INTO audit_purges (chain_id, through_seq, through_hash, checkpoint_ts, checkpoint_final, public_key,
           signature, purged_at, purged_by, events_deleted, checkpoint_root_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8, $9, $10)`,
        [
          cut.chain_id,
          seq,
          cut.hash,
          cut.ts.toISOString(),
          cut.final,
          cut.public_key,
          cut.signature,
          opts.by,
          d.rowCount,
          cut.root_hash,
        ],
      );
      return d.rowCount;
    });
    await recorder.append({
      type: EVENT_TYPES.auditPurge,
      subject: opts.by,
      target: cut.chain_id,
      body: { phase: 'done', chain: cut.chain_id, throughSeq: seq, eventsDeleted: deleted },
    });
    results.push({ chain: cut.chain_id, throughSeq: seq, eventsDeleted: deleted });
  }
  return results;
}
