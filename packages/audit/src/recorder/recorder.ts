import { hostname } from 'node:os';
import type { CallContext, Logger, Outcome, SessionInfo, SqlClient, TrafficNote } from '@mcpgate/core';
import { GatewayError, silentLogger } from '@mcpgate/core';
import type { EventInput, EventRow } from '../chain/event.js';
import { signCheckpoint, type SigningKey } from '../chain/keys.js';
import { ChainAppender } from './appender.js';
import { DEFAULT_PAYLOAD_CAP_BYTES, capSummary } from './payload.js';
import {
  EVENT_TYPES,
  gatewayRecord,
  refusalRecord,
  requestRecord,
  responseRecord,
  sessionRecord,
} from './records.js';
import { recoveryEvents } from './recovery.js';
import { registerWriter } from './writer.js';

export interface RecorderOptions {
  /** Stable name of this gateway replica (default: host name). The chain id is `<replicaId>:<epoch>`. */
  readonly replicaId?: string;
  readonly signingKey: SigningKey;
  readonly logger?: Logger;
  /** Sign the chain head this often when it moved (default 30 s). Also at close. */
  readonly checkpointIntervalMs?: number;
  /** Most events per group commit (default 2000). */
  readonly maxBatch?: number;
  /** Payloads (arguments, results) larger than this are stored truncated with their SHA-256 (default 1 MiB). */
  readonly payloadCapBytes?: number;
  /** Mark calls left open by dead writers as "outcome unknown" at start (default true; the CLI's readers pass false). */
  readonly recover?: boolean;
  /** Another replica's chain counts as dead after this long without an event (default 1 h). */
  readonly deadWriterAfterMs?: number;
  /** Events kept in memory for retry when a non-write-ahead record could not be stored (default 10 000). */
  readonly maxDeferred?: number;
  /**
   * How long a record nothing waits on (response, refusal, notification) may wait to share the
   * next commit (default 10 ms; 0 = commit at once). Write-ahead request records never wait.
   */
  readonly lingerMs?: number;
  readonly version?: string;
}

/** A notification or server→client request, recorded compactly: the gateway core's TrafficNote. */
export type NotificationRecord = TrafficNote;

/** Who read the audit, and how. */
export interface AuditReader {
  readonly subject: string;
  readonly host?: string;
  readonly pid?: number;
}

export interface CheckpointRow {
  readonly chain_id: string;
  readonly seq: number;
  readonly hash: string;
  readonly ts: Date;
  readonly final: boolean;
  readonly public_key: string;
  readonly signature: string;
}

export interface AuditStats {
  readonly queued: number;
  readonly deferred: number;
  readonly dropped: number;
  readonly committed: number;
  readonly lagMs: number;
}

/**
 * The audit writer of one gateway process: one hash chain, group-committed appends, signed
 * checkpoints, and recovery of calls a crashed predecessor left open.
 */
export class AuditRecorder {
  private readonly appender: ChainAppender;
  private readonly log: Logger;
  private readonly capBytes: number;
  private readonly maxDeferred: number;
  private readonly lingerMs: number;
  private deferred: EventInput[] = [];
  /** When the deferred list last went from empty to non-empty. */
  private deferredSince: number | undefined;
  /** appendOrDefer calls still running: flush() waits for them. */
  private readonly background = new Set<Promise<void>>();
  private droppedDeferred = 0;
  private timers: NodeJS.Timeout[] = [];
  private lastCheckpointSeq = 0;
  private checkpointing: Promise<CheckpointRow | undefined> | undefined;
  private closed = false;

