import type { SqlClient, SqlQueryable } from '@mcpgate/core';
import { approvalError } from './errors.js';
import { newApprovalId } from './ids.js';
import type { ApprovalDecision, ApprovalRecord, ApprovalStatus } from './types.js';

/** What binds an approval to one exact call. */
export interface ApprovalBinding {
  readonly requester: string;
  readonly upstream: string;
  readonly tool: string;
  readonly argsHash: string;
}

export type NewApproval = Omit<
  ApprovalRecord,
  'id' | 'used' | 'status' | 'decisions' | 'decidedAt' | 'useBy' | 'closedReason'
>;

export interface ApprovalFilter {
  readonly statuses?: readonly ApprovalStatus[];
  readonly requester?: string;
  readonly upstream?: string;
  readonly tool?: string;
  /** Only approvals this person may see: their own requests, or ones their groups review. */
  readonly visibleTo?: { readonly subject: string; readonly groups: readonly string[] };
  /** Page size (1–200, default 50). */
  readonly limit?: number;
  /** Opaque cursor from the previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface ApprovalPage {
  readonly items: ApprovalRecord[];
  /** Present when more items follow. */
  readonly nextCursor?: string;
}

export interface StatusPatch {
  readonly status: ApprovalStatus;
  readonly decidedAt?: Date;
  readonly useBy?: Date;
  readonly closedReason?: string;
}

interface Row {
  id: string;
  requester: string;
  requester_name: string | null;
  requester_groups: unknown;
  session_id: string | null;
  correlation_id: string | null;
  method: string;
  upstream: string;
  tool: string;
  args_hash: string;
  args_summary: string;
  rule: string | null;
  policy_version: string | null;
  reviewers: unknown;
  required: number;
  allow_self: boolean;
  mode: 'wait' | 'defer';
  uses: number;
  used: number;
  status: ApprovalStatus;
  created_at: Date | string;
  expires_at: Date | string;
  decided_at: Date | string | null;
  use_by: Date | string | null;
  closed_reason: string | null;
}

interface DecisionRow {
  approval_id: string;
  reviewer: string;
  reviewer_name: string | null;
  decision: 'approve' | 'deny';
  reason: string | null;
  channel: string;
  decided_at: Date | string;
}

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const strings = (v: unknown): string[] =>
  (typeof v === 'string' ? (JSON.parse(v) as unknown[]) : Array.isArray(v) ? v : []).map(String);

function toDecision(r: DecisionRow): ApprovalDecision {
  return {
    reviewer: r.reviewer,
    ...(r.reviewer_name !== null ? { reviewerName: r.reviewer_name } : {}),
    decision: r.decision,
    ...(r.reason !== null ? { reason: r.reason } : {}),
    channel: r.channel,
    decidedAt: date(r.decided_at),
  };
}

function toRecord(r: Row, decisions: ApprovalDecision[]): ApprovalRecord {
  return {
    id: r.id,
    requester: r.requester,
    ...(r.requester_name !== null ? { requesterName: r.requester_name } : {}),
    requesterGroups: strings(r.requester_groups),
    ...(r.session_id !== null ? { sessionId: r.session_id } : {}),
    ...(r.correlation_id !== null ? { correlationId: r.correlation_id } : {}),
    method: r.method,
    upstream: r.upstream,
    tool: r.tool,
    argsHash: r.args_hash,
    argsSummary: r.args_summary,
    ...(r.rule !== null ? { rule: r.rule } : {}),
    ...(r.policy_version !== null ? { policyVersion: r.policy_version } : {}),
    reviewers: strings(r.reviewers),
    required: Number(r.required),
    allowSelf: r.allow_self,
    mode: r.mode,
    uses: Number(r.uses),
    used: Number(r.used),
    status: r.status,
    createdAt: date(r.created_at),
    expiresAt: date(r.expires_at),
    ...(r.decided_at !== null ? { decidedAt: date(r.decided_at) } : {}),
    ...(r.use_by !== null ? { useBy: date(r.use_by) } : {}),
    ...(r.closed_reason !== null ? { closedReason: r.closed_reason } : {}),
    decisions,
  };
}

const COLUMNS = `id, requester, requester_name, requester_groups, session_id, correlation_id, method, upstream,
  tool, args_hash, args_summary, rule, policy_version, reviewers, required, allow_self, mode, uses, used,
  status, created_at, expires_at, decided_at, use_by, closed_reason`;

function encodeCursor(seq: string | number): string {
  return Buffer.from(`s${String(seq)}`).toString('base64url');
}

