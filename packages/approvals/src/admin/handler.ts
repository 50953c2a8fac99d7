import type { IncomingMessage } from 'node:http';
import { isGatewayError } from '@mcpgate/core';
import {
  HttpProblem,
  readJsonBody as readJson,
  sendJson as send,
  sendProblem as sendError,
  type AdminHandler as CoreAdminHandler,
} from '@mcpgate/admin-http';
import { PROBLEM_HTTP_STATUS, problemOf } from '../errors.js';
import { approvalJson } from '../json.js';
import type { ApprovalService } from '../service.js';
import { APPROVAL_STATUSES, type ApprovalStatus, type DecisionChannel } from '../types.js';

export const ADMIN_APPROVALS_PATH = '/admin/approvals';

/** `(req, res, identity) → handled?` — mounted by the HTTP face after authentication. */
export type AdminHandler = CoreAdminHandler;
function statusesOf(raw: string | null): ApprovalStatus[] | undefined {
  if (raw === null || raw === '') return undefined;
  const list = raw.split(',').map((s) => s.trim());
  for (const s of list)
    if (!(APPROVAL_STATUSES as readonly string[]).includes(s))
      throw new HttpProblem(
        400,
        'invalid_params',
        `unknown status "${s}" (one of ${APPROVAL_STATUSES.join(', ')})`,
      );
  return list as ApprovalStatus[];
}

function channelOf(req: IncomingMessage): DecisionChannel {
  const hint = req.headers['x-mcpgate-client'];
  return hint === 'cli' ? 'cli-remote' : hint === 'web' ? 'web' : 'admin-api';
}

/**
 * The approvals admin API. Every route needs an authenticated identity (the face authenticates
 * first); lists and reads show only the caller's own requests and those their groups review, and
 * only reviewers may decide. Errors are JSON `{ error: { code, message } }`.
 *
 *   GET  /admin/approvals?status=requested,approved&requester=&upstream=&tool=&limit=50&cursor=
 *   GET  /admin/approvals/{id}
 *   POST /admin/approvals/{id}/approve   {"reason": "optional"}
 *   POST /admin/approvals/{id}/deny      {"reason": "required"}
 */
export function createApprovalsAdminHandler(service: ApprovalService): AdminHandler {
  return async (req, res, identity) => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname.replace(/\/+$/, '');
    if (path !== ADMIN_APPROVALS_PATH && !path.startsWith(`${ADMIN_APPROVALS_PATH}/`)) return false;
    const rest = path.slice(ADMIN_APPROVALS_PATH.length).split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    try {
      if (identity.authMethod === 'none' || identity.subject === 'anonymous')
        throw new HttpProblem(401, 'unauthenticated', 'the approvals API needs an authenticated caller');
      if (rest.length === 0) {
        if (method !== 'GET')
          throw new HttpProblem(405, 'method_not_allowed', `${method} not allowed on ${path}; use GET`);
        const limitText = url.searchParams.get('limit');
        const limit = limitText === null ? undefined : Number(limitText);
        if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 200))
          throw new HttpProblem(400, 'invalid_params', 'limit must be an integer from 1 to 200');
        const statuses = statusesOf(url.searchParams.get('status'));
        const str = (k: string): string | undefined => url.searchParams.get(k) ?? undefined;
        const page = await service.list({
          visibleTo: { subject: identity.subject, groups: identity.groups },
          ...(statuses ? { statuses } : {}),
          ...(str('requester') !== undefined ? { requester: str('requester')! } : {}),
          ...(str('upstream') !== undefined ? { upstream: str('upstream')! } : {}),
          ...(str('tool') !== undefined ? { tool: str('tool')! } : {}),
          ...(limit !== undefined ? { limit } : {}),
          ...(str('cursor') !== undefined ? { cursor: str('cursor')! } : {}),
        });
        send(res, 200, { items: page.items.map(approvalJson), nextCursor: page.nextCursor ?? null });
        return true;
      }
      const id = rest[0]!;
      if (rest.length === 1) {
        if (method !== 'GET')
          throw new HttpProblem(405, 'method_not_allowed', `${method} not allowed on ${path}; use GET`);
        send(res, 200, { approval: approvalJson(await service.show(identity, id)) });
        return true;
      }
      const action = rest[1];
      if (rest.length === 2 && (action === 'approve' || action === 'deny')) {
        if (method !== 'POST')
          throw new HttpProblem(
            405,
            'method_not_allowed',
            `${action} is POST ${path} with a bearer token (or: mcpgate approvals ${action} ${id} --url …)`,
          );
        const body = await readJson(req);
        const reason = body.reason;
        if (reason !== undefined && typeof reason !== 'string')
          throw new HttpProblem(400, 'invalid_params', '"reason" must be a string');
        const opts = { channel: channelOf(req), ...(reason !== undefined ? { reason } : {}) };
        const reviewer = {
          subject: identity.subject,
          groups: identity.groups,
          ...(identity.name !== undefined ? { name: identity.name } : {}),
        };
        const a =
          action === 'approve'
            ? await service.approve(reviewer, id, opts)
            : await service.deny(reviewer, id, opts);
        send(res, 200, { approval: approvalJson(a) });
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such approvals endpoint: ${method} ${path}`);
    } catch (err) {
      if (err instanceof HttpProblem) sendError(res, err.status, err.code, err.message);
      else if (isGatewayError(err)) {
        const problem = problemOf(err);
        sendError(
          res,
          problem ? PROBLEM_HTTP_STATUS[problem] : err.httpStatus,
          problem ?? err.code,
          err.message,
        );
      } else sendError(res, 500, 'internal', 'internal error while handling the approvals request');
      return true;
    }
  };
}
