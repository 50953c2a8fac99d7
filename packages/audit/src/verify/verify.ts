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
import type { VerifyReport } from './types.js';
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
  const ranges = opts.from ? planned : fullRanges(planned);
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
