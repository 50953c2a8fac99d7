import { createHash } from 'node:crypto';
import type { Identity, JsonObject, Logger, SessionInfo, SqlClient } from '@mcpgate/core';
import { UnknownSessions } from './unknown-sessions.js';

const CHANNEL = 'mcpgate_http_sessions';

/** What any replica needs to serve a legacy Streamable HTTP session it has not seen. */
export interface SessionRecord {
  /** Default `streamable`; `sse` rows name the replica holding the `/sse` stream in `pinnedTo`. */
  readonly kind?: 'streamable' | 'sse';
  readonly ownerKey: string;
  readonly info: SessionInfo;
  /** The client's `initialize` params, replayed into a fresh SDK server. */
  readonly init: JsonObject;
  /** The replica holding the session's per-session upstreams, when it has any. */
  readonly pinnedTo?: string;
}

interface Row {
  owner_key: string;
  session_id: string;
  info: JsonObject | string;
  init: JsonObject | string;
  pinned_to: string | null;
}

/** The wire id is never stored: its SHA-256 is the key (a read of the table is not a session id). */
export function sessionIdHash(wireId: string): string {
  return createHash('sha256').update(wireId).digest('hex');
}

/**
 * Legacy sessions in the shared store (`mcpgate_http_sessions`), so any replica serves any
 * session. Replicas keep the sessions they serve in memory and come here only for one they have
 * not seen (one read), to end one (DELETE, idle expiry) and, in batches from their sweepers, to
 * refresh `last_seen_at`. An ended session is announced on channel `mcpgate_http_sessions` so
 * every replica drops its copy at once; the sweeper also re-checks, in case a NOTIFY was missed.
 */
export class SessionDirectory {
  private unlisten: (() => Promise<void>) | undefined;
  /** Ids the store does not know: a repeated one costs no read (see UnknownSessions for why it is safe). */
  private readonly unknown = new UnknownSessions();

  constructor(
    readonly sql: SqlClient,
    private readonly logger: Logger,
  ) {}

  /** `onEnded(idHash)` is called when any replica ends a session. */
  async start(onEnded: (idHash: string) => void): Promise<void> {
    this.unlisten = await this.sql.listen(CHANNEL, (payload) => onEnded(payload));
  }

  /** Stores a new session; resolves once committed (before its id is given to the client). */
  async create(idHash: string, rec: SessionRecord): Promise<void> {
    this.unknown.delete(`${rec.kind ?? 'streamable'}:${idHash}`);
    await this.sql.query(
      `INSERT INTO mcpgate_http_sessions (id_hash, kind, owner_key, session_id, info, init, pinned_to)
       VALUES ($1, $7, $2, $3, $4, $5, $6)`,
      [
        idHash,
        rec.ownerKey,
        rec.info.id,
        JSON.stringify(rec.info),
        JSON.stringify(rec.init),
        rec.pinnedTo ?? null,
        rec.kind ?? 'streamable',
      ],
    );
  }

  /** A live (not ended) session of that kind, or undefined. */
  async find(idHash: string, kind: 'streamable' | 'sse' = 'streamable'): Promise<SessionRecord | undefined> {
    // Keyed by kind too: an SSE id presented as an Mcp-Session-Id must not hide the SSE session.
    if (this.unknown.has(`${kind}:${idHash}`)) return undefined;
    const r = await this.sql.query<Row>(
      `SELECT owner_key, session_id, info, init, pinned_to FROM mcpgate_http_sessions
       WHERE id_hash = $1 AND ended_at IS NULL AND kind = $2`,
      [idHash, kind],
    );
    const row = r.rows[0];
    this.logger.debug({ found: row !== undefined }, 'legacy session looked up in the store');
    if (!row) {
      this.unknown.add(`${kind}:${idHash}`);
      return undefined;
    }
    return {
      kind,
      ownerKey: row.owner_key,
      info: toInfo(row.session_id, row.info),
      init: parse(row.init),
      ...(row.pinned_to !== null && { pinnedTo: row.pinned_to }),
    };
  }

  /** Ends a session; true when this call ended it (false: already ended or unknown). */
  async end(idHash: string, reason: string): Promise<boolean> {
    const r = await this.sql.query(
      `WITH e AS (UPDATE mcpgate_http_sessions SET ended_at = now(), end_reason = $2
                  WHERE id_hash = $1 AND ended_at IS NULL RETURNING id_hash)
       SELECT pg_notify('${CHANNEL}', id_hash) FROM e`,
      [idHash, reason],
    );
    return r.rowCount > 0;
  }

  /** Marks sessions this replica served recently as seen (one statement for all of them). */
  async touch(idHashes: readonly string[]): Promise<void> {
    if (idHashes.length === 0) return;
    await this.sql.query(
      `UPDATE mcpgate_http_sessions SET last_seen_at = now() WHERE id_hash = ANY($1) AND ended_at IS NULL`,
      [idHashes],
    );
  }

  /**
   * Ends sessions no replica has seen for `idleMs` and returns their gateway session ids (each
   * returned exactly once across replicas, so exactly one replica records the end).
   */
  async expire(idleMs: number): Promise<SessionInfo[]> {
    const r = await this.sql.query<{ session_id: string; info: JsonObject | string }>(
      `WITH e AS (UPDATE mcpgate_http_sessions SET ended_at = now(), end_reason = 'idle'
                  WHERE ended_at IS NULL AND last_seen_at < now() - make_interval(secs => $1)
                  RETURNING id_hash, session_id, info),
            n AS (SELECT pg_notify('${CHANNEL}', id_hash) FROM e)
       SELECT session_id, info FROM e, (SELECT count(*) FROM n) AS announced`,
      [idleMs / 1000],
    );
    return r.rows.map((x) => toInfo(x.session_id, x.info));
  }

  /** Which of these sessions have ended (a missed NOTIFY must not keep a copy alive). */
  async ended(idHashes: readonly string[]): Promise<string[]> {
    if (idHashes.length === 0) return [];
    const r = await this.sql.query<{ id_hash: string }>(
      `SELECT id_hash FROM mcpgate_http_sessions WHERE id_hash = ANY($1) AND ended_at IS NOT NULL`,
      [idHashes],
    );
    return r.rows.map((x) => x.id_hash);
  }

  /** Deletes rows of sessions ended more than `ageMs` ago (the audit trail keeps their history). */
  async purge(ageMs: number): Promise<void> {
    await this.sql
      .query(
        `DELETE FROM mcpgate_http_sessions WHERE ended_at IS NOT NULL AND ended_at < now() - make_interval(secs => $1)`,
        [ageMs / 1000],
      )
      .catch((err: unknown) => this.logger.debug({ err: String(err) }, 'session row purge failed'));
  }

  async close(): Promise<void> {
    await this.unlisten?.().catch(() => undefined);
  }
}

interface StoredInfo extends Omit<SessionInfo, 'startedAt'> {
  readonly identity: Identity;
  readonly startedAt: string;
}

function toInfo(id: string, raw: JsonObject | string): SessionInfo {
  const info = parse(raw) as unknown as StoredInfo;
  return { ...info, id, identity: info.identity, startedAt: new Date(info.startedAt) };
}

function parse(v: JsonObject | string): JsonObject {
  return typeof v === 'string' ? (JSON.parse(v) as JsonObject) : v;
}
