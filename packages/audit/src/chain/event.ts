import { canonicalJson, sha256Hex } from '@mcpgate/core';

/** `prev_hash` of a chain's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/** One row of the `events` table, as written and as read back. */
export interface EventRow {
  readonly chain_id: string;
  readonly seq: number;
  readonly ts: Date;
  readonly type: string;
  readonly session_id: string | null;
  readonly correlation_id: string | null;
  readonly subject: string | null;
  /** Canonical JSON array of group names, or null. */
  readonly groups: string | null;
  readonly method: string | null;
  readonly upstream: string | null;
  readonly target: string | null;
  readonly decision: string | null;
  readonly outcome: string | null;
  /** Canonical JSON of the event's details. */
  readonly body: string;
  readonly prev_hash: string;
  readonly hash: string;
}

/** The indexed columns a writer fills in; everything else goes in the body. */
export interface EventInput {
  readonly type: string;
  readonly sessionId?: string | undefined;
  readonly correlationId?: string | undefined;
  readonly subject?: string | undefined;
  readonly groups?: readonly string[] | undefined;
  readonly method?: string | undefined;
  readonly upstream?: string | undefined;
  readonly target?: string | undefined;
  readonly decision?: string | undefined;
  readonly outcome?: string | undefined;
  readonly body: Readonly<Record<string, unknown>>;
  readonly ts?: Date;
}

export const EVENT_COLUMNS = [
  'chain_id',
  'seq',
  'ts',
  'type',
  'session_id',
  'correlation_id',
  'subject',
  'groups',
  'method',
  'upstream',
  'target',
  'decision',
  'outcome',
  'body',
  'prev_hash',
  'hash',
] as const;

/**
 * The header is every column except body and the hashes, with nulls kept. Its canonical JSON
 * never contains a raw newline, so `prev \n header \n body` is an unambiguous hash input.
 */
export function eventHeader(row: Omit<EventRow, 'prev_hash' | 'hash' | 'body'>): string {
  // Hand-rolled for speed on the write path; equal to canonicalJson of the same object with its
  // keys sorted (a test pins the two together).
  const j = JSON.stringify;
  return (
    `{"chain":${j(row.chain_id)},"correlation":${j(row.correlation_id)},"decision":${j(row.decision)},` +
    `"groups":${j(row.groups)},"method":${j(row.method)},"outcome":${j(row.outcome)},"seq":${j(row.seq)},` +
    `"session":${j(row.session_id)},"subject":${j(row.subject)},"target":${j(row.target)},` +
    `"ts":${j(row.ts.toISOString())},"type":${j(row.type)},"upstream":${j(row.upstream)}}`
  );
}

/** The header as a plain object (documentation and tests): its canonical JSON is `eventHeader`. */
export function eventHeaderObject(
  row: Omit<EventRow, 'prev_hash' | 'hash' | 'body'>,
): Record<string, unknown> {
  return {
    chain: row.chain_id,
    seq: row.seq,
    ts: row.ts.toISOString(),
    type: row.type,
    session: row.session_id,
    correlation: row.correlation_id,
    subject: row.subject,
    groups: row.groups,
    method: row.method,
    upstream: row.upstream,
    target: row.target,
    decision: row.decision,
    outcome: row.outcome,
  };
}

/** sha256( prev_hash "\n" canonical(header) "\n" body ), hex. docs/audit.md shows it by hand. */
export function eventHash(row: Omit<EventRow, 'hash'>): string {
  return sha256Hex(`${row.prev_hash}\n${eventHeader(row)}\n${row.body}`);
}

const NEEDS_CLEANING = /[\0\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Postgres text cannot hold NUL and JSON input rejects lone surrogates: make column values storable. */
export function storable(s: string | undefined): string | null {
  if (s === undefined) return null;
  if (!NEEDS_CLEANING.test(s)) return s;
  return s.replace(LONE_SURROGATE, '\uFFFD').replace(/\0/g, '\uFFFD');
}

/** Builds the row a writer appends at (seq, prev): the hash covers exactly what is stored. */
export function buildRow(chainId: string, seq: number, prev: string, input: EventInput, now: Date): EventRow {
  const base = {
    chain_id: chainId,
    seq,
    // Stored as timestamptz (µs) but created at ms precision, so it reads back identical.
    ts: input.ts ?? now,
    type: input.type,
    session_id: storable(input.sessionId),
    correlation_id: storable(input.correlationId),
    subject: storable(input.subject),
    // An array of strings: JSON.stringify is already canonical.
    groups: input.groups ? JSON.stringify(input.groups.map((g) => storable(g))) : null,
    method: storable(input.method),
    upstream: storable(input.upstream),
    target: storable(input.target),
    decision: storable(input.decision),
    outcome: storable(input.outcome),
    body: canonicalJson(input.body),
    prev_hash: prev,
  };
  (base as { hash?: string }).hash = eventHash(base);
  return base as EventRow;
}