  private constructor(
    private readonly sql: SqlClient,
    readonly chainId: string,
    readonly epoch: number,
    private readonly opts: RecorderOptions,
  ) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'audit', chain: chainId });
    this.appender = new ChainAppender(sql, chainId, opts.maxBatch ?? 2000);
    this.capBytes = opts.payloadCapBytes ?? DEFAULT_PAYLOAD_CAP_BYTES;
    this.maxDeferred = opts.maxDeferred ?? 10_000;
    this.lingerMs = opts.lingerMs ?? 10;
  }

  /** Registers a new writer (next epoch), records `writer.started`, recovers dead writers' open calls. */
  static async start(sql: SqlClient, opts: RecorderOptions): Promise<AuditRecorder> {
    const replicaId = opts.replicaId ?? hostname();
    const w = await registerWriter(sql, replicaId, opts.signingKey.publicKey, opts.version);
    const rec = new AuditRecorder(sql, w.chainId, w.epoch, opts);
    await rec.append({
      type: EVENT_TYPES.writerStarted,
      body: {
        replicaId,
        epoch: w.epoch,
        host: hostname(),
        pid: process.pid,
        version: opts.version,
        publicKey: opts.signingKey.publicKey,
      },
    });
    if (opts.recover !== false) {
      const events = await recoveryEvents(sql, w.chainId, replicaId, opts.deadWriterAfterMs ?? 3_600_000);
      if (events.length > 0) {
        await Promise.all(events.map((e) => rec.append(e)));
        const unknown = events.filter((e) => e.type === EVENT_TYPES.callUnknown).length;
        // Worth a warning only when a call's outcome is really unknown; closing the sessions a
        // stopped gateway left open is routine.
        if (unknown > 0)
          rec.log.warn({ unknown }, 'marked calls left open by a stopped gateway as "outcome unknown"');
        else rec.log.debug({ events: events.length }, 'closed records left open by a stopped gateway');
      }
    }
    const interval = opts.checkpointIntervalMs ?? 30_000;
    const cp = setInterval(() => {
      rec.checkpoint().catch((err: unknown) => rec.log.warn({ err: String(err) }, 'audit checkpoint failed'));
    }, interval);
    const retry = setInterval(() => void rec.retryDeferred(), 2000);
    cp.unref();
    retry.unref();
    rec.timers.push(cp, retry);
    return rec;
  }

  /** Appends one event, durably: resolves after its group commit. Rejects with `audit_unavailable`. */
  append(input: EventInput): Promise<EventRow> {
    if (this.closed) return Promise.reject(new GatewayError('audit_unavailable', 'audit recorder is closed'));
    return this.appender.append(input);
  }

  /**
   * For records that must not block or fail the data path (responses after execution, refusals,
   * notifications): tries now, keeps the event in memory and retries while the store is down.
   * Resolves either way.
   */
  appendOrDefer(input: EventInput): Promise<void> {
    const p = this.tryAppend(input, this.lingerMs);
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
    return p;
  }

  private async tryAppend(input: EventInput, lingerMs = 0): Promise<void> {
    try {
      if (this.closed) throw new GatewayError('audit_unavailable', 'audit recorder is closed');
      await this.appender.append(input, lingerMs);
    } catch (err) {
      if (this.closed) {
        this.log.error({ err: String(err), type: input.type }, 'audit record lost: recorder closed');
        return;
      }
      this.defer(input, err);
    }
  }

  private defer(input: EventInput, err: unknown): void {
    if (this.deferred.length >= this.maxDeferred) {
      this.deferred.shift();
      this.droppedDeferred++;
    }
    this.deferred.push(input);
    this.deferredSince ??= Date.now();
    this.log.error(
      { err: String(err), type: input.type, deferred: this.deferred.length, dropped: this.droppedDeferred },
      'audit store unavailable; record kept in memory for retry',
    );
  }

  private async retryDeferred(): Promise<void> {
    if (this.deferred.length === 0) return;
    const batch = this.deferred;
    this.deferred = [];
    const results = await Promise.allSettled(batch.map((e) => this.append(e)));
    const failed = batch.filter((_, i) => results[i]!.status === 'rejected');
    if (failed.length > 0) this.deferred = [...failed, ...this.deferred].slice(-this.maxDeferred);
    else this.log.info({ records: batch.length }, 'audit store back; deferred records written');
    if (this.deferred.length === 0) this.deferredSince = undefined;
  }

  /**
   * How far the durable record is behind (for metrics): records queued or being written, records
   * held in memory while the store is down, records dropped from that memory when it overflowed,
   * records committed, and the age of the oldest record not yet durable (0 when there is none).
   */
  stats(now = Date.now()): AuditStats {
    const oldest = Math.min(this.appender.oldestPendingAt() ?? now, this.deferredSince ?? now);
    return {
      queued: this.appender.pending(),
      deferred: this.deferred.length,
      dropped: this.droppedDeferred,
      committed: this.appender.committed(),
      lagMs: Math.max(0, now - oldest),
    };
  }

  /** Records still waiting for the store (not yet durable). */
  deferredCount(): number {
    return this.deferred.length;
  }

  // ---- the data path ------------------------------------------------------------------------

  /** Write-ahead: resolves only once the request record is committed. */
  async recordRequest(ctx: CallContext): Promise<EventRow> {
    return this.append(requestRecord(ctx, this.capBytes));
  }

  /** Fail-open upstreams only: the request record written after the fact. */
  async recordLateRequest(ctx: CallContext): Promise<void> {
    await this.appendOrDefer(requestRecord(ctx, this.capBytes));
  }

  async recordResponse(ctx: CallContext, outcome: Outcome): Promise<void> {
    await this.appendOrDefer(responseRecord(ctx, outcome, this.capBytes));
  }

  async recordRefusal(ctx: CallContext, outcome: Outcome): Promise<void> {
    await this.appendOrDefer(refusalRecord(ctx, outcome, this.capBytes));
  }

  async recordGatewayAnswer(ctx: CallContext, outcome: Outcome): Promise<void> {
    await this.appendOrDefer(gatewayRecord(ctx, outcome));
  }

  /** A downstream session began (identity as known at that point). Resolves once durable or deferred. */
  async sessionStarted(info: SessionInfo): Promise<void> {
    await this.appendOrDefer(sessionRecord(info));
  }

  async sessionEnded(sessionId: string, reason?: string): Promise<void> {
    await this.appendOrDefer({
      type: EVENT_TYPES.sessionEnded,
      sessionId,
      ts: new Date(),
      body: { reason },
    });
  }

  /** Fire-and-forget: notifications never wait on the store. */
  recordNotification(n: NotificationRecord): void {
    void this.appendOrDefer({
      type: n.kind === 'server_request' ? EVENT_TYPES.serverRequest : EVENT_TYPES.notification,
      sessionId: n.sessionId,
      correlationId: n.correlationId,
      method: n.method,
      upstream: n.upstream,
      ts: new Date(),
      body: { direction: n.direction, summary: capSummary(n.summary) },
    });
  }

  /** Reading the audit is audited: who ran which command with which filters. Durable before the read runs. */
  async recordRead(
    reader: AuditReader,
    action: string,
    filters: Readonly<Record<string, unknown>>,
  ): Promise<void> {
    await this.append({
      type: EVENT_TYPES.auditRead,
      subject: reader.subject,
      method: `audit.${action}`,
      ts: new Date(),
      body: { action, filters, host: reader.host, pid: reader.pid },
    });
  }

  // ---- checkpoints and lifecycle ------------------------------------------------------------

  /** Signs the committed chain head if it moved since the last checkpoint. */
  checkpoint(final = false): Promise<CheckpointRow | undefined> {
    const run = async (): Promise<CheckpointRow | undefined> => {
      if (this.checkpointing) await this.checkpointing.catch(() => undefined);
      // Sign a head that covers everything appended so far (lingering records included).
      await this.appender.drain();
      const head = this.appender.committedHead();
      if (!head || head.seq <= this.lastCheckpointSeq) return undefined;
      const claim = { chain_id: this.chainId, seq: head.seq, hash: head.hash, ts: new Date(), final };
      const row: CheckpointRow = {
        ...claim,
        public_key: this.opts.signingKey.publicKey,
        signature: signCheckpoint(claim, this.opts.signingKey),
      };
      await this.sql.query(
        `INSERT INTO checkpoints (chain_id, seq, hash, ts, final, public_key, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [row.chain_id, row.seq, row.hash, row.ts.toISOString(), row.final, row.public_key, row.signature],
      );
      this.lastCheckpointSeq = Math.max(this.lastCheckpointSeq, head.seq);
      return row;
    };
    const p = run();
    this.checkpointing = p;
    return p;
  }

  /** Waits until everything appended so far is committed, or failed and deferred. */
  async flush(): Promise<void> {
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await this.appender.drain();
  }

  /** Drains, records `writer.stopped`, writes a final checkpoint. Does not close the store. */
  async close(): Promise<void> {
    if (this.closed) return;
    for (const t of this.timers) clearInterval(t);
    await this.flush();
    await this.retryDeferred();
    try {
      await this.append({
        type: EVENT_TYPES.writerStopped,
        body: { deferredLost: this.deferred.length + this.droppedDeferred },
      });
      this.closed = true;
      await this.checkpoint(true);
    } catch (err) {
      this.log.error(
        { err: String(err) },
        'audit: could not record shutdown; the chain ends unsigned after the last checkpoint',
      );
    } finally {
      this.closed = true;
    }
  }
}
