import { hostname } from 'node:os';
import type { CallContext, Logger, Outcome, SessionInfo, SqlClient, TrafficNote } from '@mcpgate/core';
import { GatewayError, isGatewayError, silentLogger } from '@mcpgate/core';
import type { JsonObject } from '@mcpgate/core';
import type { EventInput, EventRow } from '../chain/event.js';
import { signCheckpoint, type SigningKey } from '../chain/keys.js';
import { ChainAppender, recordBuildError } from './appender.js';
import { DEFAULT_PAYLOAD_CAP_BYTES, capPayload, capSummary } from './payload.js';
import {
  EVENT_TYPES,
  gatewayRecord,
  refusalRecord,
  requestRecord,
  responseRecord,
  sessionRecord,
  unrecordable,
  unrecordableCall,
} from './records.js';
import { recoveryEvents } from './recovery.js';
import type { HeldConnection, Store } from '../store/types.js';
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
  /**
   * Called with every checkpoint once it is stored (checkpoint witnessing). Must not throw or
   * block: publishing outside the database never holds up the data path.
   */
  readonly onCheckpoint?: (row: CheckpointRow) => void;
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
  /** Merkle root over records 1..seq (hex), signed with the rest; null when it could not be computed. */
  readonly root_hash: string | null;
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
  private readonly held: HeldConnection | undefined;

  private constructor(
    private readonly sql: SqlClient,
    readonly chainId: string,
    readonly epoch: number,
    private readonly opts: RecorderOptions,
  ) {
    this.log = (opts.logger ?? silentLogger).child({ component: 'audit', chain: chainId });
    // The INSERTs of the chain go over a connection held for them when the store can spare one.
    this.held = (sql as Partial<Store>).holdConnection?.();
    this.appender = new ChainAppender(sql, chainId, opts.maxBatch ?? 2000, this.held ?? sql);
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
      if (isGatewayError(err) && err.code !== 'audit_unavailable') {
        // The record itself cannot be built: retrying it would fail forever. Its stand-in keeps
        // the event on the chain with the reason; the payload is what could not be kept.
        this.log.error({ err: err.message, type: input.type }, 'audit record could not be built');
        if (input.body.unrecordable === undefined) await this.tryAppend(unrecordable(input, err.message));
        return;
      }
      this.defer(input, err);
    }
  }

  /**
   * Builds a record and appends it without ever rejecting: a record that cannot be built (a
   * defect, not a store outage) is logged and replaced by its stand-in carrying the reason.
   */
  private appendBuilt(build: () => EventInput, fallback: (why: string) => EventInput): Promise<void> {
    let input: EventInput;
    try {
      input = build();
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.log.error({ err: why }, 'audit record could not be built');
      try {
        input = fallback(why);
      } catch {
        return Promise.resolve();
      }
    }
    return this.appendOrDefer(input);
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

  /**
   * Write-ahead: resolves only once the request record is committed. Rejects with
   * `audit_unavailable` when the store is down, or with `internal` naming the cause when the
   * record cannot be built — either way the call must not be forwarded.
   */
  async recordRequest(ctx: CallContext): Promise<EventRow> {
    let input: EventInput;
    try {
      input = requestRecord(ctx, this.capBytes);
    } catch (err) {
      throw recordBuildError(EVENT_TYPES.callRequest, err);
    }
    return this.append(input);
  }

  // The methods below never reject: the outer audit step does not wait for them (see steps.ts).

  /** Fail-open upstreams only: the request record written after the fact. */
  async recordLateRequest(ctx: CallContext): Promise<void> {
    await this.appendBuilt(
      () => requestRecord(ctx, this.capBytes),
      (why) => unrecordableCall(ctx, EVENT_TYPES.callRequest, why),
    );
  }

  async recordResponse(ctx: CallContext, outcome: Outcome): Promise<void> {
    await this.appendBuilt(
      () => responseRecord(ctx, outcome, this.capBytes),
      (why) => unrecordableCall(ctx, EVENT_TYPES.callResponse, why, outcome),
    );
  }

  async recordRefusal(ctx: CallContext, outcome: Outcome): Promise<void> {
    await this.appendBuilt(
      () => refusalRecord(ctx, outcome, this.capBytes),
      (why) => unrecordableCall(ctx, EVENT_TYPES.callRefused, why, outcome),
    );
  }

  async recordGatewayAnswer(ctx: CallContext, outcome: Outcome): Promise<void> {
    await this.appendBuilt(
      () => gatewayRecord(ctx, outcome),
      (why) => unrecordableCall(ctx, EVENT_TYPES.callGateway, why, outcome),
    );
  }

  /**
   * Something the gateway did not expect (an unhandled rejection or exception caught by the
   * process guard): recorded as `gateway.defect` so it shows in the audit trail, not only in logs.
   */
  recordDefect(kind: string, err: unknown): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const stack = err instanceof Error && typeof err.stack === 'string' ? err.stack : undefined;
    return this.appendBuilt(
      () => ({
        type: EVENT_TYPES.gatewayDefect,
        ts: new Date(),
        body: { kind, error: message.slice(0, 2000), stack: stack?.slice(0, 4000), pid: process.pid },
      }),
      () => ({ type: EVENT_TYPES.gatewayDefect, ts: new Date(), body: { kind } }),
    );
  }

  /** A downstream session began (identity as known at that point). Resolves once durable or deferred. */
  async sessionStarted(info: SessionInfo): Promise<void> {
    await this.appendBuilt(
      () => sessionRecord(info),
      (why) => ({ type: EVENT_TYPES.sessionStarted, sessionId: info.id, body: { unrecordable: why } }),
    );
  }

  async sessionEnded(sessionId: string, reason?: string): Promise<void> {
    await this.appendOrDefer({
      type: EVENT_TYPES.sessionEnded,
      sessionId,
      ts: new Date(),
      body: { reason },
    });
  }

  /**
   * A security event (`security.auth_failed`, `security.session_hijack`), already aggregated by
   * the face that saw it. Never blocks a request; kept for retry while the store is down.
   */
  async recordSecurity(e: {
    readonly type: typeof EVENT_TYPES.securityAuthFailed | typeof EVENT_TYPES.securitySessionHijack;
    readonly subject?: string;
    readonly body: JsonObject;
  }): Promise<void> {
    await this.appendOrDefer({
      type: e.type,
      ...(e.subject !== undefined && { subject: e.subject }),
      ts: new Date(),
      body: e.body,
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
      body: {
        direction: n.direction,
        summary: capSummary(n.summary),
        // Upstream-side messages: what travelled (masked), how it was masked and decided.
        ...(n.payload !== undefined ? { payload: capPayload(n.payload, this.capBytes) } : {}),
        ...(n.masking && n.masking.length > 0 ? { masking: n.masking } : {}),
        ...(n.decision ? { decision: n.decision } : {}),
        ...(n.refused ? { refused: n.refused } : {}),
        ...(n.steps && n.steps.length > 0 ? { steps: n.steps } : {}),
      },
    });
  }

  /**
   * The gateway's OAuth clients of upstreams: a token obtained (`oauth.connected`), renewed
   * (`oauth.refreshed`), refused (`oauth.refresh_failed`) or revoked (`oauth.revoked`). The caller
   * passes what happened — client, endpoint, expiry, the OAuth error code — never a token or secret.
   * Fire-and-forget like notifications: obtaining a token never waits on the store.
   */
  recordOAuth(event: {
    readonly type: 'oauth.connected' | 'oauth.refreshed' | 'oauth.refresh_failed' | 'oauth.revoked';
    readonly upstream: string;
    readonly subject?: string;
    readonly outcome?: string;
    readonly body: Readonly<Record<string, unknown>>;
  }): void {
    void this.appendOrDefer({
      type: event.type,
      upstream: event.upstream,
      subject: event.subject,
      outcome: event.outcome,
      ts: new Date(),
      body: event.body,
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
      const root = this.appender.committedRoot() ?? null;
      if (!head || head.seq <= this.lastCheckpointSeq) return undefined;
      const claim = {
        chain_id: this.chainId,
        seq: head.seq,
        hash: head.hash,
        ts: new Date(),
        final,
        root_hash: root,
      };
      const row: CheckpointRow = {
        ...claim,
        public_key: this.opts.signingKey.publicKey,
        signature: signCheckpoint(claim, this.opts.signingKey),
      };
      await this.sql.query(
        `INSERT INTO checkpoints (chain_id, seq, hash, ts, final, public_key, signature, root_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [
          row.chain_id,
          row.seq,
          row.hash,
          row.ts.toISOString(),
          row.final,
          row.public_key,
          row.signature,
          row.root_hash,
        ],
      );
      this.lastCheckpointSeq = Math.max(this.lastCheckpointSeq, head.seq);
      this.opts.onCheckpoint?.(row);
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
      this.held?.release();
    }
  }
}
