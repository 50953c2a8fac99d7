import type { SqlClient, SqlQueryable } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import { ChainTree } from '../merkle/chain-tree.js';
import { buildRow, EVENT_COLUMNS, GENESIS_HASH, type EventInput, type EventRow } from '../chain/event.js';

export interface Head {
  readonly seq: number;
  readonly hash: string;
}

interface Pending {
  readonly input: EventInput;
  /** When it was queued (ms since epoch): how far behind the durable record is. */
  readonly at: number;
  readonly resolve: (row: EventRow) => void;
  readonly reject: (err: unknown) => void;
  /**
   * Its row, chained ahead of time while the appender was idle (see prechain); used only if the
   * chain is still where it was then (same seq and predecessor hash).
   */
  prebuilt?: EventRow;
}

const COLUMN_LIST = EVENT_COLUMNS.join(', ');
/** Postgres types of the columns, for decoding a JSON batch (text unless listed). */
const JSON_TYPES: Partial<Record<(typeof EVENT_COLUMNS)[number], string>> = {
  seq: 'bigint',
  ts: 'timestamptz',
};
const INSERT_JSON = `INSERT INTO events (${COLUMN_LIST}) SELECT ${COLUMN_LIST} FROM json_to_recordset($1::json) AS x(${EVENT_COLUMNS.map((c) => `${c} ${JSON_TYPES[c] ?? 'text'}`).join(', ')})`;

/**
 * Batches up to this size use plain parameters: cheaper for the server than decoding JSON, and no
 * second escaping of every body on our side. 64 covers the batches of a busy gateway (≈ 13
 * records with 16 calls in flight); each size is its own prepared statement, so there are at
 * most 65 per connection. Larger batches (a backlog after an outage) go as one JSON document.
 */
const MAX_VALUES_ROWS = 64;
const insertValues: string[] = [];
/** `INSERT … VALUES ($1…$16), ($17…$32), …` for `n` rows, built once per size. */
function insertValuesSql(n: number): string {
  const width = EVENT_COLUMNS.length;
  return (insertValues[n] ??= `INSERT INTO events (${COLUMN_LIST}) VALUES ${Array.from(
    { length: n },
    (_, r) => `(${Array.from({ length: width }, (_, c) => `$${r * width + c + 1}`).join(', ')})`,
  ).join(', ')}`);
}

/**
 * Group commit for one chain. Appends queue up while a batch is being written; the next batch
 * takes everything queued (up to maxBatch) and commits it as one INSERT, so N concurrent calls
 * cost about one commit. One batch in flight at a time keeps the chain gap-free: a batch the
 * store fails is rejected as a whole and the head is re-read from the database before the next
 * one (a commit whose acknowledgement was lost may in fact have landed). A record that cannot be
 * built (encoded, hashed) is refused alone, with an `internal` error naming why; its batch-mates
 * are chained without it and committed.
 */
export class ChainAppender {
  private queue: Pending[] = [];
  /** The batch being written now (already taken off the queue). */
  private writing: Pending[] | undefined;
  private flushing: Promise<void> | undefined;
  private head: Head | undefined;
  private committedCount = 0;
  /** Merkle tree over the committed records, for checkpoint roots. */
  private readonly tree = new ChainTree();
  /**
   * Committed rows not yet in the tree. Hashing them into it is deferred to after the commit's
   * waiters have run (setImmediate), so a write-ahead record's caller — the call on its way to
   * the upstream — does not wait for it; committedRoot and loadHead catch up first.
   */
  private untreed: EventRow[] = [];
  private treeing: NodeJS.Immediate | undefined;
  private prechaining: NodeJS.Immediate | undefined;

  /**
   * `writer`: where the batches' INSERTs go (default `sql`) — a connection held for this chain
   * saves the pool's checkout (a nextTick hop and two timers) on every commit. Reads go to `sql`.
   */
  constructor(
    private readonly sql: SqlClient,
    readonly chainId: string,
    private readonly maxBatch: number,
    private readonly writer: SqlQueryable = sql,
  ) {}

  /** Last committed head, if known. */
  committedHead(): Head | undefined {
    return this.head;
  }

  /** Merkle root over records 1..head (hex), when known; read in the same tick as committedHead. */
  committedRoot(): string | undefined {
    this.catchUpTree();
    return this.head ? this.tree.rootAt(this.head.seq) : undefined;
  }

  private catchUpTree(): void {
    if (this.treeing) {
      clearImmediate(this.treeing);
      this.treeing = undefined;
    }
    if (this.untreed.length === 0) return;
    const rows = this.untreed;
    this.untreed = [];
    this.tree.append(rows);
  }

  /**
   * Queues one event. `lingerMs` > 0 lets a record that nothing waits on (a response written
   * after the client has its answer) wait that long for company: the next write-ahead record —
   * typically the same client's next call — then commits both at once, so a sequential client
   * pays one commit per call instead of two. Write-ahead records never linger.
   */
  append(input: EventInput, lingerMs = 0): Promise<EventRow> {
    return new Promise<EventRow>((resolve, reject) => {
      this.queue.push({ input, at: Date.now(), resolve, reject });
      if (this.flushing) return;
      if (lingerMs > 0) {
        this.lingering ??= setTimeout(() => this.start(), lingerMs);
        this.prechaining ??= setImmediate(() => this.prechain());
        return;
      }
      this.start();
    });
  }

