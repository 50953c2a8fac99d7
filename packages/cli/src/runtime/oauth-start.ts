import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { flowPrincipal, type UserTokenBroker } from '@mcpgate/auth';
import { cookieNames, readCookie, redirect, setCookie, type ConsoleHandle } from '@mcpgate/console';
import type { JsonObject } from '@mcpgate/core';
import { sendOAuthPage } from './oauth-page.js';

/** The path of the link users are handed (`<publicUrl>/oauth/start?flow=…`). */
export const OAUTH_START_PATH = '/oauth/start';

/** A refused browser on the OAuth routes, for the audit trail as `security.auth_failed`. */
export interface FlowRefusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly presented: JsonObject;
  /** Who the refused browser is signed in as, when known. */
  readonly subject?: string;
}

export interface FlowRouteDeps {
  readonly broker: UserTokenBroker;
  /** The console, whose sign-in proves who opens a link (`binding: console`). */
  readonly console: Pick<ConsoleHandle, 'sessionIdentity' | 'signInUrl'> | undefined;
  /** The public origin is https: cookies get `Secure` and the `__Host-` prefix. */
  readonly secure: boolean;
  readonly onRefused: (req: IncomingMessage, refusal: FlowRefusal) => void;
}

/**
 * The flow cookie binds one authorization to the browser that opened its link: named after the
 * flow (so two links opened in one browser do not overwrite each other), HttpOnly, SameSite=Lax
 * (sent on the authorization server's top-level redirect back), `__Host-` under TLS.
 */
export function flowCookieName(flowId: string, secure: boolean): string {
  const id = createHash('sha256').update(flowId).digest('hex').slice(0, 16);
  return `${secure ? '__Host-' : ''}mcpgate-oauth-${id}`;
}

const fingerprint = (flowId: string): string =>
  `sha256:${createHash('sha256').update(flowId).digest('hex').slice(0, 12)}`;

/**
 * `GET /oauth/start?flow=…`: the link a user is handed by URL-mode elicitation, the
 * `authorization_required` error or the console's Connect button. With `binding: console` the
 * browser must be signed in to the console as the very principal who asked (else it is sent to
 * sign in and comes back here; signed in as someone else, it is refused and the refusal recorded).
 * Then it gets the flow cookie and goes on to the upstream's authorization server. Any replica
 * answers: the flow is in the store.
 */
export function oauthStartRoute(deps: FlowRouteDeps) {
  const names = cookieNames(deps.secure);
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    if (url.pathname !== OAUTH_START_PATH) return false;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return true;
    }
    const flowId = url.searchParams.get('flow') ?? '';
    const flow = flowId === '' ? undefined : await deps.broker.pendingFlow(flowId);
    if (!flow) {
      sendOAuthPage(
        res,
        400,
        'Not connected',
        'This authorization link is unknown, was already used or has expired. Call the tool again (or use Connect in the console) for a new link.',
      );
      return true;
    }
    if (deps.broker.binding === 'console') {
      if (!deps.console) {
        sendOAuthPage(
          res,
          503,
          'Not connected',
          'This gateway has no console sign-in to check who opens the link: ask its operator to enable the console (see auth.upstreamTokens.binding).',
        );
        return true;
      }
      const identity = await deps.console.sessionIdentity(req);
      if (!identity) {
        redirect(res, deps.console.signInUrl(`${OAUTH_START_PATH}?flow=${encodeURIComponent(flowId)}`));
        return true;
      }
      if (identity.authMethod === 'saml') {
        // A SAML session cannot prove the OIDC principal the link was made for: not a refusal of
        // someone else, just the wrong kind of sign-in.
        sendOAuthPage(
          res,
          403,
          'Sign in with OpenID Connect',
          'You are signed in to the console through SAML, which cannot prove who asked for this link. Sign out, sign in through OpenID Connect, and open the link again. Nothing was connected.',
        );
        return true;
      }
      if (flowPrincipal(identity) !== flow.principal) {
        deps.onRefused(req, {
          status: 403,
          error: 'oauth_link_other_person',
          description: `an authorization link for upstream "${flow.upstream}" was opened by another person than the one who asked for it`,
          presented: {
            link: 'oauth-start',
            flow: fingerprint(flowId),
            upstream: flow.upstream,
            owner: flow.subject,
          },
          subject: identity.subject,
        });
        sendOAuthPage(
          res,
          403,
          'Not your link',
          `This authorization link was made for another person, and you are signed in as ${identity.name ?? identity.subject}. Nothing was connected. If someone sent you this link, do not follow it and tell your administrator; if it is yours, sign out of the console and sign in as yourself.`,
        );
        return true;
      }
    }
    const cookie = randomBytes(32).toString('base64url');
    await deps.broker.bindBrowser(flowId, cookie);
    const seconds = Math.max(1, Math.floor((flow.expiresAt - Date.now()) / 1000));
    setCookie(res, names, flowCookieName(flowId, deps.secure), cookie, seconds);
    redirect(res, flow.authorizationUrl);
    return true;
  };
}

/** The flow cookie the browser holds for `flowId`, read by the callback. */
export function flowCookieOf(req: IncomingMessage, flowId: string, secure: boolean): string | undefined {
  return readCookie(req, flowCookieName(flowId, secure));
}
