import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity, JsonObject, Logger, SqlClient } from '@mcpgate/core';
import type { AdminHandler } from '@mcpgate/admin-http';
import { sendJson } from '@mcpgate/admin-http';
import type { ClaimsMapping } from '@mcpgate/auth';
import { Assets, SECURITY_HEADERS } from './assets.js';
import { consolePageForApiLink } from './browser-links.js';
import {
  cookieNames,
  readCookie,
  readForm,
  redirect,
  safeReturnTo,
  sameSecret,
  sendProblem,
  setCookie,
  type CookieNames,
} from './http-util.js';
import { LiveChannel } from './live.js';
import { chooserPage, failPage } from './login-page.js';
import { OidcLogin } from './oidc-login.js';
import { SamlLogin, SamlRefusal, type SamlLoginSettings } from './saml-login.js';
import { SamlStore } from './saml-store.js';
import { rolesOf, type RoleGroups } from './roles.js';
import { ConsoleSessionStore, randomToken, sha256, type ConsoleSession } from './session-store.js';

export interface ConsoleOptions {
  readonly sql: SqlClient;
  readonly logger: Logger;
  /** Public origin browsers use (`https://mcp.example.com`). */
  readonly publicUrl: string;
  /** OIDC sign-in (`mcpgate serve`). */
  readonly oidc?: {
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly scopes: readonly string[];
    readonly claims: ClaimsMapping;
  };
  /** SAML 2.0 sign-in (`console.saml`); offered next to OIDC when both are set. */
  readonly saml?: Omit<SamlLoginSettings, 'acsUrl'> & { readonly label?: string };
  /**
   * A refused browser sign-in (OIDC callback, SAML response), for the audit trail as
   * `security.auth_failed`. `presented` says what was presented, never the value itself.
   */
  readonly onSignInRefused?: (req: IncomingMessage, refusal: SignInRefusal) => void;
  /**
   * Sign-in with a one-time link instead (`mcpgate stdio` with `console.listen`): whoever opens
   * `/console/auth/token?token=…` first becomes `identity` — the OS user who started the gateway.
   */
  readonly tokenLogin?: { readonly identity: Identity };
  readonly roles: RoleGroups;
  readonly session: { readonly idleTimeout: number; readonly absoluteTimeout: number };
  /** The `/admin/…` APIs the console calls on the signed-in user's behalf (the same ones bearer callers use). */
  readonly adminHandlers: readonly AdminHandler[];
  /** NOTIFY channel announcing approval changes (`mcpgate_approvals`), for the live inbox. */
  readonly approvalsChannel: string;
  readonly keepAliveMs?: number;
  /** The built front end; defaults to the package's own `dist/web`. */
  readonly assets?: Assets;
}

export interface SignInRefusal {
  readonly status: number;
  readonly error: string;
  readonly description: string;
  readonly presented: JsonObject;
  /** Who the refused sign-in names, when a verified signature proves it. */
  readonly subject?: string;
}

export interface ConsoleHandle {
  /** With `tokenLogin`: the one-time sign-in URL (print it once); undefined otherwise. */
  readonly oneTimeUrl?: string;
  /**
   * Answers `/console/…` and the `/admin/…` requests a signed-in browser makes (session cookie,
   * no bearer credential); returns false for everything else (the HTTP face handles it).
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /**
   * Who this browser is signed in to the console as (its session cookie), or undefined: the
   * gateway's `/oauth/start` lets only the person who asked open their authorization link.
   */
  sessionIdentity(req: IncomingMessage): Promise<Identity | undefined>;
  /** Where to send a browser to sign in and come back to `returnTo` (a console or `/oauth/start` path). */
  signInUrl(returnTo: string): string;
  close(): Promise<void>;
}

const LOGIN_COOKIE_SECONDS = 600;
/** A SAML response with many attributes is tens of KB; nothing legitimate comes near this. */
const SAML_FORM_LIMIT = 512 * 1024;

