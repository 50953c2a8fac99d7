import type { SqlQueryable } from '@mcpgate/core';
import { heldCallsSql } from './queries.js';

export const HELD_CALLS_COLUMNS = [
  'approval_id',
  'requested_at',
  'requester',
  'upstream',
  'tool',
  'decisions',
  'decided_at',
  'executed_at',
  'executed_as_approved',
] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s =
    v instanceof Date
      ? v.toISOString()
      : typeof v === 'string'
        ? v
        : typeof v === 'number' || typeof v === 'boolean'
          ? String(v)
          : JSON.stringify(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Every held call of the period as CSV (the report itself lists the first 1 000), a page at a
 * time by keyset, so memory stays bounded however many there are. Returns the row count.
 */
export async function streamHeldCalls(
  sql: SqlQueryable,
  period: { readonly from: Date; readonly to: Date },
  write: (chunk: string) => Promise<void>,
  pageSize = 1000,
): Promise<number> {
  await write(`${HELD_CALLS_COLUMNS.join(',')}\r\n`);
  const first = heldCallsSql(false, pageSize);
  const next = heldCallsSql(true, pageSize);
  const base = [period.from.toISOString(), period.to.toISOString()];
  let after: [string, string] | undefined;
  let n = 0;
  for (;;) {
    const r = await sql.query<Record<string, unknown>>(
      after ? next : first,
      after ? [...base, ...after] : base,
    );
    if (r.rows.length > 0)
      await write(
        r.rows.map((row) => `${HELD_CALLS_COLUMNS.map((c) => csvCell(row[c])).join(',')}\r\n`).join(''),
      );
    n += r.rows.length;
    const last = r.rows.at(-1);
    if (!last || r.rows.length < pageSize) return n;
    after = [(last.requested_at as Date).toISOString(), String(last.approval_id)];
  }
}
