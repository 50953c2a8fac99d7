import { randomBytes } from 'node:crypto';
import type { JsonObject, Logger, SqlClient } from '@mcpgate/core';

const CHANNEL = 'mcpgate_replica';
/** Messages nobody took within this long are deleted (their addressee died or never listened). */
const ORPHAN_AGE_S = 300;

type Handler = (body: JsonObject, from: string) => Promise<JsonObject | undefined> | JsonObject | undefined;

interface Envelope {
  readonly from: string;
  readonly kind: string;
  readonly body: JsonObject;
  /** Set on a call: the reply goes to `from` as kind `reply` with this id. */
  readonly callId?: string;
  /** Set on a reply. */
  readonly replyTo?: string;
  readonly error?: string;
}

export class ReplicaUnreachable extends Error {}

/**
 * Messages between the gateway replicas that share one Postgres, for the few things that must
 * reach the replica holding some in-memory state: a client's answer to a server→client request
 * another replica sent, a modern client's input_required retry for the replica that parked the
 * upstream request, a resumed stream's events. Nothing on a call's common path uses it.
 *
 * A message is a row in `mcpgate_replica_messages` plus a NOTIFY naming its addressee and row id
 * (NOTIFY payloads are capped at 8000 bytes; a row is not); the addressee takes the row with
 * DELETE … RETURNING, so each message is delivered once. The tag is random per process: a
 * restarted replica is a new addressee, and messages meant for the dead one are never taken by it
 * (they are swept by age).
 */
export class ReplicaLink {
  readonly tag: string;
  private readonly handlers = new Map<string, Handler>();
  private readonly calls = new Map<string, { resolve(b: JsonObject): void; reject(e: Error): void }>();
  private unlisten: (() => Promise<void>) | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly logger: Logger,
    tag?: string,
  ) {
    this.tag = tag ?? randomBytes(6).toString('hex');
  }

  async start(): Promise<void> {
    this.unlisten = await this.sql.listen(CHANNEL, (payload) => this.onNotify(payload));
    this.sweeper = setInterval(() => {
      void this.sql
        .query(`DELETE FROM mcpgate_replica_messages WHERE created_at < now() - make_interval(secs => $1)`, [
          ORPHAN_AGE_S,
        ])
        .catch((err: unknown) => this.logger.debug({ err: String(err) }, 'replica message sweep failed'));
    }, 60_000);
    this.sweeper.unref();
  }

  /** Registers what this replica does with messages of `kind` (a returned object is the call's reply). */
  on(kind: string, handler: Handler): void {
    this.handlers.set(kind, handler);
  }

  /** Fire and forget: resolves once the message is stored and announced. */
  async send(to: string, kind: string, body: JsonObject): Promise<void> {
    await this.post(to, { from: this.tag, kind, body });
  }

  /**
   * Request and reply. Rejects with ReplicaUnreachable when no reply comes within `timeoutMs`
   * (the addressee is gone), or with the addressee's error message.
   */
  call(
    to: string,
    kind: string,
    body: JsonObject,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<JsonObject> {
    const callId = `${this.tag}.${++this.seq}`;
    return new Promise<JsonObject>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.calls.delete(callId);
      };
      const timer = setTimeout(() => {
        done();
        reject(new ReplicaUnreachable(`replica ${to} did not answer within ${timeoutMs} ms`));
      }, timeoutMs);
      const onAbort = (): void => {
        done();
        reject(new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.calls.set(callId, {
        resolve: (b) => (done(), resolve(b)),
        reject: (e) => (done(), reject(e)),
      });
      this.post(to, { from: this.tag, kind, body, callId }).catch((err: unknown) => {
        done();
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  private async post(to: string, env: Envelope): Promise<void> {
    // One statement: the row and its announcement commit together.
    await this.sql.query(
      `WITH m AS (INSERT INTO mcpgate_replica_messages (to_replica, payload) VALUES ($1, $2) RETURNING id)
       SELECT pg_notify('${CHANNEL}', $1 || ':' || id) FROM m`,
      [to, JSON.stringify(env)],
    );
  }

  private onNotify(payload: string): void {
    const at = payload.lastIndexOf(':');
    if (at < 0 || payload.slice(0, at) !== this.tag) return;
    const id = Number(payload.slice(at + 1));
    if (!Number.isSafeInteger(id)) return;
    void this.take(id).catch((err: unknown) =>
      this.logger.warn({ err: String(err), id }, 'replica message could not be handled'),
    );
  }

  private async take(id: number): Promise<void> {
    const r = await this.sql.query<{ payload: Envelope | string }>(
      'DELETE FROM mcpgate_replica_messages WHERE id = $1 RETURNING payload',
      [id],
    );
    const row = r.rows[0];
    if (!row) return;
    const env: Envelope =
      typeof row.payload === 'string' ? (JSON.parse(row.payload) as Envelope) : row.payload;
    if (env.replyTo !== undefined) {
      const waiting = this.calls.get(env.replyTo);
      if (!waiting) return;
      if (env.error !== undefined) waiting.reject(new Error(env.error));
      else waiting.resolve(env.body);
      return;
    }
    const handler = this.handlers.get(env.kind);
    let reply: JsonObject | undefined;
    let error: string | undefined;
    try {
      if (!handler) throw new Error(`no handler for replica message ${env.kind}`);
      reply = await handler(env.body, env.from);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    if (env.callId === undefined) {
      if (error !== undefined) this.logger.warn({ kind: env.kind, err: error }, 'replica message failed');
      return;
    }
    await this.post(env.from, {
      from: this.tag,
      kind: 'reply',
      body: reply ?? {},
      replyTo: env.callId,
      ...(error !== undefined && { error }),
    });
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    for (const c of this.calls.values()) c.reject(new ReplicaUnreachable('this replica is shutting down'));
    this.calls.clear();
    await this.unlisten?.().catch(() => undefined);
  }
}
