import type { Logger, SqlClient } from '@mcpgate/core';

const CHANNEL = 'mcpgate_cancelled';
/** NOTIFY payloads are capped at 8000 bytes: a client's free-text reason is cut, or left out. */
const MAX_REASON = 1000;
const MAX_PAYLOAD = 7900;

type RequestId = string | number;
/** Delivers a cancellation if the request runs on this replica; true when it did. */
type CancelHere = (session: string, requestId: RequestId, reason: string | undefined) => boolean;

/**
 * Scale-out: a legacy client's `notifications/cancelled` may reach a replica other than the one
 * running the call (the load balancer has no stickiness). That replica does not know which one
 * runs it — recording the replica of every call would cost a write per call — so it announces
 * the cancellation on channel `mcpgate_cancelled` (session id hash, request id, reason) and the
 * replica that holds the session with that request in flight delivers it as if the client had
 * sent it there: the call is cancelled upstream and recorded exactly as a local cancellation.
 * The announcing replica has already checked that the caller owns the session.
 */
export class SharedCancellations {
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly sql: SqlClient,
    private readonly tag: string,
    private readonly logger: Logger,
  ) {}

  async start(cancelHere: CancelHere): Promise<void> {
    this.unlisten = await this.sql.listen(CHANNEL, (payload) => {
      let msg: { from?: unknown; session?: unknown; requestId?: unknown; reason?: unknown };
      try {
        msg = JSON.parse(payload) as typeof msg;
      } catch {
        return;
      }
      const { from, session, requestId, reason } = msg;
      if (from === this.tag || typeof session !== 'string') return;
      if (typeof requestId !== 'string' && typeof requestId !== 'number') return;
      if (cancelHere(session, requestId, typeof reason === 'string' ? reason : undefined))
        this.logger.info({ replica: from, requestId }, 'cancellation from another replica delivered');
    });
  }

  /** Tells the other replicas the client cancelled `requestId` of `session` (an id hash). */
  announce(session: string, requestId: RequestId, reason: string | undefined): void {
    let payload = JSON.stringify({
      from: this.tag,
      session,
      requestId,
      ...(reason !== undefined && { reason: reason.slice(0, MAX_REASON) }),
    });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD)
      payload = JSON.stringify({ from: this.tag, session, requestId });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD) {
      this.logger.warn({}, 'cancellation not announced to other replicas: its request id is too long');
      return;
    }
    void this.sql
      .notify(CHANNEL, payload)
      .catch((err: unknown) =>
        this.logger.warn({ err: String(err), requestId }, 'cancellation not announced to other replicas'),
      );
  }

  async close(): Promise<void> {
    await this.unlisten?.().catch(() => undefined);
  }
}
