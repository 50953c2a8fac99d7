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
import { GatewayError } from '@mcpgate/core';
import { sendOAuthPage } from './oauth-page.js';
import { flowCookieOf, type FlowRouteDeps } from './oauth-start.js';
import { OAUTH_CALLBACK_PATH } from './upstream-oauth.js';

export const ADMIN_OAUTH_PATH = '/admin/oauth/connections';

/**
 * `GET /oauth/callback`: where the upstream's authorization server sends the user's browser back.
 * It authenticates by its single-use `state` (no bearer token: a browser follows a redirect) and
 * the flow cookie `/oauth/start` gave the browser that opened the link (a callback replayed into
 * another browser connects nothing, and is recorded), and answers with a small page — never a token.
 */
export function oauthCallbackRoute(
  broker: UserTokenBroker,
  deps: Pick<FlowRouteDeps, 'secure' | 'onRefused'> & { readonly consolePage?: string },
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (url.pathname !== OAUTH_CALLBACK_PATH) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    const result = await broker.callback(url.searchParams, (flowId) =>
      flowCookieOf(req, flowId, deps.secure),
    );
    if (!result.ok && result.refused)
      deps.onRefused(req, {
        status: result.status,
        error: result.refused.error,
        description: `an authorization callback for upstream "${result.refused.upstream}" came back to a browser that did not open its link`,
        presented: {
          link: 'oauth-callback',
          upstream: result.refused.upstream,
          owner: result.refused.subject,
        },
      });
    const [status, title, text] = result.ok
      ? [
          200,
          'Connected',
          `mcpgate is now authorized to use "${result.upstream}" for you. You can close this window and return to your client.`,
        ]
      : [result.status, 'Not connected', result.message];
    sendOAuthPage(
      res,
      status,
      title,
      text,
      deps.consolePage !== undefined
        ? { href: deps.consolePage, label: 'Your connections in the console' }
        : undefined,
    );
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
 *   GET  /admin/oauth/connections/upstreams   the caller's state for each per-user upstream
 *   POST /admin/oauth/connections/connect {"upstream": "U"}   a link to connect it now
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
      if (rest.length === 1 && rest[0] === 'upstreams') {
        if ((req.method ?? 'GET') !== 'GET')
          throw new HttpProblem(405, 'method_not_allowed', 'listing is GET');
        const mine = new Map((await broker.list({ subject: identity.subject })).map((c) => [c.upstream, c]));
        sendJson(res, 200, {
          items: broker.upstreamNames().map((upstream) => {
            const c = mine.get(upstream);
            return c ? { ...connectionJson(c), connected: true } : { upstream, connected: false };
          }),
        });
        return true;
      }
      if (rest.length === 1 && rest[0] === 'connect') {
        if (req.method !== 'POST') throw new HttpProblem(405, 'method_not_allowed', 'connecting is POST');
        const body = await readJsonBody(req);
        const upstream = body.upstream;
        if (typeof upstream !== 'string' || upstream === '')
          throw new HttpProblem(400, 'invalid_params', '"upstream" must be a non-empty string');
        let link: string | undefined;
        try {
          link = await broker.connectLink(identity, upstream);
        } catch (err) {
          if (err instanceof GatewayError)
            throw err.code === 'forbidden'
              ? new HttpProblem(403, 'forbidden', err.message)
              : new HttpProblem(502, 'upstream_unavailable', err.message);
          throw err;
        }
        if (link === undefined)
          throw new HttpProblem(404, 'not_found', `upstream "${upstream}" is not authorized per user`);
        sendJson(res, 200, { url: link });
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
