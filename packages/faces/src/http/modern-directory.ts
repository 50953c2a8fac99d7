import { createHash } from 'node:crypto';
import type { Logger, SqlClient } from '@mcpgate/core';
import { applyClient, describeMessage } from '../session-server.js';
import type { SessionDirectory } from './session-directory.js';
import { newSessionInfo, type ModernSessions, type RequestScope } from './sessions.js';

/** Tries to create or join before giving up (each miss means the row ended in between). */
const ATTEMPTS = 3;

/** Requests that never open a gateway session: a replica holding none serves them without one. */
const PROBES: ReadonlySet<unknown> = new Set(['server/discover']);

export function isProbe(parsed: unknown): boolean {
  return typeof parsed === 'object' && parsed !== null && PROBES.has((parsed as { method?: unknown }).method);
}

/** The row key of a principal's modern session: one live row per principal, never a wire id. */
export function modernIdHash(ownerKey: string): string {
  return createHash('sha256').update(`modern:${ownerKey}`).digest('hex');
}

/**
 * Scale-out: a principal's modern (2026-07-28) requests belong to ONE gateway session whichever
 * replicas serve them — one `session.started` record, one `session.ended`. The session is a row of
 * `mcpgate_http_sessions` (`kind = 'modern'`) keyed by the principal. The first replica to serve
 * the principal creates it (`INSERT … ON CONFLICT`, which also reuses a row whose session ended)
 * and records the start; the others join it (one UPDATE that also marks it seen) and record
 * nothing. Each replica then serves the principal from memory (ModernSessions, in shared mode):
 * no database work per request. Each replica's sweeper marks the sessions it served as seen; the
 * store's idle expiry (SessionDirectory.expire, shared with legacy sessions) ends the session
 * when no replica has served it for `server.sessionIdleTimeout`, and exactly one replica records
 * the end.
 *
 * Upstreams with `sharing: per-session` are the exception: each replica's copy of the session
 * opens its own (a process or connection lives in one replica).
 */
export class ModernDirectory {
  private readonly joining = new Map<string, Promise<void>>();
  /** This replica's copies by row key, for NOTIFYs of ended rows. */
  private readonly owners = new Map<string, string>();
  private lastSweep = Date.now();

  constructor(
    private readonly sql: SqlClient,
    private readonly directory: SessionDirectory,
    private readonly sessions: ModernSessions,
    private readonly logger: Logger,
    private readonly replica: string,
  ) {
    sessions.markShared();
  }

  /** Makes sure this replica holds the principal's shared session (a read/write only the first time). */
  async ensure(scope: RequestScope, parsed: unknown): Promise<void> {
    if (this.sessions.has(scope.ownerKey)) return;
    let pending = this.joining.get(scope.ownerKey);
    if (!pending) {
      pending = this.join(scope, parsed).finally(() => this.joining.delete(scope.ownerKey));
      this.joining.set(scope.ownerKey, pending);
    }
    await pending;
  }

  private async join(scope: RequestScope, parsed: unknown): Promise<void> {
    const idHash = modernIdHash(scope.ownerKey);
    const info = newSessionInfo('http', 'modern', scope);
    const described = describeMessage(parsed);
    if (described) applyClient(info, described);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const created = await this.sql.query(
        `INSERT INTO mcpgate_http_sessions AS s (id_hash, kind, owner_key, session_id, info, init)
         VALUES ($1, 'modern', $2, $3, $4, '{}')
         ON CONFLICT (id_hash) DO UPDATE
           SET session_id = EXCLUDED.session_id, info = EXCLUDED.info, created_at = now(),
               last_seen_at = now(), ended_at = NULL, end_reason = NULL
           WHERE s.ended_at IS NOT NULL
         RETURNING s.session_id`,
        [idHash, scope.ownerKey, info.id, JSON.stringify(info)],
      );
      if (created.rowCount > 0) {
        this.owners.set(idHash, scope.ownerKey);
        // The start is recorded here, by the replica that created the row, and by no other: a
        // replica joining later cannot know whether the creator's first request opened anything.
        this.sessions.seed(scope, info, false).start();
        this.logger.info(
          { session: info.id, subject: scope.identity.subject, replica: this.replica },
          'modern session opened',
        );
        return;
      }
      // Someone holds it: join, and mark it seen so an idle expiry cannot end it under us.
      const joined = await this.sql.query<{ session_id: string; started_at: string | null }>(
        `UPDATE mcpgate_http_sessions SET last_seen_at = now()
         WHERE id_hash = $1 AND ended_at IS NULL AND kind = 'modern'
         RETURNING session_id, info->>'startedAt' AS started_at`,
        [idHash],
      );
      const row = joined.rows[0];
      if (row) {
        this.owners.set(idHash, scope.ownerKey);
        this.sessions.seed(
          scope,
          { ...info, id: row.session_id, ...(row.started_at && { startedAt: new Date(row.started_at) }) },
          true,
        );
        this.logger.debug({ session: row.session_id }, 'modern session joined');
        return;
      }
    }
    throw new Error(`modern session of ${scope.identity.subject} could not be created or joined`);
  }

  /**
   * Run by the face's sweeper before the store's idle expiry: marks the sessions this replica
   * served since the last sweep (or is serving) as seen, and drops copies whose row ended or was
   * reused for a new session (a missed NOTIFY).
   */
  async sweep(): Promise<void> {
    const since = this.lastSweep;
    this.lastSweep = Date.now();
    const copies = [...this.sessions.copies(since)].map((c) => ({ ...c, idHash: modernIdHash(c.ownerKey) }));
    const held = new Set(copies.map((c) => c.idHash));
    for (const h of this.owners.keys()) if (!held.has(h)) this.owners.delete(h);
    await this.directory.touch(copies.filter((c) => c.active).map((c) => c.idHash));
    if (copies.length === 0) return;
    const live = await this.sql.query<{ id_hash: string; session_id: string }>(
      `SELECT id_hash, session_id FROM mcpgate_http_sessions
       WHERE id_hash = ANY($1) AND ended_at IS NULL`,
      [copies.map((c) => c.idHash)],
    );
    const current = new Map(live.rows.map((r) => [r.id_hash, r.session_id]));
    for (const c of copies) if (current.get(c.idHash) !== c.id) await this.sessions.drop(c.ownerKey);
  }

  /** A row ended on some replica (NOTIFY): drop this replica's copy, if it is one of ours. */
  endedElsewhere(idHash: string): void {
    const ownerKey = this.owners.get(idHash);
    if (ownerKey === undefined) return;
    this.owners.delete(idHash);
    void this.sessions.drop(ownerKey);
  }
}
