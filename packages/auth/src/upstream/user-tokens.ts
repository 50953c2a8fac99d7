import {
  GatewayError,
  type CallLink,
  type Identity,
  type Logger,
  type SqlQueryable,
  type UpstreamUserAuth,
  type UpstreamUserOAuthSpec,
} from '@mcpgate/core';
import { discoverGatewayAuth, loginScopes, type GatewayAuthInfo } from '../client/discover.js';
import { OAuthError, parseTokenResponse, postForm, refreshTokens, revokeToken } from '../client/oauth.js';
import { createPkce, randomState } from '../client/pkce.js';
import { chooseAuthMethod, type ClientCredentials } from '../client/register.js';
import { discoverAuthorizationServer } from '../discovery.js';
import { errorMessage, type FetchLike } from '../http.js';
import { ConnectionStore, type OAuthConnection, type SealedGrant } from './connections.js';
import { assertCanBind, flowPrincipal, type FlowBinding } from './flow-binding.js';
import { hashOf, PendingFlowStore, randomId, type PendingFlow } from './pending-flows.js';
import { GrantLeases } from './lease.js';
import { backgroundDueAt, dueAt, GrantRefresher, type AheadResult } from './refresher.js';
import type { TokenSealer } from './token-seal.js';
import { registerWebClient, Waiters } from './web-client.js';

/** A call that finds another process refreshing the grant waits this long at most for it. */
const LEASE_WAIT_MS = 15_000;
/** Background refreshes stop for a user idle this long, unless the upstream sets `idleTimeout`. */
const DEFAULT_IDLE_MS = 15 * 60_000;
/** How long a started authorization may take (link opened, signed in, redirected back). */
const PENDING_TTL_MS = 10 * 60_000;
/** A pending link is handed out again while it has at least this long left. */
const REUSE_MIN_MS = 3 * 60_000;
/** A decrypted grant is reused this long before the table is read again (revocations elsewhere). */
const CACHE_MS = 5_000;

/** What happened to a user's connection, for the audit: never a token. */
export interface UserTokenEvent {
  readonly kind: 'connected' | 'refreshed' | 'refresh_failed' | 'revoked';
  readonly upstream: string;
  readonly subject: string;
  readonly issuer?: string;
  readonly clientId?: string;
  readonly scope?: string;
  readonly expiresAt?: string;
  /** The OAuth error code or a short reason, for failures. */
  readonly error?: string;
  /** Who revoked: the subject itself or an admin. */
  readonly by?: string;
}

export interface UserTokenBrokerOptions {
  readonly sql: SqlQueryable;
  readonly sealer: TokenSealer;
  /** The gateway's redirect URI (`<public origin>/oauth/callback`), registered at each server. */
  readonly callbackUrl: string;
  /** The link handed to users (`<public origin>/oauth/start`): the gateway's, never the server's. */
  readonly startUrl: string;
  /** Who may open a link (`auth.upstreamTokens.binding`); default `console`. */
  readonly binding?: FlowBinding;
  readonly logger: Logger;
  readonly fetch?: FetchLike;
  readonly now?: () => number;
  readonly onEvent?: (event: UserTokenEvent) => void;
  /** How long a call waits for the user to finish an authorization it asked for by elicitation. */
  readonly elicitationWaitMs?: number;
}

interface Upstream {
  readonly name: string;
  readonly spec: UpstreamUserOAuthSpec;
  readonly url: string;
  server?: Promise<GatewayAuthInfo>;
  client?: Promise<ClientCredentials>;
  readonly ended: Array<(subject: string) => void>;
}

/** A started authorization as handed out: the gateway link and the id a client may correlate. */
interface Started {
  readonly link: string;
  readonly elicitationId: string;
}

/** How the callback went, for the page the browser shows. */
export type CallbackResult =
  | { readonly ok: true; readonly upstream: string; readonly subject: string }
  | {
      readonly ok: false;
      readonly status: number;
      readonly message: string;
      /** Set when the refusal is a security event (a browser that did not open the link). */
      readonly refused?: { readonly error: string; readonly subject: string; readonly upstream: string };
    };

/** When polling the store for an authorization finished on another replica. */
const FINISHED_POLL_MS = 1_000;

