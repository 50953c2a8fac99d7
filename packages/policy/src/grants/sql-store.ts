import type { SqlClient } from '@mcpgate/core';
import type { GrantFilter, GrantPatch, GrantRecord, GrantStatus, GrantStore } from './types.js';

/** Grants in `mcpgate_grants` (migration 0010): every replica sees the same grants at once. */
export class SqlGrantStore implements GrantStore {
  constructor(private readonly sql: SqlClient) {}

  async insert(g: GrantRecord): Promise<void> {
    await this.sql.query(
      `INSERT INTO mcpgate_grants (id, requester, upstream, tool, rule, reason, requested_ms, duration_ms, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        g.id,
        g.requester,
        g.upstream,
        g.tool,
        g.rule,
        g.reason,
        g.requestedMs,
        g.durationMs,
        g.status,
        iso(g.createdAt),
      ],
    );
  }

  async get(id: string): Promise<GrantRecord | undefined> {
    const r = await this.sql.query<Row>(`SELECT * FROM mcpgate_grants WHERE id = $1`, [id]);
    return r.rows[0] ? fromRow(r.rows[0]) : undefined;
  }

  async update(id: string, expected: GrantStatus, patch: GrantPatch): Promise<GrantRecord | undefined> {
    const r = await this.sql.query<Row>(
      `UPDATE mcpgate_grants SET
         status = COALESCE($3, status),
         decided_by = COALESCE($4, decided_by),
         decided_at = COALESCE($5::timestamptz, decided_at),
         decision_reason = COALESCE($6, decision_reason),
         expires_at = COALESCE($7::timestamptz, expires_at),
         revoked_by = COALESCE($8, revoked_by),
         revoked_at = COALESCE($9::timestamptz, revoked_at)
       WHERE id = $1 AND status = $2
       RETURNING *`,
      [
        id,
        expected,
        patch.status ?? null,
        patch.decidedBy ?? null,
        patch.decidedAt ? iso(patch.decidedAt) : null,
        patch.decisionReason ?? null,
        patch.expiresAt ? iso(patch.expiresAt) : null,
        patch.revokedBy ?? null,
        patch.revokedAt ? iso(patch.revokedAt) : null,
      ],
    );
    return r.rows[0] ? fromRow(r.rows[0]) : undefined;
  }

  async list(filter: GrantFilter): Promise<GrantRecord[]> {
    const r = await this.sql.query<Row>(
      `SELECT * FROM mcpgate_grants
        WHERE ($1::text IS NULL OR requester = $1)
          AND ($2::text[] IS NULL OR status = ANY($2::text[]))
        ORDER BY created_at, id`,
      [filter.requester ?? null, filter.statuses ? [...filter.statuses] : null],
    );
    return r.rows.map(fromRow);
  }

  async active(requester: string, upstream: string, now: Date): Promise<GrantRecord[]> {
    const r = await this.sql.query<Row>(
      `SELECT * FROM mcpgate_grants
        WHERE requester = $1 AND upstream = $2 AND status = 'approved' AND expires_at > $3::timestamptz`,
      [requester, upstream, iso(now)],
    );
    return r.rows.map(fromRow);
  }

  async expireDue(now: Date): Promise<GrantRecord[]> {
    const r = await this.sql.query<Row>(
      `UPDATE mcpgate_grants SET status = 'expired'
        WHERE status = 'approved' AND expires_at <= $1::timestamptz
        RETURNING *`,
      [iso(now)],
    );
    return r.rows.map(fromRow);
  }
}

interface Row {
  id: string;
  requester: string;
  upstream: string;
  tool: string;
  rule: string;
  reason: string;
  requested_ms: number | string;
  duration_ms: number | string;
  status: GrantStatus;
  created_at: Date | string;
  decided_by: string | null;
  decided_at: Date | string | null;
  decision_reason: string | null;
  expires_at: Date | string | null;
  revoked_by: string | null;
  revoked_at: Date | string | null;
}

function iso(d: Date): string {
  return d.toISOString();
}

function date(v: Date | string | null): Date | undefined {
  return v === null ? undefined : new Date(v);
}

function fromRow(r: Row): GrantRecord {
  const decidedAt = date(r.decided_at);
  const expiresAt = date(r.expires_at);
  const revokedAt = date(r.revoked_at);
  return {
    id: r.id,
    requester: r.requester,
    upstream: r.upstream,
    tool: r.tool,
    rule: r.rule,
    reason: r.reason,
    requestedMs: Number(r.requested_ms),
    durationMs: Number(r.duration_ms),
    status: r.status,
    createdAt: new Date(r.created_at),
    ...(r.decided_by !== null ? { decidedBy: r.decided_by } : {}),
    ...(decidedAt ? { decidedAt } : {}),
    ...(r.decision_reason !== null ? { decisionReason: r.decision_reason } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(r.revoked_by !== null ? { revokedBy: r.revoked_by } : {}),
    ...(revokedAt ? { revokedAt } : {}),
  };
}
