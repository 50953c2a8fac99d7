import { type Identity, type SqlQueryable } from '@mcpgate/core';
import { adminRoute, HttpProblem, sendJson, sendProblem, type AdminHandler } from '@mcpgate/admin-http';
import { sessionEvents } from '@mcpgate/audit';
import { rolesOf, type RoleGroups } from '../roles.js';
import { timelineItem } from './timeline.js';

export const ADMIN_SESSIONS_PATH = '/admin/sessions';

export interface SessionsApiOptions {
  readonly sql: SqlQueryable;
  readonly roles: RoleGroups;
  /** Records the read in the audit trail (`audit.read`) before it runs, as the CLI's reads are. */
  readonly recordRead: (
    reader: { subject: string; host?: string; pid?: number },
    action: string,
    filters: Readonly<Record<string, unknown>>,
  ) => Promise<void>;
}

const CALL_FILTERS = ['group', 'upstream', 'tool', 'decision', 'outcome'] as const;

function dateParam(url: URL, key: string): Date | undefined {
  const raw = url.searchParams.get(key);
  if (raw === null || raw === '') return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime()))
    throw new HttpProblem(400, 'invalid_params', `${key} is not a date: "${raw}"`);
  return d;
}

/**
 * Sessions and their replay: `GET /admin/sessions?from&to&user&group&upstream&tool&decision&outcome&limit`
 * and `GET /admin/sessions/{id}`. Auditors read everyone's; everyone else only their own (another
 * person's session answers 404, like a missing one). Payloads are what the audit trail holds —
 * masked as sent to the client, with masking markers (detector, path, count), never raw values.
 */
export function createSessionsAdminHandler(opts: SessionsApiOptions): AdminHandler {
  const reader = (identity: Identity) => ({ subject: identity.subject, host: 'console', pid: process.pid });
  return async (req, res, identity) => {
    const route = adminRoute(req, ADMIN_SESSIONS_PATH);
    if (!route) return false;
    try {
      if (identity.authMethod === 'none' || identity.subject === 'anonymous')
        throw new HttpProblem(401, 'unauthenticated', 'reading sessions needs an authenticated caller');
      if (req.method !== 'GET')
        throw new HttpProblem(
          405,
          'method_not_allowed',
          `${req.method} not allowed on ${ADMIN_SESSIONS_PATH}; use GET`,
        );
      const auditor = rolesOf(identity, opts.roles).auditor;
      const { url, rest } = route;
      if (rest.length === 0) {
        const user = url.searchParams.get('user') || undefined;
        if (user !== undefined && user !== identity.subject && !auditor)
          throw new HttpProblem(403, 'forbidden', "only auditors read other people's sessions");
        const filters: Record<string, string> = {};
        for (const k of ['from', 'to', ...CALL_FILTERS] as const) {
          const v = url.searchParams.get(k);
          if (v) filters[k] = v;
        }
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? 100 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw new HttpProblem(400, 'invalid_params', 'limit must be an integer from 1 to 500');
        const subject = auditor ? user : identity.subject;
        const from = dateParam(url, 'from');
        const to = dateParam(url, 'to');
        await opts.recordRead(reader(identity), 'console.sessions', {
          ...filters,
          ...(subject && { user: subject }),
        });
        const items = await listSessions(opts.sql, { ...filters, from, to, subject, limit });
        sendJson(res, 200, { items });
        return true;
      }
      if (rest.length === 1) {
        const id = rest[0]!;
        const owner = await opts.sql.query<{ subject: string | null }>(
          'SELECT subject FROM sessions WHERE id = $1 LIMIT 1',
          [id],
        );
        const row = owner.rows[0];
        if (!row || (!auditor && row.subject !== identity.subject))
          throw new HttpProblem(404, 'not_found', `no session ${id} that you may read`);
        await opts.recordRead(reader(identity), 'console.replay', { session: id });
        const events = await sessionEvents(opts.sql, id);
        sendJson(res, 200, { id, subject: row.subject, events: events.map(timelineItem) });
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such endpoint: GET ${url.pathname}`);
    } catch (err) {
      if (err instanceof HttpProblem) sendProblem(res, err.status, err.code, err.message);
      else sendProblem(res, 500, 'internal', 'internal error while reading sessions');
      return true;
    }
  };
}

interface ListFilters {
  readonly from: Date | undefined;
  readonly to: Date | undefined;
  readonly subject: string | undefined;
  readonly group?: string;
  readonly upstream?: string;
  readonly tool?: string;
  readonly decision?: string;
  readonly outcome?: string;
  readonly limit: number;
}

/** Sessions, newest first; call-level filters keep sessions with at least one matching call. */
async function listSessions(sql: SqlQueryable, f: ListFilters) {
  const conds: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.from) conds.push(`s.started_at >= ${p(f.from.toISOString())}`);
  if (f.to) conds.push(`s.started_at < ${p(f.to.toISOString())}`);
  if (f.subject) conds.push(`s.subject = ${p(f.subject)}`);
  if (f.group) conds.push(`s.groups IS NOT NULL AND s.groups::jsonb ? ${p(f.group)}`);
  const call: string[] = [];
  if (f.upstream) call.push(`c.upstream = ${p(f.upstream)}`);
  if (f.tool) {
    const t = p(f.tool);
    call.push(
      `(c.target = ${t} OR position('"exposedName":' || to_json(${t}::text)::text in c.request) > 0)`,
    );
  }
  if (f.decision) call.push(`c.decision = ${p(f.decision)}`);
  if (f.outcome) call.push(`c.outcome = ${p(f.outcome)}`);
  if (call.length)
    conds.push(`EXISTS (SELECT 1 FROM calls c WHERE c.session_id = s.id AND ${call.join(' AND ')})`);
  const r = await sql.query<{
    id: string;
    started_at: Date | string;
    ended_at: Date | string | null;
    subject: string | null;
    info: string;
    calls: number;
    refused: number;
  }>(
    `SELECT s.id, s.started_at, s.ended_at, s.subject, s.info,
            (SELECT count(*) FROM events e WHERE e.session_id = s.id
               AND e.type IN ('call.request', 'call.refused', 'call.gateway'))::int AS calls,
            (SELECT count(*) FROM events e WHERE e.session_id = s.id AND e.type = 'call.refused')::int AS refused
     FROM sessions s ${conds.length ? `WHERE ${conds.join(' AND ')}` : ''}
     ORDER BY s.started_at DESC LIMIT ${f.limit}`,
    params,
  );
  return r.rows.map((x) => {
    const info = JSON.parse(x.info) as Record<string, unknown>;
    const client = info.client as { name?: unknown; version?: unknown } | undefined;
    return {
      id: x.id,
      startedAt: new Date(x.started_at).toISOString(),
      endedAt: x.ended_at === null ? null : new Date(x.ended_at).toISOString(),
      subject: x.subject,
      face: typeof info.face === 'string' ? info.face : null,
      client:
        client && typeof client.name === 'string'
          ? `${client.name} ${typeof client.version === 'string' ? client.version : ''}`.trim()
          : null,
      calls: Number(x.calls),
      refused: Number(x.refused),
    };
  });
}