  /**
   * While records linger and nothing is being written, chain them onto the known head now —
   * canonical encoding and hashing, the costly part of a row — so the write-ahead record that
   * comes next (typically the same client's next call) finds them built and only its own row
   * stands between it and its commit. Runs as an immediate: after the answer the lingering
   * record belongs to has been written out. A row built here is used only if the chain has not
   * moved since (see write); a record that cannot be built is left for write to refuse.
   */
  private prechain(): void {
    this.prechaining = undefined;
    const head = this.head;
    if (this.flushing || !head) return;
    const now = new Date();
    let prev = head.hash;
    let seq = head.seq;
    for (const p of this.queue) {
      if (!(p.prebuilt?.seq === seq + 1 && p.prebuilt.prev_hash === prev)) {
        try {
          p.prebuilt = buildRow(this.chainId, seq + 1, prev, p.input, now);
        } catch {
          return;
        }
      }
      seq++;
      prev = p.prebuilt.hash;
    }
  }

  private lingering: NodeJS.Timeout | undefined;

  private start(): void {
    if (this.lingering) {
      clearTimeout(this.lingering);
      this.lingering = undefined;
    }
    this.flushing ??= this.loop();
  }

  /** Resolves once everything queued so far has been written (or failed). */
  async drain(): Promise<void> {
    if (this.queue.length > 0) this.start();
    while (this.flushing) await this.flushing;
  }

  /** Events queued or being written: not durable yet. */
  pending(): number {
    return this.queue.length + (this.writing?.length ?? 0);
  }

  /** When the oldest event not yet durable was queued, if there is one. */
  oldestPendingAt(): number | undefined {
    return this.writing?.[0]?.at ?? this.queue[0]?.at;
  }

  /** Events committed by this appender since it started. */
  committed(): number {
    return this.committedCount;
  }

  private async loop(): Promise<void> {
    // Yield once so appends issued in the same tick join the first batch.
    await Promise.resolve();
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.writing = batch;
      try {
        const written = await this.write(batch);
        this.writing = undefined;
        this.committedCount += written.length;
        for (const [p, row] of written) p.resolve(row);
      } catch (err) {
        this.writing = undefined;
        this.head = undefined;
        const e =
          err instanceof GatewayError
            ? err
            : new GatewayError(
                'audit_unavailable',
                `audit store unavailable: ${err instanceof Error ? err.message : String(err)}`,
                { cause: err },
              );
        for (const p of batch) p.reject(e);
      }
    }
    // Cleared in the same synchronous step that saw the queue empty, so no append can slip
    // between "loop finished" and "next append starts a new loop".
    this.flushing = undefined;
  }

  private async loadHead(): Promise<Head> {
    // Rows committed before the failure that made us re-read the head go into the tree first.
    this.catchUpTree();
    const r = await this.sql.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM events WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1',
      [this.chainId],
    );
    const row = r.rows[0];
    const head = row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
    await this.tree.catchUp(this.sql, this.chainId, head.seq);
    return head;
  }

  /** Commits the batch's buildable records; a record that cannot be built is rejected alone. */
  private async write(batch: Pending[]): Promise<Array<[Pending, EventRow]>> {
    const head = this.head ?? (await this.loadHead());
    const now = new Date();
    const rows: EventRow[] = [];
    const written: Array<[Pending, EventRow]> = [];
    let prev = head.hash;
    let seq = head.seq;
    for (const p of batch) {
      let row: EventRow;
      try {
        const pre = p.prebuilt;
        row =
          pre?.seq === seq + 1 && pre.prev_hash === prev
            ? pre
            : buildRow(this.chainId, seq + 1, prev, p.input, now);
      } catch (err) {
        p.reject(recordBuildError(p.input.type, err));
        continue;
      }
      seq++;
      rows.push(row);
      written.push([p, row]);
      prev = row.hash;
    }
    if (rows.length === 0) return written;
    if (rows.length <= MAX_VALUES_ROWS) {
      const params: unknown[] = [];
      for (const r of rows)
        for (const c of EVENT_COLUMNS) params.push(c === 'ts' ? r.ts.toISOString() : r[c]);
      await this.writer.query(insertValuesSql(rows.length), params, {
        prepare: `mcpgate_events_${rows.length}`,
      });
    } else {
      await this.writer.query(INSERT_JSON, [JSON.stringify(rows)], { prepare: 'mcpgate_events_json' });
    }
    this.head = { seq, hash: prev };
    for (const r of rows) this.untreed.push(r);
    this.treeing ??= setImmediate(() => this.catchUpTree());
    return written;
  }
}

/**
 * A record that cannot be encoded is a defect in what was recorded, not a store outage: the
 * error says so, so the call it belongs to is refused for the real reason.
 */
export function recordBuildError(type: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new GatewayError('internal', `the ${type} audit record could not be built (${why})`, {
    cause: err,
  });
}
