import type { SqlQueryable } from '@mcpgate/core';
import { fullRanges, loadCheckpoints, loadPurges, loadWriters, planRanges, readRange } from '../verify/db.js';
import { csvLine, CSV_COLUMNS, EXPORT_FORMAT, EXPORT_VERSION, type ExportRecord } from './format.js';

export interface ExportOptions {
  readonly from?: Date;
  readonly to?: Date;
  readonly format: 'jsonl' | 'csv';
  /** Receives the file's text, chunk by chunk; awaited, so a slow disk applies backpressure. */
  readonly write: (chunk: string) => Promise<void>;
  readonly onProgress?: (eventsDone: number) => void;
}

export interface ExportSummary {
  readonly events: number;
  readonly chains: number;
  readonly checkpoints: number;
}

/**
 * Streams the audit (whole chains, or the chain ranges a time window covers) with its proof:
 * writer keys, purge anchors and checkpoints come first, then events chain by chain in seq order,
 * then an end marker with the count. Memory stays constant: events are read in keyset batches.
 */
export async function exportAudit(sql: SqlQueryable, opts: ExportOptions): Promise<ExportSummary> {
  const planned = await planRanges(sql, opts);
  const ranges = opts.from ? planned : fullRanges(planned);
  // Closed ranges: what was planned is what is exported, even while writers keep appending.
  const [writers, checkpoints, purges] = await Promise.all([
    loadWriters(sql),
    loadCheckpoints(sql, ranges),
    loadPurges(sql),
  ]);
  const fmt = (rec: ExportRecord): string =>
    opts.format === 'csv' ? csvLine(rec) : `${JSON.stringify(rec)}\n`;
  if (opts.format === 'csv') await opts.write(`${CSV_COLUMNS.join(',')}\r\n`);
  await opts.write(
    fmt({
      record: 'header',
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      exportedAt: new Date().toISOString(),
      from: opts.from?.toISOString() ?? null,
      to: opts.to?.toISOString() ?? null,
    }),
  );
  const chains = new Set(ranges.map((r) => r.chain_id));
  for (const w of writers)
    if (chains.has(w.chain_id))
      await opts.write(fmt({ record: 'writer', ...w, started_at: w.started_at.toISOString() }));
  for (const p of purges)
    if (chains.has(p.chain_id))
      await opts.write(
        fmt({
          record: 'purge',
          ...p,
          checkpoint_ts: p.checkpoint_ts.toISOString(),
          purged_at: p.purged_at.toISOString(),
        }),
      );
  let cps = 0;
  const closed = ranges.map((r) => ({ ...r, partialEnd: true }));
  for (const r of closed) await opts.write(fmt({ record: 'range', ...r }));
  const within = new Map(closed.map((r) => [r.chain_id, r]));
  for (const c of checkpoints) {
    const r = within.get(c.chain_id);
    if (!r || c.seq < r.fromSeq || c.seq > r.toSeq) continue;
    cps++;
    await opts.write(fmt({ record: 'checkpoint', ...c, ts: c.ts.toISOString() }));
  }
  let events = 0;
  let chunk = '';
  for (const r of closed) {
    for await (const row of readRange(sql, r, 2000, false)) {
      chunk += fmt({ record: 'event', ...row, ts: row.ts.toISOString() });
      events++;
      if (chunk.length > 256 * 1024) {
        await opts.write(chunk);
        chunk = '';
        opts.onProgress?.(events);
      }
    }
  }
  if (chunk) await opts.write(chunk);
  opts.onProgress?.(events);
  await opts.write(fmt({ record: 'end', events }));
  return { events, chains: ranges.length, checkpoints: cps };
}
