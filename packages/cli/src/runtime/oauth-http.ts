import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  adminRoute,
  HttpProblem,
  readJsonBody,
  sendJson,
  sendProblem,
  type AdminHandler,
} from '@mcpgate/admin-http';
import type { OAuthConnection, UserTokenBroker } from '@mcpgate/auth';
import { OAUTH_CALLBACK_PATH } from './upstream-oauth.js';

export const ADMIN_OAUTH_PATH = '/admin/oauth/connections';

/**
 * `GET /oauth/callback`: where the upstream's authorization server sends the user's browser back.
 * It authenticates by its single-use `state` (no bearer token: a browser follows a redirect), and
 * answers with a small page — never a token.
 */
export function oauthCallbackRoute(broker: UserTokenBroker) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (url.pathname !== OAUTH_CALLBACK_PATH) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    const result = await broker.callback(url.searchParams);
    const [status, title, text] = result.ok
      ? [
          200,
          'Connected',
          `mcpgate is now authorized to use "${result.upstream}" for you. You can close this window and return to your client.`,
        ]
      : [result.status, 'Not connected', result.message];
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} — mcpgate</title></head><body><h1>${title}</h1><p>${escapeHtml(text)}</p></body></html>`;
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'",
    });
    res.end(html);
    return true;
  };
}

export function connectionJson(c: OAuthConnection): Record<string, unknown> {
  return {
    subject: c.subject,
    upstream: c.upstream,
    issuer: c.issuer ?? null,
    clientId: c.clientId ?? null,
    scope: c.scope ?? null,
    expiresAt: c.expiresAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    refreshedAt: c.refreshedAt?.toISOString() ?? null,
  };
}

/**
 * Users' upstream connections over HTTP. Everyone sees and revokes their own; members of
 * `console.roles.admin` groups see and revoke everyone's (`?subject=` filters).
 *
 *   GET  /admin/oauth/connections[?subject=S&upstream=U]
 *   POST /admin/oauth/connections/revoke  {"upstream": "U", "subject"?: "S"}
 */
export function createOAuthAdminHandler(
  broker: UserTokenBroker,
  adminGroups: readonly string[],
): AdminHandler {
  return async (req, res, identity) => {
    const route = adminRoute(req, ADMIN_OAUTH_PATH);
    if (!route) return false;
    const admin = identity.groups.some((g) => adminGroups.includes(g));
    try {
      if (identity.authMethod === 'none')
        throw new HttpProblem(401, 'unauthenticated', 'the connections API needs an authenticated caller');
      const { url, rest } = route;
      if (rest.length === 0) {
        if ((req.method ?? 'GET') !== 'GET')
          throw new HttpProblem(405, 'method_not_allowed', 'listing is GET');
        const asked = url.searchParams.get('subject') ?? undefined;
        if (asked !== undefined && asked !== identity.subject && !admin)
          throw new HttpProblem(403, 'forbidden', "only admins list other people's connections");
        const subject = admin ? asked : identity.subject;
        const upstream = url.searchParams.get('upstream') ?? undefined;
        const items = await broker.list({
          ...(subject !== undefined && { subject }),
          ...(upstream !== undefined && { upstream }),
        });
        sendJson(res, 200, { items: items.map(connectionJson) });
        return true;
      }
      if (rest.length === 1 && rest[0] === 'revoke') {
        if (req.method !== 'POST') throw new HttpProblem(405, 'method_not_allowed', 'revoking is POST');
        const body = await readJsonBody(req);
        const upstream = body.upstream;
        if (typeof upstream !== 'string' || upstream === '')
          throw new HttpProblem(400, 'invalid_params', '"upstream" must be a non-empty string');
        const subject = body.subject === undefined ? identity.subject : body.subject;
        if (typeof subject !== 'string' || subject === '')
          throw new HttpProblem(400, 'invalid_params', '"subject" must be a non-empty string');
        if (subject !== identity.subject && !admin)
          throw new HttpProblem(403, 'forbidden', "only admins revoke other people's connections");
        const revoked = await broker.revoke(subject, upstream, identity.subject);
        if (!revoked)
          throw new HttpProblem(404, 'not_found', `no connection of "${subject}" to upstream "${upstream}"`);
        sendJson(res, 200, { revoked: { subject, upstream } });
        return true;
      }
      throw new HttpProblem(404, 'not_found', `no such route under ${ADMIN_OAUTH_PATH}`);
    } catch (err) {
      if (err instanceof HttpProblem) sendProblem(res, err.status, err.code, err.message);
      else sendProblem(res, 500, 'internal', 'listing or revoking connections failed');
      return true;
    }
  };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
