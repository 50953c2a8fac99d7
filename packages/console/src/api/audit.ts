import { type SqlQueryable } from '@mcpgate/core';
import { adminRoute, HttpProblem, sendJson, sendProblem, type AdminHandler } from '@mcpgate/admin-http';
import { exportAudit, queryCalls, type CallFilters } from '@mcpgate/audit';
import { rolesOf } from '../roles.js';
import type { SessionsApiOptions } from './sessions.js';

export const ADMIN_AUDIT_PATH = '/admin/audit';

const TEXT_FILTERS = ['user', 'group', 'upstream', 'tool', 'decision', 'outcome', 'text'] as const;

function dateOf(url: URL, key: string): Date | undefined {
  const raw = url.searchParams.get(key);
  if (raw === null || raw === '') return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime()))
    throw new HttpProblem(400, 'invalid_params', `${key} is not a date: "${raw}"`);
  return d;
}

/**
 * The audit trail for auditors: `GET /admin/audit/calls` (search), `GET /admin/audit/export`
 * (JSONL or CSV download, verifiable offline with `mcpgate audit verify --file`) and
 * `GET /admin/audit/evidence` (checkpoint coverage, signers, who read the trail). Only the
 * console's `auditor` role; every read is recorded as `audit.read` before it runs.
 */
export function createAuditAdminHandler(opts: SessionsApiOptions): AdminHandler {
  return async (req, res, identity) => {
    const route = adminRoute(req, ADMIN_AUDIT_PATH);
    if (!route) return false;
    const reader = { subject: identity.subject, host: 'console', pid: process.pid };
    try {
      if (identity.authMethod === 'none' || identity.subject === 'anonymous')
        throw new HttpProblem(
          401,
          'unauthenticated',
          'reading the audit trail needs an authenticated caller',
        );
      if (!rolesOf(identity, opts.roles).auditor)
        throw new HttpProblem(
          403,
          'forbidden',
          'reading the audit trail needs the auditor role (console.roles.auditor)',
        );
      if (req.method !== 'GET')
        throw new HttpProblem(405, 'method_not_allowed', `${req.method} not allowed; use GET`);
      const { url, rest } = route;
      const from = dateOf(url, 'from');
      const to = dateOf(url, 'to');
      const given: Record<string, string> = {};
      for (const k of ['from', 'to', ...TEXT_FILTERS]) {
        const v = url.searchParams.get(k);
        if (v) given[k] = v;
      }
      const what = rest.join('/');
      if (what === 'calls') {
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? 100 : Number(limitText);
        if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
          throw new HttpProblem(400, 'invalid_params', 'limit must be an integer from 1 to 1000');
        const filters: CallFilters = { ...(from && { from }), ...(to && { to }), limit };
        for (const k of TEXT_FILTERS) if (given[k]) Object.assign(filters, { [k]: given[k] });
        await opts.recordRead(reader, 'console.query', given);
        const rows = await queryCalls(opts.sql, filters);
        sendJson(res, 200, {
          items: rows.reverse().map((c) => ({
            correlationId: c.correlationId,
            sessionId: c.sessionId,
            requestedAt: new Date(c.requestedAt).toISOString(),
            completedAt: c.completedAt === null ? null : new Date(c.completedAt).toISOString(),
            subject: c.subject,
            groups: c.groups,
            method: c.method,
            upstream: c.upstream,
            target: c.target,
            decision: c.decision,
            outcome: c.outcome,
            request: c.request,
            response: c.response,
          })),
        });
        return true;
      }
      if (what === 'export') {
        const format = url.searchParams.get('format') ?? 'jsonl';
        if (format !== 'jsonl' && format !== 'csv')
          throw new HttpProblem(400, 'invalid_params', 'format must be jsonl or csv');
        await opts.recordRead(reader, 'console.export', { ...given, format });
        res.writeHead(200, {
          'content-type':
            format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
          'content-disposition': `attachment; filename="mcpgate-audit.${format}"`,
          'cache-control': 'no-store',
        });
        await exportAudit(opts.sql, {
          format,
          ...(from && { from }),
          ...(to && { to }),
          write: (chunk) =>
            new Promise<void>((resolve) => {
              if (res.write(chunk)) resolve();
              else res.once('drain', () => resolve());
            }),
        });
        res.end();
        return true;
      }
      if (what === 'evidence') {
        await opts.recordRead(reader, 'console.evidence', {});
        sendJson(res, 200, await evidence(opts.sql));
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such endpoint: GET ${url.pathname}`);
    } catch (err) {
      if (res.headersSent) res.end();
      else if (err instanceof HttpProblem) sendProblem(res, err.status, err.code, err.message);
      else sendProblem(res, 500, 'internal', 'internal error while reading the audit trail');
      return true;
    }
  };
}

/** Checkpoint coverage per chain (signed head vs. written head), the signers, and the trail's readers. */
async function evidence(sql: SqlQueryable) {
  const chains = await sql.query<{
    chain_id: string;
    head_seq: number;
    head_ts: Date | string;
    checkpoint_seq: number | null;
    checkpoint_ts: Date | string | null;
    public_key: string | null;
  }>(
    `SELECT w.chain_id,
            (SELECT max(seq) FROM events e WHERE e.chain_id = w.chain_id)::bigint AS head_seq,
            (SELECT max(ts) FROM events e WHERE e.chain_id = w.chain_id) AS head_ts,
            c.seq AS checkpoint_seq, c.ts AS checkpoint_ts, w.public_key
       FROM audit_writers w
       LEFT JOIN LATERAL (SELECT seq, ts FROM checkpoints k WHERE k.chain_id = w.chain_id ORDER BY seq DESC LIMIT 1) c ON true
      ORDER BY w.started_at DESC LIMIT 100`,
  );
  const reads = await sql.query<{
    ts: Date | string;
    subject: string | null;
    method: string | null;
    body: string;
  }>(`SELECT ts, subject, method, body FROM events WHERE type = 'audit.read' ORDER BY ts DESC LIMIT 50`);
  const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
  const readItems = reads.rows.map((r) => {
    const body = JSON.parse(r.body) as { action?: unknown; filters?: unknown };
    return {
      ts: iso(r.ts),
      subject: r.subject,
      action: body.action ?? r.method,
      filters: body.filters ?? {},
    };
  });
  return {
    chains: chains.rows.map((c) => ({
      chainId: c.chain_id,
      headSeq: c.head_seq === null ? null : Number(c.head_seq),
      headAt: iso(c.head_ts),
      checkpointSeq: c.checkpoint_seq === null ? null : Number(c.checkpoint_seq),
      checkpointAt: iso(c.checkpoint_ts),
      signer: c.public_key,
    })),
    lastVerify: readItems.find((r) => r.action === 'verify') ?? null,
    reads: readItems,
  };
}
