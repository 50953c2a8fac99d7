import type { SqlQueryable } from '@mcpgate/core';

export interface CallFilters {
  readonly from?: Date;
  readonly to?: Date;
  readonly user?: string;
  readonly group?: string;
  readonly upstream?: string;
  /** Tool, prompt or resource: the upstream's name, or the namespaced name the client used. */
  readonly tool?: string;
  readonly decision?: string;
  readonly outcome?: string;
  readonly session?: string;
  /** Case-insensitive substring over recorded arguments and results. */
  readonly text?: string;
  readonly limit?: number;
}

export interface CallRow {
  readonly correlationId: string;
  readonly sessionId: string | null;
  readonly requestedAt: Date;
  readonly completedAt: Date | null;
  readonly recordType: string;
  readonly subject: string | null;
  readonly groups: string[];
  readonly method: string | null;
  readonly upstream: string | null;
  readonly target: string | null;
  readonly decision: string | null;
  readonly outcome: string | null;
  readonly request: unknown;
  readonly response: unknown;
}

interface RawCall {
  correlation_id: string;
  session_id: string | null;
  requested_at: Date;
  completed_at: Date | null;
  record_type: string;
  subject: string | null;
  groups: string | null;
  method: string | null;
  upstream: string | null;
  target: string | null;
  decision: string | null;
  outcome: string | null;
  request: string;
  response: string | null;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Builds the WHERE clause shared by query and export-like readers. */
function where(f: CallFilters): { sql: string; params: unknown[] } {
  const conds: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.from) conds.push(`requested_at >= ${p(f.from.toISOString())}`);
  if (f.to) conds.push(`requested_at < ${p(f.to.toISOString())}`);
  if (f.user) conds.push(`subject = ${p(f.user)}`);
  if (f.group) conds.push(`groups IS NOT NULL AND groups::jsonb ? ${p(f.group)}`);
  if (f.upstream) conds.push(`upstream = ${p(f.upstream)}`);
  if (f.tool) {
    const t = p(f.tool);
    conds.push(`(target = ${t} OR position('"exposedName":' || to_json(${t}::text)::text in request) > 0)`);
  }
  if (f.decision) conds.push(`decision = ${p(f.decision)}`);
  if (f.outcome) conds.push(`outcome = ${p(f.outcome)}`);
  if (f.session) conds.push(`session_id = ${p(f.session)}`);
  if (f.text) {
    const t = p(`%${likeEscape(f.text)}%`);
    conds.push(`(request ILIKE ${t} OR response ILIKE ${t})`);
  }
  return { sql: conds.length ? `WHERE ${conds.join(' AND ')}` : '', params };
}

/** Calls (requests, refusals, gateway-answered lists) matching the filters, oldest first. */
export async function queryCalls(sql: SqlQueryable, f: CallFilters = {}): Promise<CallRow[]> {
  const w = where(f);
  const limit = Math.max(1, Math.min(f.limit ?? 100, 100_000));
  const r = await sql.query<RawCall>(
    `SELECT correlation_id, session_id, requested_at, completed_at, record_type, subject, groups, method, upstream,
            target, decision, outcome, request, response
     FROM calls ${w.sql} ORDER BY requested_at DESC, chain_id, seq DESC LIMIT ${limit}`,
    w.params,
  );
  return r.rows.reverse().map((x) => ({
    correlationId: x.correlation_id,
    sessionId: x.session_id,
    requestedAt: x.requested_at,
    completedAt: x.completed_at,
    recordType: x.record_type,
    subject: x.subject,
    groups: x.groups ? (JSON.parse(x.groups) as string[]) : [],
    method: x.method,
    upstream: x.upstream,
    target: x.target,
    decision: x.decision,
    outcome: x.outcome,
    request: JSON.parse(x.request) as unknown,
    response: x.response === null ? null : (JSON.parse(x.response) as unknown),
  }));
}

export interface SessionFilters {
  readonly from?: Date;
  readonly to?: Date;
  readonly user?: string;
  readonly limit?: number;
}

export interface SessionRow {
  readonly id: string;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly subject: string | null;
  readonly info: Record<string, unknown>;
  readonly calls: number;
}

/** Sessions, most recent last, with their call counts. */
export async function listSessions(sql: SqlQueryable, f: SessionFilters = {}): Promise<SessionRow[]> {
  const conds: string[] = [];
  const params: unknown[] = [];
  if (f.from) {
    params.push(f.from.toISOString());
    conds.push(`s.started_at >= $${params.length}`);
  }
  if (f.to) {
    params.push(f.to.toISOString());
    conds.push(`s.started_at < $${params.length}`);
  }
  if (f.user) {
    params.push(f.user);
    conds.push(`s.subject = $${params.length}`);
  }
  const limit = Math.max(1, Math.min(f.limit ?? 100, 100_000));
  const r = await sql.query<{
    id: string;
    started_at: Date;
    ended_at: Date | null;
    subject: string | null;
    info: string;
    calls: number;
  }>(
    `SELECT s.id, s.started_at, s.ended_at, s.subject, s.info,
            (SELECT count(*) FROM events e WHERE e.session_id = s.id
               AND e.type IN ('call.request', 'call.refused', 'call.gateway'))::int AS calls
     FROM sessions s ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
     ORDER BY s.started_at DESC LIMIT ${limit}`,
    params,
  );
  return r.rows.reverse().map((x) => ({
    id: x.id,
    startedAt: x.started_at,
    endedAt: x.ended_at,
    subject: x.subject,
    info: JSON.parse(x.info) as Record<string, unknown>,
    calls: Number(x.calls),
  }));
}
