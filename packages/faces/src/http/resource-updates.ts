import type { Gateway, JsonObject, Logger, SessionInfo, SqlClient, SubscriptionSharing } from '@mcpgate/core';

const UPDATED = 'mcpgate_resource_updated';
const CHANGED = 'mcpgate_resource_subscriptions';
/** Longer URIs are not registered (the NOTIFY payload is capped at 8000 bytes); see migration 0061. */
export const MAX_SHARED_URI_BYTES = 2048;
/** Postgres refuses NOTIFY payloads of 8000 bytes or more. */
const MAX_PAYLOAD_BYTES = 7900;
/** Rows per session: a client cannot grow the table without bound. */
export const MAX_SHARED_SUBSCRIPTIONS = 1000;

interface Payload {
  readonly from?: unknown;
  readonly s?: unknown;
  readonly u?: unknown;
  readonly p?: unknown;
}

/**
 * Scale-out: an upstream's `notifications/resources/updated` reaches every legacy session
 * subscribed to the resource, whichever replica holds the session's GET stream.
 *
 * A `resources/subscribe` is forwarded on the upstream connection of the replica that received
 * it, so only that replica hears the upstream's updates. Each subscription is therefore a row in
 * `mcpgate_resource_subscriptions` naming that replica (committed before the client's answer).
 * The replica that hears an update delivers it to the sessions it holds (as in one process) and
 * NOTIFYs `mcpgate_resource_updated` with the URI and the notification's params as its
 * upstream-side steps left them (masked); every other replica reads which sessions
 * subscribed to it through the announcing replica and tells those it holds. An update thus
 * reaches a session only from the replica holding its upstream subscription: never twice, even
 * when several replicas subscribed the same resource upstream.
 *
 * `resources/unsubscribe` may arrive at any replica: it deletes the row and NOTIFYs
 * `mcpgate_resource_subscriptions`, and the other replicas stop delivering their own upstream's
 * updates to that session. A session that ends is ignored at once (the lookup joins live
 * sessions) and its rows are deleted by the sweepers.
 *
 * Modern clients' `subscriptions/listen` streams need none of this: the replica holding the
 * stream is the one that subscribed upstream for it, so it hears the updates itself.
 */
export class ResourceUpdates implements SubscriptionSharing {
  private readonly unlisten: Array<() => Promise<void>> = [];
  private stopped = false;

  constructor(
    private readonly sql: SqlClient,
    private readonly tag: string,
    private readonly gateway: Gateway,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.unlisten.push(await this.sql.listen(UPDATED, (p) => void this.onUpdated(p)));
    this.unlisten.push(await this.sql.listen(CHANGED, (p) => this.onChanged(p)));
    this.gateway.shareSubscriptions(this);
  }

  async changed(session: SessionInfo, uri: string, subscribed: boolean): Promise<void> {
    // Only legacy Streamable HTTP sessions move between replicas (/sse streams and modern
    // listen streams stay where they were opened).
    if (this.stopped || session.face !== 'http' || session.era !== 'legacy') return;
    if (Buffer.byteLength(uri) > MAX_SHARED_URI_BYTES) {
      this.logger.warn(
        { session: session.id, bytes: Buffer.byteLength(uri) },
        `subscription not shared: URI longer than ${MAX_SHARED_URI_BYTES} bytes`,
      );
      return;
    }
    try {
      if (subscribed) {
        const r = await this.sql.query(
          `INSERT INTO mcpgate_resource_subscriptions (session_id, uri, replica)
           SELECT $1, $2, $3
            WHERE (SELECT count(*) FROM mcpgate_resource_subscriptions WHERE session_id = $1) < $4
               OR EXISTS (SELECT 1 FROM mcpgate_resource_subscriptions WHERE session_id = $1 AND uri = $2)
           ON CONFLICT (session_id, uri) DO UPDATE SET replica = EXCLUDED.replica, created_at = now()`,
          [session.id, uri, this.tag, MAX_SHARED_SUBSCRIPTIONS],
        );
        if (r.rowCount === 0) {
          this.logger.warn(
            { session: session.id, limit: MAX_SHARED_SUBSCRIPTIONS },
            'subscription not shared: the session has too many; updates reach it from this replica only',
          );
          return;
        }
      } else {
        await this.sql.query(
          `DELETE FROM mcpgate_resource_subscriptions WHERE session_id = $1 AND uri = $2`,
          [session.id, uri],
        );
      }
      // Subscribed here: the others stop delivering their own upstream's updates (the
      // subscription moved). Unsubscribed anywhere: everyone stops.
      await this.sql.notify(CHANGED, JSON.stringify({ from: this.tag, s: session.id, u: uri }));
    } catch (err) {
      this.logger.warn(
        { err: String(err), session: session.id },
        'resource subscription not shared with the other replicas',
      );
    }
  }

  updated(upstream: string, uri: string, params: JsonObject): void {
    if (this.stopped || Buffer.byteLength(uri) > MAX_SHARED_URI_BYTES) return;
    // The params go out as this replica's steps left them (masked), never re-derived elsewhere.
    const payload = JSON.stringify({ from: this.tag, u: uri, p: params });
    if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
      this.logger.warn({ upstream }, 'resource update too large to announce to other replicas');
      return;
    }
    this.sql
      .notify(UPDATED, payload)
      .catch((err: unknown) =>
        this.logger.warn({ err: String(err), upstream }, 'resource update not announced to other replicas'),
      );
  }

  /** Deletes the rows of sessions that ended (run by each replica's sweeper; idempotent). */
  async sweep(): Promise<void> {
    await this.sql.query(
      `DELETE FROM mcpgate_resource_subscriptions s
        WHERE NOT EXISTS (SELECT 1 FROM mcpgate_http_sessions h
                           WHERE h.session_id = s.session_id AND h.ended_at IS NULL)`,
    );
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.gateway.shareSubscriptions(undefined);
    await Promise.allSettled(this.unlisten.map((u) => u()));
  }

  private async onUpdated(payload: string): Promise<void> {
    const msg = parse(payload);
    if (!msg || msg.from === this.tag || typeof msg.from !== 'string' || typeof msg.u !== 'string') return;
    if (typeof msg.p !== 'object' || msg.p === null || Array.isArray(msg.p)) return;
    if (this.gateway.sessionCount() === 0) return;
    const uri = msg.u;
    const params = msg.p as JsonObject;
    try {
      const r = await this.sql.query<{ session_id: string }>(
        `SELECT s.session_id FROM mcpgate_resource_subscriptions s
           JOIN mcpgate_http_sessions h ON h.session_id = s.session_id AND h.ended_at IS NULL
          WHERE s.uri = $1 AND s.replica = $2`,
        [uri, msg.from],
      );
      if (r.rows.length === 0) return;
      this.logger.debug(
        { replica: msg.from, sessions: r.rows.length },
        'resource update from another replica',
      );
      this.gateway.deliverResourceUpdated(
        params,
        r.rows.map((x) => x.session_id),
      );
    } catch (err) {
      this.logger.warn({ err: String(err), replica: msg.from }, 'resource update from another replica lost');
    }
  }

  private onChanged(payload: string): void {
    const msg = parse(payload);
    if (!msg || msg.from === this.tag || typeof msg.s !== 'string' || typeof msg.u !== 'string') return;
    this.gateway.forgetSubscription(msg.s, msg.u);
  }
}

function parse(payload: string): Payload | undefined {
  try {
    const v = JSON.parse(payload) as unknown;
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}