/**
 * The gateway as OAuth client of upstreams on behalf of each user (`oauth.grant:
 * authorization_code`): starts authorization code + PKCE for a user who has no connection yet,
 * finishes it on the gateway's callback, keeps the grants sealed in the database keyed by (subject,
 * upstream), refreshes them before they expire and hands each user's token only to that user's
 * connection to that upstream. Errors and events name the upstream and the OAuth error code, never
 * a token or a secret.
 *
 * Started authorizations are kept in the store (`PendingFlowStore`): the link, the start and the
 * callback may each reach a different replica. The link is the gateway's `/oauth/start`, which
 * checks who opens it (`flow-start.ts` in the CLI) before sending the browser on.
 */
export class UserTokenBroker {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly flows: PendingFlowStore;
  private readonly waiters = new Waiters();
  private readonly cache = new Map<string, { grant: SealedGrant; readAt: number }>();
  private readonly refreshing = new Map<string, Promise<SealedGrant | 'busy'>>();
  private readonly store: ConnectionStore;
  private readonly leases: GrantLeases;
  private readonly refresher: GrantRefresher;
  private readonly fetchImpl: FetchLike;
  private readonly now: () => number;

  constructor(private readonly options: UserTokenBrokerOptions) {
    this.store = new ConnectionStore(options.sql, options.sealer);
    this.fetchImpl = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.flows = new PendingFlowStore(options.sql, options.sealer, this.now);
    this.leases = new GrantLeases(options.sql, options.sealer);
    this.refresher = new GrantRefresher({
      refreshAhead: (upstream, subject) => this.refreshAhead(upstream, subject),
      logger: options.logger,
      now: this.now,
    });
  }

  /** Stops the background refresher (a refresh under way finishes and is audited). */
  close(): Promise<void> {
    return this.refresher.stop();
  }

  /** Names of the upstreams authorized per user through this broker. */
  upstreamNames(): string[] {
    return [...this.upstreams.keys()];
  }

  /** Who may open a link. */
  get binding(): FlowBinding {
    return this.options.binding ?? 'console';
  }

  /**
   * A link for `identity` to connect `upstream` now (the console's Connect button): the same link
   * a tool call would hand out. Undefined for an upstream not authorized per user.
   */
  async connectLink(identity: Identity, upstream: string): Promise<string | undefined> {
    const up = this.upstreams.get(upstream);
    if (!up) return undefined;
    assertCanBind(identity, this.binding, up.name);
    return (await this.start(up, identity)).link;
  }

  /** A pending authorization by its link's flow id (for `/oauth/start`), or undefined. */
  pendingFlow(flowId: string): Promise<PendingFlow | undefined> {
    return this.flows.byFlow(flowId);
  }

  /** Remembers which browser opened the link: only it may complete the callback. */
  bindBrowser(flowId: string, cookie: string): Promise<void> {
    return this.flows.bindBrowser(flowId, cookie);
  }

  /** The per-user authorization of one upstream, for the pool (`UpstreamSpec.userAuth`). */
  forUpstream(name: string, url: string, spec: UpstreamUserOAuthSpec): UpstreamUserAuth {
    const up: Upstream = { name, spec, url, ended: [] };
    this.upstreams.set(name, up);
    return {
      ensure: (identity, link) => this.ensure(up, identity, link),
      headers: async (subject, opts) => ({
        authorization: `Bearer ${(await this.grant(up, subject, opts?.renew === true)).accessToken}`,
      }),
      onEnded: (listener) => up.ended.push(listener),
      released: (subject) => this.refresher.forget(name, subject),
    };
  }

  /** Connections, without tokens: all, one subject's, or one upstream's. */
  list(filter: { subject?: string; upstream?: string } = {}): Promise<OAuthConnection[]> {
    return this.store.list(filter);
  }

  /**
   * Forgets a connection, revokes its refresh token at the server where it offers revocation (best
   * effort), closes the user's upstream connection, and records `oauth.revoked`. False when there
   * was none.
   */
  async revoke(subject: string, upstream: string, by: string): Promise<boolean> {
    const { removed, grant } = await this.store.remove(subject, upstream);
    this.cache.delete(key(subject, upstream));
    this.refresher.forget(upstream, subject);
    if (!removed) return false;
    if (grant?.revocationEndpoint !== undefined) {
      const token = grant.refreshToken ?? grant.accessToken;
      await revokeToken(this.fetchImpl, grant.revocationEndpoint, {
        client: grant.client,
        token,
        hint: grant.refreshToken !== undefined ? 'refresh_token' : 'access_token',
      }).catch((err: unknown) =>
        this.options.logger.warn(
          { upstream, subject, err: reason(err) },
          'revoking the token at the authorization server failed; it is forgotten here',
        ),
      );
    }
    this.emit({ kind: 'revoked', upstream, subject, by, ...(grant && { clientId: grant.client.clientId }) });
    this.ended(upstream, subject);
    return true;
  }

