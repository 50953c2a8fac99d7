import type { EventRow } from '../chain/event.js';

/**
 * One audit record as a SIEM receives it (JSONL and HTTP sinks; the OTLP sink maps the same
 * fields to attributes). `id` (`<chain>/<seq>`) is unique and stable: the key to drop the
 * duplicates at-least-once delivery may produce. `body` is the parsed canonical JSON; the
 * canonical encoding of it is exactly what `hash` covers (docs/audit.md).
 */
export interface SiemRecord {
  readonly id: string;
  readonly chain: string;
  readonly seq: number;
  readonly ts: string;
  readonly type: string;
  readonly session: string | null;
  readonly correlation: string | null;
  readonly subject: string | null;
  readonly groups: readonly string[] | null;
  readonly method: string | null;
  readonly upstream: string | null;
  readonly target: string | null;
  readonly decision: string | null;
  readonly outcome: string | null;
  readonly body: unknown;
  readonly hash: string;
  readonly prev_hash: string;
}

export function siemRecord(row: EventRow): SiemRecord {
  return {
    id: `${row.chain_id}/${row.seq}`,
    chain: row.chain_id,
    seq: row.seq,
    ts: row.ts.toISOString(),
    type: row.type,
    session: row.session_id,
    correlation: row.correlation_id,
    subject: row.subject,
    groups: row.groups === null ? null : (JSON.parse(row.groups) as string[]),
    method: row.method,
    upstream: row.upstream,
    target: row.target,
    decision: row.decision,
    outcome: row.outcome,
    body: JSON.parse(row.body) as unknown,
    hash: row.hash,
    prev_hash: row.prev_hash,
  };
}

/** Where records go. `send` resolves once the destination has them durably (or rejects). */
export interface Sink {
  readonly name: string;
  send(records: readonly SiemRecord[]): Promise<void>;
  close?(): Promise<void>;
}