function decodeCursor(cursor: string): string | undefined {
  const m = /^s(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m?.[1];
}

/**
 * Approval rows in `mcpgate_approvals` (migration 0030). Every state change is a conditional
 * UPDATE on the expected status, so two replicas racing on one approval cannot both win.
 */
export class SqlApprovalStore {
  constructor(readonly sql: SqlClient) {}

  async insert(a: NewApproval): Promise<ApprovalRecord> {
    for (let attempt = 0; ; attempt++) {
      const id = newApprovalId();
      const r = await this.sql.query<Row>(
        `INSERT INTO mcpgate_approvals (id, requester, requester_name, requester_groups, session_id,
           correlation_id, method, upstream, tool, args_hash, args_summary, rule, policy_version, reviewers,
           required, allow_self, mode, uses, used, status, created_at, expires_at)
         VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15, $16, $17, $18,
           0, 'requested', $19, $20)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          id,
          a.requester,
          a.requesterName ?? null,
          JSON.stringify(a.requesterGroups),
          a.sessionId ?? null,
          a.correlationId ?? null,
          a.method,
          a.upstream,
          a.tool,
          a.argsHash,
          a.argsSummary,
          a.rule ?? null,
          a.policyVersion ?? null,
          JSON.stringify(a.reviewers),
          a.required,
          a.allowSelf,
          a.mode,
          a.uses,
          a.createdAt.toISOString(),
          a.expiresAt.toISOString(),
        ],
      );
      const row = r.rows[0];
      if (row) return toRecord(row, []);
      if (attempt >= 5) throw new Error('could not allocate a unique approval id');
    }
  }

  async get(id: string, q: SqlQueryable = this.sql): Promise<ApprovalRecord | undefined> {
    const r = await q.query<Row>(`SELECT ${COLUMNS} FROM mcpgate_approvals WHERE id = $1`, [id]);
    const row = r.rows[0];
    return row ? toRecord(row, await this.decisions(q, [id])) : undefined;
  }

  /** Inside a transaction: the row locked against concurrent decisions. */
  async lock(tx: SqlQueryable, id: string): Promise<ApprovalRecord | undefined> {
    const r = await tx.query<Row>(`SELECT ${COLUMNS} FROM mcpgate_approvals WHERE id = $1 FOR UPDATE`, [id]);
    const row = r.rows[0];
    return row ? toRecord(row, await this.decisions(tx, [id])) : undefined;
  }

  async addDecision(tx: SqlQueryable, id: string, d: ApprovalDecision): Promise<boolean> {
    const r = await tx.query(
      `INSERT INTO mcpgate_approval_decisions (approval_id, reviewer, reviewer_name, decision, reason, channel, decided_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        id,
        d.reviewer,
        d.reviewerName ?? null,
        d.decision,
        d.reason ?? null,
        d.channel,
        d.decidedAt.toISOString(),
      ],
    );
    return r.rowCount === 1;
  }

  /** Moves `id` from one of `from` to `patch.status`; undefined when it was not in `from` any more. */
  async transition(
    id: string,
    from: readonly ApprovalStatus[],
    patch: StatusPatch,
    q: SqlQueryable = this.sql,
  ): Promise<ApprovalRecord | undefined> {
    const r = await q.query<Row>(
      `UPDATE mcpgate_approvals SET status = $2,
         decided_at = COALESCE($3::timestamptz, decided_at),
         use_by = COALESCE($4::timestamptz, use_by),
         closed_reason = COALESCE($5, closed_reason)
       WHERE id = $1 AND status IN (SELECT jsonb_array_elements_text($6::jsonb))
       RETURNING ${COLUMNS}`,
      [
        id,
        patch.status,
        patch.decidedAt?.toISOString() ?? null,
        patch.useBy?.toISOString() ?? null,
        patch.closedReason ?? null,
        JSON.stringify(from),
      ],
    );
    const row = r.rows[0];
    return row ? toRecord(row, await this.decisions(q, [id])) : undefined;
  }

  /**
   * Uses one grant of an approved approval (by id, or the oldest one matching `binding` still in
   * its window). Atomic: concurrent identical calls cannot both use a single-use approval.
   */
  async consume(
    by: { readonly id: string } | { readonly binding: ApprovalBinding },
    now: Date,
  ): Promise<ApprovalRecord | undefined> {
    const where =
      'id' in by
        ? `id = $2`
        : `id = (SELECT id FROM mcpgate_approvals
             WHERE requester = $2 AND upstream = $3 AND tool = $4 AND args_hash = $5
               AND status = 'approved' AND use_by > $1::timestamptz
             ORDER BY decided_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)`;
    const params =
      'id' in by
        ? [now.toISOString(), by.id]
        : [
            now.toISOString(),
            by.binding.requester,
            by.binding.upstream,
            by.binding.tool,
            by.binding.argsHash,
          ];
    const r = await this.sql.query<Row>(
      `UPDATE mcpgate_approvals SET used = used + 1,
         status = CASE WHEN used + 1 >= uses THEN 'executed' ELSE status END
       WHERE ${where} AND status = 'approved' AND use_by > $1::timestamptz AND used < uses
       RETURNING ${COLUMNS}`,
      params,
    );
    const row = r.rows[0];
    return row ? toRecord(row, await this.decisions(this.sql, [row.id])) : undefined;
  }

  /** The newest still-undecided approval for exactly this call, if any. */
  async findPending(binding: ApprovalBinding, now: Date): Promise<ApprovalRecord | undefined> {
    const r = await this.sql.query<Row>(
      `SELECT ${COLUMNS} FROM mcpgate_approvals
       WHERE requester = $1 AND upstream = $2 AND tool = $3 AND args_hash = $4
         AND status = 'requested' AND expires_at > $5::timestamptz
       ORDER BY seq DESC LIMIT 1`,
      [binding.requester, binding.upstream, binding.tool, binding.argsHash, now.toISOString()],
    );
    const row = r.rows[0];
    return row ? toRecord(row, await this.decisions(this.sql, [row.id])) : undefined;
  }

  /** Ids past their deadline: undecided past `expires_at`, or approved and unused past `use_by`. */
  async due(now: Date): Promise<{ id: string; status: 'requested' | 'approved' }[]> {
    const r = await this.sql.query<{ id: string; status: 'requested' | 'approved' }>(
      `SELECT id, status FROM mcpgate_approvals
       WHERE (status = 'requested' AND expires_at <= $1::timestamptz)
          OR (status = 'approved' AND use_by <= $1::timestamptz)
       ORDER BY created_at LIMIT 500`,
      [now.toISOString()],
    );
    return r.rows;
  }

  async list(filter: ApprovalFilter = {}): Promise<ApprovalPage> {
    const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown): string => {
      params.push(v);
      return `$${params.length}`;
    };
    if (filter.statuses && filter.statuses.length > 0)
      where.push(
        `status IN (SELECT jsonb_array_elements_text(${p(JSON.stringify(filter.statuses))}::jsonb))`,
      );
    if (filter.requester !== undefined) where.push(`requester = ${p(filter.requester)}`);
    if (filter.upstream !== undefined) where.push(`upstream = ${p(filter.upstream)}`);
    if (filter.tool !== undefined) where.push(`tool = ${p(filter.tool)}`);
    if (filter.visibleTo) {
      where.push(
        `(requester = ${p(filter.visibleTo.subject)} OR EXISTS (SELECT 1 FROM jsonb_array_elements_text(reviewers) g
           WHERE g IN (SELECT jsonb_array_elements_text(${p(JSON.stringify(filter.visibleTo.groups))}::jsonb))))`,
      );
    }
    if (filter.cursor !== undefined) {
      const seq = decodeCursor(filter.cursor);
      if (seq === undefined)
        throw approvalError('invalid', 'invalid cursor: pass nextCursor from the previous page');
      where.push(`seq < ${p(seq)}::bigint`);
    }
    const r = await this.sql.query<Row & { seq: string | number }>(
      `SELECT ${COLUMNS}, seq FROM mcpgate_approvals ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY seq DESC LIMIT ${limit + 1}`,
      params,
    );
    const rows = r.rows.slice(0, limit);
    const decisions = await this.decisionsByApproval(
      this.sql,
      rows.map((x) => x.id),
    );
    const items = rows.map((row) => toRecord(row, decisions.get(row.id) ?? []));
    const last = rows[rows.length - 1];
    return r.rows.length > limit && last ? { items, nextCursor: encodeCursor(last.seq) } : { items };
  }

  private async decisions(q: SqlQueryable, ids: string[]): Promise<ApprovalDecision[]> {
    return (await this.decisionsByApproval(q, ids)).get(ids[0]!) ?? [];
  }

  private async decisionsByApproval(
    q: SqlQueryable,
    ids: string[],
  ): Promise<Map<string, ApprovalDecision[]>> {
    const out = new Map<string, ApprovalDecision[]>();
    if (ids.length === 0) return out;
    const r = await q.query<DecisionRow>(
      `SELECT approval_id, reviewer, reviewer_name, decision, reason, channel, decided_at
       FROM mcpgate_approval_decisions
       WHERE approval_id IN (SELECT jsonb_array_elements_text($1::jsonb))
       ORDER BY decided_at, reviewer`,
      [JSON.stringify(ids)],
    );
    for (const row of r.rows) {
      const list = out.get(row.approval_id) ?? [];
      list.push(toDecision(row));
      out.set(row.approval_id, list);
    }
    return out;
  }
}