/** The web console's server side: static front end, OIDC sign-in, sessions, CSRF, and the admin API bridge. */
export function createConsole(opts: ConsoleOptions): ConsoleHandle {
  const log = opts.logger.child({ component: 'console' });
  const assets = opts.assets ?? new Assets();
  const origin = new URL(opts.publicUrl).origin;
  const names: CookieNames = cookieNames(origin.startsWith('https:'));
  const sessions = new ConsoleSessionStore(opts.sql, opts.session.idleTimeout, opts.session.absoluteTimeout);
  const login = opts.oidc && new OidcLogin({ ...opts.oidc, redirectUri: `${origin}/console/auth/callback` });
  const saml =
    opts.saml &&
    new SamlLogin({ ...opts.saml, acsUrl: `${origin}/console/auth/saml/acs` }, new SamlStore(opts.sql));
  // The one-time token is kept only as its hash; it is spent by the first use.
  let oneTimeHash: string | undefined;
  let oneTimeUrl: string | undefined;
  if (opts.tokenLogin) {
    const token = randomToken();
    oneTimeHash = sha256(token);
    oneTimeUrl = `${origin}/console/auth/token?token=${token}`;
  }
  const live = new LiveChannel(opts.sql, opts.approvalsChannel, 'approvals', opts.keepAliveMs ?? 15_000);

  async function sessionOf(
    req: IncomingMessage,
  ): Promise<{ cookie: string; session: ConsoleSession } | undefined> {
    const cookie = readCookie(req, names.session);
    if (cookie === undefined) return undefined;
    const session = await sessions.get(cookie);
    return session && { cookie, session };
  }

  /**
   * Every state-changing request needs the session's CSRF token in `X-CSRF-Token` (a cross-site
   * page cannot read it) and, when the browser says where it comes from, our own Origin.
   */
  function csrfOk(req: IncomingMessage, session: ConsoleSession): boolean {
    const o = req.headers.origin;
    if (o !== undefined && o !== origin) return false;
    const token = req.headers['x-csrf-token'];
    return sameSecret(typeof token === 'string' ? token : undefined, session.csrfToken);
  }

  const safeMethod = (req: IncomingMessage) => req.method === 'GET' || req.method === 'HEAD';

  /** `/console/auth/login`: straight to the one configured IdP, or a choice when there are two. */
  async function signInPage(res: ServerResponse, url: URL): Promise<void> {
    const returnTo = encodeURIComponent(safeReturnTo(url.searchParams.get('returnTo')));
    if (login && saml)
      return chooserPage(res, [
        {
          label: `Sign in with ${new URL(opts.oidc.issuer).host} (OpenID Connect)`,
          href: `/console/auth/oidc/login?returnTo=${returnTo}`,
        },
        {
          label: `Sign in with ${opts.saml.label ?? 'SAML single sign-on'}`,
          href: `/console/auth/saml/login?returnTo=${returnTo}`,
        },
      ]);
    if (saml) return startSaml(res, url);
    return startLogin(res, url);
  }

  async function startSaml(res: ServerResponse, url: URL): Promise<void> {
    if (!saml) return failPage(res, 404, 'This console does not sign in through SAML.');
    const start = await saml.start(safeReturnTo(url.searchParams.get('returnTo')));
    setCookie(res, names, names.saml, start.browser, LOGIN_COOKIE_SECONDS);
    redirect(res, start.url);
  }

  function refused(req: IncomingMessage, res: ServerResponse, r: SignInRefusal, message: string): void {
    // The security-event hook logs (aggregated) itself; without one, the log is all there is.
    if (opts.onSignInRefused) opts.onSignInRefused(req, r);
    else log.warn({ error: r.error, reason: r.description }, 'console sign-in refused');
    failPage(res, r.status, message);
  }

  /**
   * The IdP's HTTP-POST to the assertion consumer service. It is a cross-site POST, so it carries
   * no SameSite=Lax cookie: the answer is checked and stored here, and the sign-in completes on the
   * same-site GET this redirects to, where the browser's sign-in cookie is present again.
   */
  async function samlAcs(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!saml) return failPage(res, 404, 'This console does not sign in through SAML.');
    const form = await readForm(req, SAML_FORM_LIMIT);
    const response = form?.get('SAMLResponse') ?? undefined;
    const presented: JsonObject = {
      signIn: 'saml',
      ...(response && { fingerprint: `sha256:${sha256(response).slice(0, 12)}` }),
    };
    try {
      const { completion, subject } = await saml.answer(response);
      log.info({ subject }, 'console SAML assertion accepted');
      redirect(res, `/console/auth/saml/complete?c=${encodeURIComponent(completion)}`);
    } catch (err) {
      if (!(err instanceof SamlRefusal)) throw err;
      refused(
        req,
        res,
        {
          status: err.error === 'saml_no_response' ? 400 : 401,
          error: err.error,
          description: err.description,
          presented,
          ...(err.subject !== undefined && { subject: err.subject }),
        },
        err.message,
      );
    }
  }

  async function samlComplete(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!saml) return failPage(res, 404, 'This console does not sign in through SAML.');
    let done: { identity: Identity; returnTo: string };
    try {
      done = await saml.complete(url.searchParams.get('c') ?? '', readCookie(req, names.saml));
    } catch (err) {
      if (!(err instanceof SamlRefusal)) throw err;
      return refused(
        req,
        res,
        {
          status: 401,
          error: err.error,
          description: err.description,
          presented: { signIn: 'saml' },
          ...(err.subject !== undefined && { subject: err.subject }),
        },
        err.message,
      );
    }
    const created = await sessions.create(done.identity);
    log.info({ subject: done.identity.subject }, 'console sign-in (SAML)');
    setCookie(res, names, names.saml, '', 0);
    setCookie(res, names, names.session, created.cookie, Math.floor(opts.session.absoluteTimeout / 1000));
    redirect(res, done.returnTo);
  }

  async function startLogin(res: ServerResponse, url: URL): Promise<void> {
    if (!login)
      return failPage(
        res,
        401,
        'Sign in with the one-time link mcpgate printed when it started (it works once; restart mcpgate for a new one).',
        false,
      );
    const start = await login.start();
    await sessions.saveLogin(start.state, {
      codeVerifier: start.codeVerifier,
      nonce: start.nonce,
      returnTo: safeReturnTo(url.searchParams.get('returnTo')),
    });
    setCookie(res, names, names.login, start.state, LOGIN_COOKIE_SECONDS);
    redirect(res, start.url);
  }

  async function finishLogin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const state = url.searchParams.get('state') ?? '';
    // The state must also be in this browser's cookie: a callback URL planted by someone else
    // (login CSRF) does not sign this browser into the planter's account.
    if (!sameSecret(readCookie(req, names.login), state))
      return failPage(res, 400, 'This sign-in was not started in this browser, or it took too long.');
    if (!login) return failPage(res, 404, 'This console does not sign in through an identity provider.');
    const pending = await sessions.takeLogin(state);
    if (!pending) return failPage(res, 400, 'This sign-in link was already used or has expired.');
    const error = url.searchParams.get('error');
    if (error)
      return refused(
        req,
        res,
        {
          status: 401,
          error: 'oidc_error',
          description: `the IdP answered error=${error}`,
          presented: { signIn: 'oidc' },
        },
        `The identity provider refused the sign-in: ${error}.`,
      );
    let identity: Identity;
    try {
      const callback = new URL(`${origin}${url.pathname}${url.search}`);
      identity = await login.finish(callback, {
        state,
        codeVerifier: pending.codeVerifier,
        nonce: pending.nonce,
      });
    } catch (err) {
      return refused(
        req,
        res,
        {
          status: 401,
          error: 'oidc_callback_refused',
          description: err instanceof Error ? err.message : String(err),
          presented: { signIn: 'oidc' },
        },
        'The sign-in could not be completed. Try again.',
      );
    }
    const created = await sessions.create(identity);
    log.info({ subject: identity.subject }, 'console sign-in');
    setCookie(res, names, names.login, '', 0);
    setCookie(res, names, names.session, created.cookie, Math.floor(opts.session.absoluteTimeout / 1000));
    redirect(res, pending.returnTo);
  }

  async function tokenSignIn(res: ServerResponse, url: URL): Promise<void> {
    const token = url.searchParams.get('token') ?? '';
    if (!opts.tokenLogin || oneTimeHash === undefined || !sameSecret(sha256(token), oneTimeHash)) {
      log.warn({}, 'refused a console sign-in with an unknown or already used one-time token');
      return failPage(res, 401, 'This sign-in link is not valid or was already used.', false);
    }
    oneTimeHash = undefined;
    const created = await sessions.create(opts.tokenLogin.identity);
    log.info({ subject: opts.tokenLogin.identity.subject }, 'console sign-in with the one-time link');
    setCookie(res, names, names.session, created.cookie, Math.floor(opts.session.absoluteTimeout / 1000));
    redirect(res, '/console/approvals');
  }

  async function handleConsole(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    if (path === '/console') return redirect(res, '/console/');
    if (path.startsWith('/console/assets/')) {
      if (!safeMethod(req)) return sendProblem(res, 405, 'method_not_allowed', `${req.method} not allowed`);
      if (!assets.send(req, res, path.slice('/console/assets/'.length)))
        sendProblem(res, 404, 'not_found', `no such asset: ${path}`);
      return;
    }
    if (path === '/console/auth/login' && safeMethod(req)) return signInPage(res, url);
    if (path === '/console/auth/oidc/login' && safeMethod(req)) return startLogin(res, url);
    if (path === '/console/auth/saml/login' && safeMethod(req)) return startSaml(res, url);
    if (path === '/console/auth/saml/acs') {
      if (req.method !== 'POST') return sendProblem(res, 405, 'method_not_allowed', 'the IdP POSTs here');
      return samlAcs(req, res);
    }
    if (path === '/console/auth/saml/complete' && safeMethod(req)) return samlComplete(req, res, url);
    if (path === '/console/auth/saml/metadata' && safeMethod(req)) {
      if (!saml) return sendProblem(res, 404, 'not_found', 'this console does not sign in through SAML');
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml', 'cache-control': 'no-cache' });
      res.end(saml.metadata());
      return;
    }
    if (path === '/console/auth/callback' && safeMethod(req)) return finishLogin(req, res, url);
    if (path === '/console/auth/token' && safeMethod(req)) return tokenSignIn(res, url);
    if (path === '/console/auth/logout') {
      if (req.method !== 'POST') return sendProblem(res, 405, 'method_not_allowed', 'sign out is POST');
      const s = await sessionOf(req);
      if (s) {
        if (!csrfOk(req, s.session)) return sendProblem(res, 403, 'csrf', 'missing or wrong CSRF token');
        await sessions.end(s.cookie);
        log.info({ subject: s.session.identity.subject }, 'console sign-out');
      }
      setCookie(res, names, names.session, '', 0);
      res.writeHead(204, { 'cache-control': 'no-store' });
      res.end();
      return;
    }
    if (!safeMethod(req)) return sendProblem(res, 405, 'method_not_allowed', `${req.method} not allowed`);
    // Every other /console/… path is a page of the single-page app.
    assets.send(req, res, 'index.html');
  }

  async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const hasBearer = req.headers.authorization !== undefined || req.headers['x-api-key'] !== undefined;
    const me = url.pathname === '/admin/console/me';
    // Scripts with a bearer token or API key go through the face's authentication, as before.
    if (hasBearer && !me) return false;
    if (!me && readCookie(req, names.session) === undefined) return false;
    const s = await sessionOf(req);
    if (!s) {
      sendProblem(res, 401, 'unauthenticated', 'not signed in to the console (or the session ended)');
      return true;
    }
    const { identity, csrfToken, expiresAt } = s.session;
    if (!safeMethod(req) && !csrfOk(req, s.session)) {
      log.warn(
        { subject: identity.subject, path: url.pathname },
        'refused a console request without a valid CSRF token',
      );
      sendProblem(res, 403, 'csrf', 'missing or wrong CSRF token (X-CSRF-Token) or foreign Origin');
      return true;
    }
    if (me) {
      if (!safeMethod(req)) {
        sendProblem(res, 405, 'method_not_allowed', 'use GET');
        return true;
      }
      sendJson(res, 200, {
        subject: identity.subject,
        name: identity.name ?? null,
        email: identity.email ?? null,
        groups: identity.groups,
        roles: rolesOf(identity, opts.roles),
        csrfToken,
        expiresAt: expiresAt.toISOString(),
      });
      return true;
    }
    if (url.pathname === '/admin/approvals/events' && safeMethod(req)) {
      await live.open(res, SECURITY_HEADERS);
      return true;
    }
    // Decisions made here are recorded with the web channel.
    req.headers['x-mcpgate-client'] = 'web';
    for (const h of opts.adminHandlers) if (await h(req, res, identity)) return true;
    sendProblem(res, 404, 'not_found', `no such endpoint: ${req.method} ${url.pathname}`);
    return true;
  }

  return {
    ...(oneTimeUrl !== undefined && { oneTimeUrl }),
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://gateway.invalid');
      const path = url.pathname;
      if (path === '/console' || path.startsWith('/console/')) {
        await handleConsole(req, res, url);
        return true;
      }
      const page = consolePageForApiLink(req, path);
      if (page !== undefined) {
        redirect(res, page);
        return true;
      }
      if (path.startsWith('/admin/')) return handleAdmin(req, res, url);
      return false;
    },
    sessionIdentity: async (req) => (await sessionOf(req))?.session.identity,
    signInUrl: (returnTo) => `/console/auth/login?returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`,
    close: () => live.close(),
  };
}
