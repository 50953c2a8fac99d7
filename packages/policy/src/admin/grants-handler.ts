import type { IncomingMessage } from 'node:http';
import { isGatewayError, type Identity } from '@mcpgate/core';
import {
  adminRoute,
  HttpProblem,
  readJsonBody,
  sendJson,
  sendProblem,
  type AdminHandler,
} from '@mcpgate/admin-http';
import { formatDuration, requireDuration } from '@mcpgate/config';
import type { GrantService } from '../grants/service.js';
import type { GrantRecord, GrantStatus } from '../grants/types.js';

export const ADMIN_GRANTS_PATH = '/admin/grants';

const STATUSES: readonly GrantStatus[] = ['pending', 'approved', 'denied', 'revoked', 'expired'];

export function grantJson(g: GrantRecord): Record<string, unknown> {
  return {
    id: g.id,
    status: g.status,
    requester: g.requester,
    upstream: g.upstream,
    tool: g.tool,
    rule: g.rule,
    reason: g.reason,
    duration: formatDuration(g.durationMs),
    durationMs: g.durationMs,
    requestedMs: g.requestedMs,
    createdAt: g.createdAt.toISOString(),
    decidedBy: g.decidedBy ?? null,
    decidedAt: g.decidedAt?.toISOString() ?? null,
    decisionReason: g.decisionReason ?? null,
    expiresAt: g.expiresAt?.toISOString() ?? null,
    revokedBy: g.revokedBy ?? null,
    revokedAt: g.revokedAt?.toISOString() ?? null,
  };
}

function str(body: Record<string, unknown>, key: string, required: boolean): string | undefined {
  const v = body[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.trim() === '')
    throw new HttpProblem(400, 'invalid_params', `"${key}" must be a non-empty string`);
  return v;
}

function statusesOf(raw: string | null): GrantStatus[] | undefined {
  if (raw === null || raw === '') return undefined;
  const list = raw.split(',').map((s) => s.trim());
  for (const s of list)
    if (!(STATUSES as readonly string[]).includes(s))
      throw new HttpProblem(400, 'invalid_params', `unknown status "${s}" (one of ${STATUSES.join(', ')})`);
  return list as GrantStatus[];
}

function only(req: IncomingMessage, method: 'GET' | 'POST', what: string): void {
  if ((req.method ?? 'GET') !== method)
    throw new HttpProblem(405, 'method_not_allowed', `${what} is ${method}`);
}

/**
 * Just-in-time grants over HTTP — the same operations as `mcpgate access …`, with the caller's
 * own identity (the face authenticates first). Every step is audited by the GrantService.
 *
 *   GET  /admin/grants?status=pending,approved     grants the caller requested or may review
 *   POST /admin/grants  {"upstream","tool"?,"duration":"30m","reason"}   request one
 *   GET  /admin/grants/{id}
 *   POST /admin/grants/{id}/approve|deny|revoke  {"reason"?}
 */
export function createGrantsAdminHandler(service: GrantService): AdminHandler {
  return async (req, res, identity: Identity) => {
    const route = adminRoute(req, ADMIN_GRANTS_PATH);
    if (!route) return false;
    const { url, rest } = route;
    try {
      if (identity.authMethod === 'none')
        throw new HttpProblem(401, 'unauthenticated', 'the grants API needs an authenticated caller');
      if (rest.length === 0 && (req.method ?? 'GET') === 'GET') {
        const statuses = statusesOf(url.searchParams.get('status'));
        const all = await service.list(statuses ? { statuses } : {});
        sendJson(res, 200, { items: all.filter((g) => service.canSee(identity, g)).map(grantJson) });
        return true;
      }
      if (rest.length === 0) {
        only(req, 'POST', 'requesting a grant');
        const body = await readJsonBody(req);
        let duration: number;
        try {
          duration = requireDuration(str(body, 'duration', true)!);
        } catch {
          throw new HttpProblem(400, 'invalid_params', '"duration" must be a duration such as 30m or 2h');
        }
        const tool = str(body, 'tool', false);
        const grant = await service.request(identity, {
          upstream: str(body, 'upstream', true)!,
          ...(tool !== undefined ? { tool } : {}),
          durationMs: duration,
          reason: str(body, 'reason', true)!,
        });
        sendJson(res, 201, { grant: grantJson(grant) });
        return true;
      }
      const id = rest[0]!;
      if (rest.length === 1) {
        only(req, 'GET', `reading ${ADMIN_GRANTS_PATH}/${id}`);
        const grant = await service.get(id).catch(() => undefined);
        // Not visible is the same answer as not existing: no oracle for other people's grants.
        if (!grant || !service.canSee(identity, grant))
          throw new HttpProblem(404, 'not_found', `no grant ${id}`);
        sendJson(res, 200, { grant: grantJson(grant) });
        return true;
      }
      const action = rest[1];
      if (rest.length === 2 && (action === 'approve' || action === 'deny' || action === 'revoke')) {
        only(req, 'POST', action);
        const reason = str(await readJsonBody(req), 'reason', false);
        const grant =
          action === 'approve'
            ? await service.approve(identity, id, reason)
            : action === 'deny'
              ? await service.deny(identity, id, reason)
              : await service.revoke(identity, id, reason);
        sendJson(res, 200, { grant: grantJson(grant) });
        return true;
      }
      throw new HttpProblem(
        404,
        'not_found',
        `no such grants endpoint: ${req.method ?? 'GET'} ${url.pathname}`,
      );
    } catch (err) {
      if (err instanceof HttpProblem) sendProblem(res, err.status, err.code, err.message);
      else if (isGatewayError(err)) sendProblem(res, err.httpStatus, err.code, err.message);
      else sendProblem(res, 500, 'internal', 'internal error while handling the grants request');
      return true;
    }
  };
}
