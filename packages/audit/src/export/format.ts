import { EVENT_COLUMNS, type EventRow } from '../chain/event.js';
import type { CheckpointRecord, PurgeRecord, WriterRecord } from '../verify/types.js';

export const EXPORT_FORMAT = 'mcpgate-audit-export';
export const EXPORT_VERSION = 1;

/** Every line of a JSONL export is one of these; CSV carries the same fields in fixed columns. */
export type ExportRecord =
  | {
      readonly record: 'header';
      readonly format: typeof EXPORT_FORMAT;
      readonly version: number;
      readonly exportedAt: string;
      readonly from: string | null;
      readonly to: string | null;
    }
  | ({ readonly record: 'writer' } & Omit<WriterRecord, 'started_at'> & { readonly started_at: string })
  | ({ readonly record: 'purge' } & Omit<PurgeRecord, 'checkpoint_ts' | 'purged_at'> & {
        readonly checkpoint_ts: string;
        readonly purged_at: string;
      })
  | ({ readonly record: 'range' } & {
      readonly chain_id: string;
      readonly fromSeq: number;
      readonly toSeq: number;
      readonly partialStart: boolean;
      readonly partialEnd: boolean;
    })
  | ({ readonly record: 'checkpoint' } & Omit<CheckpointRecord, 'ts'> & { readonly ts: string })
  | ({ readonly record: 'event' } & Omit<EventRow, 'ts'> & { readonly ts: string })
  | { readonly record: 'end'; readonly events: number };

/** CSV columns, in order. A record uses the ones that apply and leaves the rest empty. */
export const CSV_COLUMNS = ['record', ...EVENT_COLUMNS, 'final', 'public_key', 'signature', 'meta'] as const;

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) || s === '' ? `"${s.replace(/"/g, '""')}"` : s;
}

const NULL_MARK = '\\N';

/**
 * One CSV line. Event columns keep SQL NULL distinct from empty text (`\N`), because the hash
 * covers the difference. Records other than events put their fields in the JSON `meta` column.
 */
export function csvLine(rec: ExportRecord): string {
  if (rec.record === 'event') {
    const cells = CSV_COLUMNS.map((c) => {
      if (c === 'record') return 'event';
      if (c === 'final' || c === 'public_key' || c === 'signature' || c === 'meta') return '';
      const v = (rec as unknown as Record<string, unknown>)[c];
      return v === null ? NULL_MARK : csvCell(v);
    });
    return `${cells.join(',')}\r\n`;
  }
  const { record, ...rest } = rec;
  const cells = CSV_COLUMNS.map((c) =>
    c === 'record' ? record : c === 'meta' ? csvCell(JSON.stringify(rest)) : '',
  );
  return `${cells.join(',')}\r\n`;
}

/** Splits CSV text into rows, honouring quoted fields (which may contain commas, quotes and newlines). */
export class CsvReader {
  private buf = '';

  *push(chunk: string, end = false): Generator<string[]> {
    this.buf += chunk;
    let start = 0;
    let row: string[] = [];
    const s = this.buf;
    let cell = '';
    let quoted = false;
    let atStart = true;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      if (quoted) {
        if (ch === '"') {
          if (s[i + 1] === '"') {
            cell += '"';
            i++;
          } else quoted = false;
        } else cell += ch;
        continue;
      }
      if (ch === '"' && atStart) {
        quoted = true;
        atStart = false;
        continue;
      }
      if (ch === ',') {
        row.push(cell);
        cell = '';
        atStart = true;
        continue;
      }
      if (ch === '\n' || ch === '\r') {
        // A chunk may end between \r and \n: wait for the next one rather than read the \n as
        // an empty row of its own.
        if (ch === '\r' && i + 1 === s.length && !end) break;
        if (ch === '\r' && s[i + 1] === '\n') i++;
        row.push(cell);
        yield row;
        row = [];
        cell = '';
        atStart = true;
        start = i + 1;
        continue;
      }
      cell += ch;
      atStart = false;
    }
    this.buf = s.slice(start);
    if (end && this.buf.length > 0) {
      const rest = this.buf;
      this.buf = '';
      yield* this.push(`${rest}\n`);
    }
  }
}

/** Inverse of csvLine for one parsed row. */
export function csvRecord(cells: string[]): ExportRecord {
  const get = (c: (typeof CSV_COLUMNS)[number]): string => cells[CSV_COLUMNS.indexOf(c)] ?? '';
  const record = get('record');
  if (record !== 'event') return { record, ...(JSON.parse(get('meta')) as object) } as ExportRecord;
  const val = (c: (typeof CSV_COLUMNS)[number]): string | null => (get(c) === NULL_MARK ? null : get(c));
  return {
    record: 'event',
    chain_id: get('chain_id'),
    seq: Number(get('seq')),
    ts: get('ts'),
    type: get('type'),
    session_id: val('session_id'),
    correlation_id: val('correlation_id'),
    subject: val('subject'),
    groups: val('groups'),
    method: val('method'),
    upstream: val('upstream'),
    target: val('target'),
    decision: val('decision'),
    outcome: val('outcome'),
    body: get('body'),
    prev_hash: get('prev_hash'),
    hash: get('hash'),
  };
}
