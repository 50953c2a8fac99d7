import type { SqlQueryable } from '@mcpgate/core';
import {
  fullRanges,
  loadCheckpoints,
  loadPurges,
  loadWriters,
  planRanges,
  readRanges,
  type TimeWindow,
} from './db.js';
import type { ChainRange, VerifyReport } from './types.js';
import { verifyEvents } from './verifier.js';

export interface VerifyOptions extends TimeWindow {
  readonly trustedKeys?: readonly string[];
  readonly onProgress?: (eventsDone: number) => void;
}

/**
 * Recomputes every chain in the store (or the part a time window covers) and checks every
 * checkpoint signature. `report.problems[0]` is the first bad record.
 */
export async function verifyStore(sql: SqlQueryable, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const planned = await planRanges(sql, opts);
  const ranges = opts.from ? await withPredecessors(sql, planned) : fullRanges(planned);
  const [writers, checkpoints, purges] = await Promise.all([
    loadWriters(sql),
    loadCheckpoints(sql, ranges),
    loadPurges(sql),
  ]);
  return verifyEvents({
    ranges,
    writers,
    checkpoints,
    purges,
    events: readRanges(sql, ranges),
    ...(opts.trustedKeys ? { trustedKeys: opts.trustedKeys } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  });
}

/**
 * A window that starts mid-chain still checks its first record's link: against the stored hash
 * of the record before it. If that record is gone, the window starts one seq earlier in the
 * verifier's eyes and the gap is reported as missing.
 */
async function withPredecessors(sql: SqlQueryable, ranges: ChainRange[]): Promise<ChainRange[]> {
  const out: ChainRange[] = [];
  for (const r of ranges) {
    if (r.fromSeq <= 1) {
      out.push({ ...r, partialStart: false });
      continue;
    }
    const prev = await sql.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM events WHERE chain_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT 1',
      [r.chain_id, r.fromSeq],
    );
    const p = prev.rows[0];
    // Nothing before it: the chain must start at 1 (or its purge anchor), as in a full verify.
    out.push(
      p ? { ...r, fromSeq: Number(p.seq) + 1, prevHash: p.hash } : { ...r, fromSeq: 1, partialStart: false },
    );
  }
  return out;
}