  /**
   * The gateway's redirect endpoint: `state` names a pending authorization (single use, expiring);
   * the code is exchanged with its PKCE verifier and the grant stored for that user.
   */
  async callback(
    query: URLSearchParams,
    cookieOf: (flowId: string) => string | undefined,
  ): Promise<CallbackResult> {
    const state = query.get('state') ?? '';
    // Taken at once (single use on every replica), whatever the outcome below.
    const p = await this.flows.take(state);
    const up = p && this.upstreams.get(p.upstream);
    if (!p || !up) {
      return {
        ok: false,
        status: 400,
        message: 'This authorization link is unknown or has expired. Call the tool again for a new link.',
      };
    }
    // The browser coming back must be the one that opened the link on /oauth/start (its flow
    // cookie): a redirect replayed in, or planted into, another browser connects nothing.
    const cookie = cookieOf(p.flowId);
    if (p.browserHash === undefined || cookie === undefined || hashOf(cookie) !== p.browserHash) {
      this.options.logger.warn(
        { upstream: p.upstream, subject: p.subject },
        'refused an authorization callback from a browser that did not open its link',
      );
      return {
        ok: false,
        status: 400,
        message:
          'This authorization was not started in this browser (open the link you were given, in one browser, from start to end). Nothing was connected; call the tool again for a new link.',
        refused: { error: 'oauth_callback_foreign_browser', subject: p.subject, upstream: p.upstream },
      };
    }
    const error = query.get('error');
    if (error !== null) {
      this.emit({ kind: 'refresh_failed', upstream: up.name, subject: p.subject, error });
      return {
        ok: false,
        status: 400,
        message: `The authorization server did not authorize "${up.name}" (${error}). Call the tool again to retry.`,
      };
    }
    try {
      const info = await this.server(up);
      const iss = query.get('iss');
      // RFC 9207: an `iss` that is not the server we sent the user to is a mix-up attack.
      if (iss !== null && iss !== info.issuer) {
        throw new GatewayError(
          'invalid_request',
          `the redirect names issuer ${iss}, expected ${info.issuer}`,
        );
      }
      const code = query.get('code');
      if (!code) throw new GatewayError('invalid_request', 'the redirect carries no code');
      const client = p.client;
      const body = await postForm(
        this.fetchImpl,
        tokenEndpoint(info),
        {
          grant_type: 'authorization_code',
          code,
          redirect_uri: this.options.callbackUrl,
          code_verifier: p.verifier,
          resource: info.resource,
        },
        client,
      );
      const set = parseTokenResponse(body, this.now());
      const grant: SealedGrant = {
        accessToken: set.accessToken,
        obtainedAt: this.now(),
        ...(set.refreshToken !== undefined && { refreshToken: set.refreshToken }),
        ...(set.expiresAt !== undefined && { expiresAt: set.expiresAt }),
        ...(set.scope !== undefined && { scope: set.scope }),
        client,
        tokenEndpoint: tokenEndpoint(info),
        ...(typeof info.server.revocation_endpoint === 'string' && {
          revocationEndpoint: info.server.revocation_endpoint,
        }),
        resource: info.resource,
      };
      await this.store.put(p.subject, up.name, grant, { issuer: info.issuer, refreshed: false });
      this.cache.set(key(p.subject, up.name), { grant, readAt: this.now() });
      this.emit({
        kind: 'connected',
        upstream: up.name,
        subject: p.subject,
        issuer: info.issuer,
        clientId: client.clientId,
        ...describe(grant),
      });
      this.waiters.wake(key(p.subject, up.name));
      return { ok: true, upstream: up.name, subject: p.subject };
    } catch (err) {
      const why = reason(err);
      this.emit({ kind: 'refresh_failed', upstream: up.name, subject: p.subject, error: why });
      this.options.logger.warn({ upstream: up.name, subject: p.subject, err: why }, 'authorization failed');
      return {
        ok: false,
        status: 502,
        message: `Connecting "${up.name}" failed (${why}). Call the tool again to retry.`,
      };
    }
  }

