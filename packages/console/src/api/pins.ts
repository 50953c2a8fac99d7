import { type JsonObject } from '@mcpgate/core';
import { adminRoute, HttpProblem, readJsonBody, sendJson, type AdminHandler } from '@mcpgate/admin-http';
import type { RoleGroups } from '../roles.js';
import { mustBeAdmin, sendFailure } from './guard.js';

export const ADMIN_PINS_PATH = '/admin/tools/pins';

/** What the console needs of the gateway's tool pinning (`ToolPinning` in @mcpgate/policy). */
export interface PinningAccess {
  diff(upstream?: string): Promise<
    ReadonlyArray<{
      readonly upstream: string;
      readonly tool: string;
      readonly status: string;
      readonly mode: string;
      readonly changes: ReadonlyArray<{ readonly field: string }>;
      readonly seenAt: Date;
      readonly hash: string;
      readonly approved: JsonObject | null;
      readonly current: JsonObject;
    }>
  >;
  approve(upstream: string, tool: string, by: string, hash?: string): Promise<string[]>;
}

export interface PinsApiOptions {
  readonly pinning: PinningAccess;
  readonly roles: RoleGroups;
}

/**
 * Tool pinning for admins — the same operations as `mcpgate tools diff|approve`:
 *
 *   GET  /admin/tools/pins[?upstream=NAME]                 changed and new tools: both definitions
 *   POST /admin/tools/pins/{upstream}/{tool}/approve {"hash"}  accepts the definition with that hash
 *
 * The hash is required: an approval accepts exactly the definition the admin reviewed, never one
 * that changed after the page was loaded (that answers 409 and the page shows the new diff).
 */
export function createPinsAdminHandler(opts: PinsApiOptions): AdminHandler {
  return async (req, res, identity) => {
    const route = adminRoute(req, ADMIN_PINS_PATH);
    if (!route) return false;
    const { url, rest } = route;
    const method = req.method ?? 'GET';
    try {
      mustBeAdmin(identity, opts.roles, 'reviewing tool pins');
      if (rest.length === 0) {
        if (method !== 'GET')
          throw new HttpProblem(405, 'method_not_allowed', `${method} not allowed; use GET`);
        const diffs = await opts.pinning.diff(url.searchParams.get('upstream') || undefined);
        sendJson(res, 200, {
          items: diffs.map((d) => ({
            upstream: d.upstream,
            tool: d.tool,
            status: d.status,
            mode: d.mode,
            fields: d.changes.map((c) => c.field),
            seenAt: d.seenAt.toISOString(),
            hash: d.hash,
            approved: d.approved,
            current: d.current,
          })),
        });
        return true;
      }
      if (rest.length === 3 && rest[2] === 'approve') {
        if (method !== 'POST') throw new HttpProblem(405, 'method_not_allowed', 'approving a pin is POST');
        const body = await readJsonBody(req);
        if (typeof body.hash !== 'string' || !/^[0-9a-f]{16,128}$/.test(body.hash))
          throw new HttpProblem(
            400,
            'invalid_params',
            '"hash" must be the hash of the reviewed definition (from GET /admin/tools/pins)',
          );
        const [upstream, tool] = [rest[0]!, rest[1]!];
        const done = await opts.pinning.approve(upstream, tool, identity.subject, body.hash);
        if (done.length === 0)
          throw new HttpProblem(
            409,
            'conflict',
            `nothing to approve for ${upstream} ${tool}: already pinned, never seen, or its definition changed since it was reviewed`,
          );
        sendJson(res, 200, { approved: done.map((t) => ({ upstream, tool: t })) });
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such pins endpoint: ${method} ${url.pathname}`);
    } catch (err) {
      sendFailure(res, err, 'reviewing tool pins');
      return true;
    }
  };
}
