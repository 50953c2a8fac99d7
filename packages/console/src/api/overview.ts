import { type SqlQueryable, type UpstreamStatus } from '@mcpgate/core';
import { adminRoute, HttpProblem, sendJson, type AdminHandler } from '@mcpgate/admin-http';
import { rolesOf, type RoleGroups } from '../roles.js';
import { mustBeAdmin, mustBeAuthenticated, sendFailure } from './guard.js';
import type { AuditLagHistory, AuditLagStats } from './lag-history.js';
import type { SessionsApiOptions } from './sessions.js';

export const ADMIN_OVERVIEW_PATH = '/admin/overview';

/** Time ranges the overview offers: how far back, and how wide each bar is. */
export const OVERVIEW_RANGES: Readonly<
  Record<string, { readonly spanMs: number; readonly bucketMs: number }>
> = {
  '1h': { spanMs: 3_600_000, bucketMs: 60_000 },
  '24h': { spanMs: 86_400_000, bucketMs: 1_800_000 },
  '7d': { spanMs: 604_800_000, bucketMs: 14_400_000 },
};

export interface OverviewApiOptions {
  readonly sql: SqlQueryable;
  readonly roles: RoleGroups;
  readonly recordRead: SessionsApiOptions['recordRead'];
  /** This process's upstreams as the pool sees them now. */
  readonly upstreams: () => readonly UpstreamStatus[];
  readonly audit: () => AuditLagStats;
  readonly lag: AuditLagHistory;
}

/**
 * The overview page's data:
 *
 *   GET /admin/overview/activity?range=1h|24h|7d   calls, refusals and held approvals per time bucket
 *                                                   (auditor or admin; recorded as an audit read)
 *   GET /admin/overview/health                     upstream states, audit lag now and over the last
 *                                                   hour of this process (admin)
 */
export function createOverviewAdminHandler(opts: OverviewApiOptions): AdminHandler {
  return async (req, res, identity) => {
    const route = adminRoute(req, ADMIN_OVERVIEW_PATH);
    if (!route) return false;
    const { url, rest } = route;
    try {
      mustBeAuthenticated(identity, 'the overview');
      if (req.method !== 'GET')
        throw new HttpProblem(405, 'method_not_allowed', `${req.method} not allowed; use GET`);
      const what = rest.join('/');
      if (what === 'activity') {
        const roles = rolesOf(identity, opts.roles);
        if (!roles.auditor && !roles.admin)
          throw new HttpProblem(
            403,
            'forbidden',
            'the activity overview needs the auditor or admin role (console.roles)',
          );
        const name = url.searchParams.get('range') ?? '24h';
        const range = OVERVIEW_RANGES[name];
        if (!range)
          throw new HttpProblem(
            400,
            'invalid_params',
            `range must be one of ${Object.keys(OVERVIEW_RANGES).join(', ')}, got "${name}"`,
          );
        // Counting calls reads the trail: recorded before it runs, like every other console read.
        await opts.recordRead(
          { subject: identity.subject, host: 'console', pid: process.pid },
          'console.overview',
          { range: name },
        );
        sendJson(res, 200, await activity(opts.sql, name, range.spanMs, range.bucketMs));
        return true;
      }
      if (what === 'health') {
        mustBeAdmin(identity, opts.roles, 'upstream health');
        const now = opts.audit();
        sendJson(res, 200, {
          upstreams: opts.upstreams().map((u) => ({
            name: u.name,
            state: u.state,
            transport: u.transport,
            era: u.era ?? null,
            restarts: u.restarts,
            lastError: u.lastError ?? null,
          })),
          audit: {
            lagMs: now.lagMs,
            queued: now.queued,
            deferred: now.deferred,
            dropped: now.dropped,
            sampleEveryMs: opts.lag.intervalMs,
            samples: opts.lag.samples().map((s) => ({
              t: new Date(s.t).toISOString(),
              lagMs: s.lagMs,
              pending: s.pending,
            })),
          },
        });
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such endpoint: GET ${url.pathname}`);
    } catch (err) {
      sendFailure(res, err, 'reading the overview');
      return true;
    }
  };
}

async function activity(sql: SqlQueryable, range: string, spanMs: number, bucketMs: number) {
  // Whole buckets, the last one ending after now, so bars do not shift between reloads.
  const end = Math.ceil(Date.now() / bucketMs) * bucketMs;
  const start = end - spanMs;
  const n = spanMs / bucketMs;
  const bucket = (col: string) => `floor(extract(epoch FROM ${col}) * 1000 / ${bucketMs})::bigint`;
  const args = [new Date(start).toISOString(), new Date(end).toISOString()];
  const calls = await sql.query<{ b: string | number; calls: number; refused: number }>(
    `SELECT ${bucket('ts')} AS b,
            count(*)::int AS calls,
            count(*) FILTER (WHERE type = 'call.refused')::int AS refused
       FROM events
      WHERE ts >= $1 AND ts < $2 AND type IN ('call.request', 'call.refused', 'call.gateway')
      GROUP BY 1`,
    args,
  );
  const held = await sql.query<{ b: string | number; held: number }>(
    `SELECT ${bucket('created_at')} AS b, count(*)::int AS held
       FROM mcpgate_approvals WHERE created_at >= $1 AND created_at < $2 GROUP BY 1`,
    args,
  );
  const waiting = await sql.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM mcpgate_approvals WHERE status = 'requested' AND expires_at > now()`,
  );
  const first = start / bucketMs;
  const buckets = Array.from({ length: n }, (_, i) => ({
    t: new Date(start + i * bucketMs).toISOString(),
    calls: 0,
    denials: 0,
    held: 0,
  }));
  for (const r of calls.rows) {
    const slot = buckets[Number(r.b) - first];
    if (slot) Object.assign(slot, { calls: Number(r.calls), denials: Number(r.refused) });
  }
  for (const r of held.rows) {
    const slot = buckets[Number(r.b) - first];
    if (slot) slot.held = Number(r.held);
  }
  return {
    range,
    bucketMs,
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    waitingNow: Number(waiting.rows[0]?.n ?? 0),
    buckets,
  };
}