  private async ensure(up: Upstream, identity: Identity, link: CallLink | undefined): Promise<void> {
    const subject = identity.subject;
    if (this.cache.has(key(subject, up.name)) || (await this.store.exists(subject, up.name))) return;
    assertCanBind(identity, this.binding, up.name);
    const p = await this.start(up, identity);
    const message = `The gateway needs your authorization to use "${up.name}" on your behalf: open the link, sign in, and the call goes on.`;
    const caps = link?.clientCapabilities?.elicitation as Record<string, unknown> | undefined;
    if (link && caps && typeof caps.url === 'object' && caps.url !== null) {
      const done = this.waiters.wait(key(subject, up.name));
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), this.options.elicitationWaitMs ?? PENDING_TTL_MS);
      try {
        const answer = await link.ask(
          'elicitation/create',
          { mode: 'url', message, url: p.link, elicitationId: p.elicitationId },
          ac.signal,
        );
        if (answer.action === 'accept') {
          await Promise.race([
            done.promise,
            // The browser may come back to another replica: its connection shows up in the store.
            this.finishedElsewhere(subject, up.name, ac.signal),
            new Promise<void>((_, reject) =>
              ac.signal.addEventListener('abort', () => reject(new Error('timed out')), { once: true }),
            ),
          ]);
          return;
        }
      } catch {
        // The client could not show it, or the user did not finish in time: the error below says how.
      } finally {
        clearTimeout(timer);
        done.cancel();
        // Ends the store polling of `finishedElsewhere` too.
        ac.abort();
      }
    }
    throw new GatewayError(
      'authorization_required',
      `upstream "${up.name}" needs your authorization: open ${p.link} in a browser, sign in, then call again`,
      {
        data: {
          upstream: up.name,
          authorizationUrl: p.link,
          // The MCP URLElicitationRequiredError shape (-32042), for clients that present it.
          elicitations: [{ mode: 'url', elicitationId: p.elicitationId, url: p.link, message }],
        },
      },
    );
  }

  /** A pending authorization for `identity` (in the store): the gateway link to send them to. */
  private async start(up: Upstream, identity: Identity): Promise<Started> {
    const subject = identity.subject;
    const principal = flowPrincipal(identity);
    const started = (flowId: string): Started => {
      const link = new URL(this.options.startUrl);
      link.searchParams.set('flow', flowId);
      return { link: link.href, elicitationId: hashOf(flowId).slice(0, 32) };
    };
    // A user who calls again before finishing gets the same link (not one more pending row each
    // time), as long as it has a few minutes left.
    const again = await this.flows.reusable(subject, principal, up.name, REUSE_MIN_MS);
    if (again !== undefined) return started(again);
    let info: GatewayAuthInfo;
    let client: ClientCredentials;
    try {
      info = await this.server(up);
      client = await this.client(up);
    } catch (err) {
      throw new GatewayError(
        'upstream_unavailable',
        `cannot start the authorization for upstream "${up.name}": ${reason(err)}`,
        { cause: err, data: { upstream: up.name } },
      );
    }
    const endpoint = info.server.authorization_endpoint;
    if (typeof endpoint !== 'string') {
      throw new GatewayError('upstream_unavailable', `${info.issuer} names no authorization endpoint`, {
        data: { upstream: up.name },
      });
    }
    const pkce = createPkce();
    const state = randomState();
    const url = new URL(endpoint);
    const scopes = up.spec.scopes.length > 0 ? loginScopes(info, up.spec.scopes) : loginScopes(info);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: this.options.callbackUrl,
      state,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
      resource: info.resource,
      ...(scopes.length > 0 && { scope: scopes.join(' ') }),
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const flowId = randomId();
    await this.flows.create(
      state,
      { subject, principal, upstream: up.name },
      { flowId, authorizationUrl: url.href, verifier: pkce.verifier, client },
      PENDING_TTL_MS,
    );
    return started(flowId);
  }

  /** Resolves once `subject`'s connection to `upstream` is in the store (finished on any replica). */
  private async finishedElsewhere(subject: string, upstream: string, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, FINISHED_POLL_MS));
      if (await this.store.exists(subject, upstream).catch(() => false)) return;
    }
    await new Promise<never>(() => undefined);
  }

  /** The user's grant, refreshed first when due (one refresh at a time per user and upstream). */
  private async grant(up: Upstream, subject: string, renew: boolean): Promise<SealedGrant> {
    const k = key(subject, up.name);
    let cached = this.cache.get(k);
    if (!cached || this.now() - cached.readAt > CACHE_MS) {
      const grant = await this.store.get(subject, up.name);
      if (!grant) {
        this.cache.delete(k);
        // Revoked elsewhere (another replica, an admin): this process's connection closes too.
        this.refresher.forget(up.name, subject);
        this.ended(up.name, subject);
        throw new GatewayError(
          'authorization_required',
          `upstream "${up.name}" is no longer authorized for you; call again to authorize it`,
          { data: { upstream: up.name } },
        );
      }
      cached = { grant, readAt: this.now() };
      this.cache.set(k, cached);
    }
    const g = cached.grant;
    this.refresher.touch(up.name, subject, g, up.spec.idleTimeoutMs ?? DEFAULT_IDLE_MS);
    if (!renew && !due(g, this.now())) return g;
    // A renewal (the upstream refused the token) is needed while the row still holds that token.
    const needed = (cur: SealedGrant): boolean =>
      due(cur, this.now()) || (renew && cur.accessToken === g.accessToken);
    const deadline = this.now() + LEASE_WAIT_MS;
    for (let attempt = 0; ; attempt += 1) {
      const result = await this.refreshOnce(up, subject, needed);
      // A background attempt this call joined may have judged by its own rule: look once more.
      if (result !== 'busy' && (attempt > 0 || !needed(result))) return result;
      // Another process is refreshing this grant: its result is read once it gives the lease back.
      if (this.now() > deadline) {
        throw new GatewayError(
          'upstream_unavailable',
          `the access token for upstream "${up.name}" is being refreshed by another gateway process that did not finish`,
          { data: { upstream: up.name } },
        );
      }
      if (result === 'busy') await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** A background refresh (`GrantRefresher`): the grant if due by the background rule, or why not. */
  private async refreshAhead(upstream: string, subject: string): Promise<AheadResult> {
    const up = this.upstreams.get(upstream);
    if (!up) return 'gone';
    try {
      return await this.refreshOnce(up, subject, (cur) => this.now() >= backgroundDueAt(cur));
    } catch (err) {
      if (err instanceof GatewayError && err.code === 'authorization_required') return 'gone';
      throw err;
    }
  }

  /**
   * One refresh at a time per user and upstream in this process (callers share it) and across
   * processes (the lease): takes the lease, and refreshes the grant as stored then if `needed` says
   * so — another replica may have refreshed it a moment ago. `busy` while another process holds it.
   */
  private async refreshOnce(
    up: Upstream,
    subject: string,
    needed: (g: SealedGrant) => boolean,
  ): Promise<SealedGrant | 'busy'> {
    const k = key(subject, up.name);
    const shared = this.refreshing.get(k);
    if (shared) return shared;
    const inflight = (async (): Promise<SealedGrant | 'busy'> => {
      const claim = await this.leases.claim(subject, up.name);
      if (claim === 'busy') return 'busy';
      if (claim === 'gone') {
        this.cache.delete(k);
        this.refresher.forget(up.name, subject);
        this.ended(up.name, subject);
        throw new GatewayError(
          'authorization_required',
          `upstream "${up.name}" is no longer authorized for you; call again to authorize it`,
          { data: { upstream: up.name } },
        );
      }
      if (!needed(claim.grant)) {
        await this.leases.release(subject, up.name);
        this.cache.set(k, { grant: claim.grant, readAt: this.now() });
        return claim.grant;
      }
      return this.refresh(up, subject, claim.grant);
    })().finally(() => this.refreshing.delete(k));
    this.refreshing.set(k, inflight);
    return inflight;
  }

  /** Presents the refresh token; called holding the lease, which `leases.store` gives back. */
  private async refresh(up: Upstream, subject: string, g: SealedGrant): Promise<SealedGrant> {
    if (g.refreshToken === undefined) {
      await this.drop(up, subject, 'no refresh token');
      throw this.expired(up);
    }
    let next: SealedGrant;
    try {
      const set = await refreshTokens(
        this.fetchImpl,
        g.tokenEndpoint,
        { client: g.client, refreshToken: g.refreshToken, resource: g.resource },
        this.now,
      );
      const { expiresAt: _old, ...rest } = g;
      next = {
        ...rest,
        accessToken: set.accessToken,
        // A server that does not rotate refresh tokens keeps the old one valid.
        refreshToken: set.refreshToken ?? g.refreshToken,
        obtainedAt: this.now(),
        ...(set.expiresAt !== undefined && { expiresAt: set.expiresAt }),
        ...(set.scope !== undefined && { scope: set.scope }),
      };
    } catch (err) {
      const why = reason(err);
      if (err instanceof OAuthError) {
        // The server refused the refresh token (expired, revoked): the user must authorize again.
        await this.drop(up, subject, why);
        throw this.expired(up);
      }
      await this.leases.release(subject, up.name).catch(() => undefined);
      this.emit({
        kind: 'refresh_failed',
        upstream: up.name,
        subject,
        clientId: g.client.clientId,
        error: why,
      });
      throw new GatewayError(
        'upstream_unavailable',
        `cannot refresh the access token for upstream "${up.name}": ${why}`,
        { data: { upstream: up.name } },
      );
    }
    if (!(await this.leases.store(subject, up.name, next))) {
      // Revoked (or authorized anew) while this refresh was under way: that decision stands.
      this.cache.delete(key(subject, up.name));
      throw new GatewayError(
        'authorization_required',
        `upstream "${up.name}" is no longer authorized for you; call again to authorize it`,
        { data: { upstream: up.name } },
      );
    }
    this.cache.set(key(subject, up.name), { grant: next, readAt: this.now() });
    this.emit({
      kind: 'refreshed',
      upstream: up.name,
      subject,
      clientId: g.client.clientId,
      ...describe(next),
    });
    return next;
  }

  private async drop(up: Upstream, subject: string, why: string): Promise<void> {
    await this.store.remove(subject, up.name).catch(() => undefined);
    this.cache.delete(key(subject, up.name));
    this.refresher.forget(up.name, subject);
    this.emit({ kind: 'refresh_failed', upstream: up.name, subject, error: why });
    this.ended(up.name, subject);
  }

  private expired(up: Upstream): GatewayError {
    return new GatewayError(
      'authorization_required',
      `your authorization of upstream "${up.name}" has expired; call again to authorize it`,
      { data: { upstream: up.name } },
    );
  }

  private server(up: Upstream): Promise<GatewayAuthInfo> {
    up.server ??= (async (): Promise<GatewayAuthInfo> => {
      if (up.spec.issuer !== undefined) {
        const server = await discoverAuthorizationServer(up.spec.issuer, this.fetchImpl);
        return { resource: up.spec.resource, issuer: up.spec.issuer, server };
      }
      const info = await discoverGatewayAuth(up.url, this.fetchImpl);
      // A resource the operator named wins over the metadata's (both must be the upstream's).
      return { ...info, resource: up.spec.resource === up.url ? info.resource : up.spec.resource };
    })();
    up.server.catch(() => (up.server = undefined));
    return up.server;
  }

  private client(up: Upstream): Promise<ClientCredentials> {
    up.client ??= (async (): Promise<ClientCredentials> => {
      const info = await this.server(up);
      if (up.spec.clientId !== undefined) {
        const secret = up.spec.clientSecret;
        return {
          clientId: up.spec.clientId,
          ...(secret !== undefined && { clientSecret: secret }),
          authMethod: secret === undefined ? 'none' : chooseAuthMethod(info.server, true),
        };
      }
      return registerWebClient(info, this.options.callbackUrl, this.fetchImpl);
    })();
    up.client.catch(() => (up.client = undefined));
    return up.client;
  }

  private ended(upstream: string, subject: string): void {
    for (const listener of this.upstreams.get(upstream)?.ended ?? []) listener(subject);
  }

  private emit(event: UserTokenEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (err) {
      this.options.logger.error({ err: errorMessage(err) }, 'oauth event listener threw');
    }
  }
}

function key(subject: string, upstream: string): string {
  return `${upstream}\0${subject}`;
}

function tokenEndpoint(info: GatewayAuthInfo): string {
  const t = info.server.token_endpoint;
  if (typeof t !== 'string')
    throw new GatewayError('upstream_unavailable', `${info.issuer} names no token endpoint`);
  return t;
}

/** Due for a refresh: less than a minute — or half its lifetime, for short-lived tokens — left. */
function due(g: SealedGrant, now: number): boolean {
  return now >= dueAt(g);
}

function describe(g: SealedGrant): { expiresAt?: string; scope?: string } {
  return {
    ...(g.expiresAt !== undefined && { expiresAt: new Date(g.expiresAt).toISOString() }),
    ...(g.scope !== undefined && { scope: g.scope }),
  };
}

function reason(err: unknown): string {
  return err instanceof OAuthError ? err.oauthError : errorMessage(err);
}
