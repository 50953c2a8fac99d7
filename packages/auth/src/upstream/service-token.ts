import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { GatewayError, type UpstreamServiceOAuthSpec as UpstreamOAuthSpec } from '@mcpgate/core';
import { discoverAuthorizationServer } from '../discovery.js';
import { errorMessage, type FetchLike } from '../http.js';
import { OAuthError, parseTokenResponse, postForm } from '../client/oauth.js';

/** A token is replaced this long before it expires, so none expires in flight. */
const EARLY_REFRESH_MS = 60_000;
/** A token without `expires_in` is reused for this long at most. */
const UNKNOWN_LIFETIME_MS = 5 * 60_000;
/**
 * The token is replaced in the background, before a call would have to wait for it, while the
 * upstream was used within this long; an upstream nobody calls gets its next token on demand.
 */
const BACKGROUND_WHILE_USED_MS = 15 * 60_000;

/** What happened to a service token, for the audit: never the token or a secret. */
export interface ServiceTokenEvent {
  readonly kind: 'connected' | 'refreshed' | 'refresh_failed';
  readonly upstream: string;
  readonly clientId: string;
  readonly tokenEndpoint?: string;
  /** ISO time the new token expires, when the server said. */
  readonly expiresAt?: string;
  readonly scope?: string;
  /** The OAuth error code or a short reason, for failures. */
  readonly error?: string;
}

export interface ServiceTokenSource {
  /**
   * `{ authorization: 'Bearer …' }` with a valid token, fetched or refreshed when needed; `renew`
   * drops the current token first (the upstream refused it).
   */
  headers(options?: { readonly renew?: boolean }): Promise<Readonly<Record<string, string>>>;
  /** Stops the background renewal (at shutdown). */
  close(): void;
}

/**
 * The gateway's own access token for one upstream (client credentials, RFC 6749 §4.4), with the
 * client authenticated by `client_secret_basic` or `private_key_jwt` (RFC 7523). One request at a
 * time: concurrent callers share the fetch in flight. Failures name the upstream and the token
 * endpoint's answer, never a secret or a token.
 */
export function createServiceTokenSource(
  upstream: string,
  spec: UpstreamOAuthSpec,
  options: { fetch?: FetchLike; now?: () => number; onEvent?: (event: ServiceTokenEvent) => void } = {},
): ServiceTokenSource {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  let token: { value: string; renewAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  let tokenEndpoint = spec.tokenEndpoint;
  let obtained = false;
  let lastUsed = 0;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  /** Replaces the token when it is due, without a call waiting: one unref'd timer per upstream. */
  const renewAhead = (at: number): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (closed || now() - lastUsed > BACKGROUND_WHILE_USED_MS) return;
    timer = setTimeout(
      () => {
        timer = undefined;
        if (closed || inflight || now() - lastUsed > BACKGROUND_WHILE_USED_MS) return;
        inflight = obtain().finally(() => (inflight = undefined));
        // A failure is audited like a call's; the next call (or none) tries again.
        inflight.catch((err: unknown) => failed(err));
      },
      Math.max(0, at - now()),
    );
    timer.unref();
  };

  const failed = (err: unknown): string => {
    const why = err instanceof OAuthError ? err.oauthError : errorMessage(err);
    options.onEvent?.({
      kind: 'refresh_failed',
      upstream,
      clientId: spec.clientId,
      ...(tokenEndpoint !== undefined && { tokenEndpoint }),
      error: why,
    });
    return why;
  };

  const obtain = async (): Promise<string> => {
    tokenEndpoint ??= (await discoverAuthorizationServer(spec.issuer!, fetchImpl)).token_endpoint;
    if (typeof tokenEndpoint !== 'string') {
      throw new GatewayError('upstream_unavailable', `${spec.issuer} names no token endpoint`);
    }
    const params: Record<string, string | undefined> = {
      grant_type: 'client_credentials',
      resource: spec.resource,
      scope: spec.scopes.length > 0 ? spec.scopes.join(' ') : undefined,
    };
    let body: Record<string, unknown>;
    if (spec.privateKey !== undefined) {
      params.client_id = spec.clientId;
      params.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
      // The audience is the authorization server's issuer identifier where it is known: what RFC
      // 7523bis requires and what servers that verify `aud` strictly accept (the MCP conformance
      // suite's included); the token endpoint (RFC 7523's own example) only when no issuer is set.
      params.client_assertion = await clientAssertion(spec, spec.issuer ?? tokenEndpoint, now());
      body = await postForm(fetchImpl, tokenEndpoint, params);
    } else {
      body = await postFormBasic(fetchImpl, tokenEndpoint, params, spec.clientId, spec.clientSecret ?? '');
    }
    const set = parseTokenResponse(body, now());
    options.onEvent?.({
      kind: obtained ? 'refreshed' : 'connected',
      upstream,
      clientId: spec.clientId,
      tokenEndpoint,
      ...(set.expiresAt !== undefined && { expiresAt: new Date(set.expiresAt).toISOString() }),
      ...(set.scope !== undefined && { scope: set.scope }),
    });
    obtained = true;
    const lifetime = set.expiresAt !== undefined ? set.expiresAt - now() : UNKNOWN_LIFETIME_MS;
    token = {
      value: set.accessToken,
      renewAt: now() + Math.max(0, lifetime - Math.min(EARLY_REFRESH_MS, lifetime / 2)),
    };
    // A little before a call would find it due (at most a tenth of its lifetime).
    renewAhead(token.renewAt - Math.min(5_000, lifetime / 10));
    return set.accessToken;
  };

  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
    async headers(opts = {}) {
      lastUsed = now();
      if (opts.renew && !inflight) token = undefined;
      if (token && now() < token.renewAt) return { authorization: `Bearer ${token.value}` };
      inflight ??= obtain().finally(() => (inflight = undefined));
      try {
        return { authorization: `Bearer ${await inflight}` };
      } catch (err) {
        const why = failed(err);
        throw new GatewayError(
          'upstream_unavailable',
          `cannot obtain an access token for upstream "${upstream}" from ${tokenEndpoint ?? spec.issuer}: ${why}`,
          { cause: err },
        );
      }
    },
  };
}

/** RFC 7523 §2.2 client assertion: the client signs a short-lived JWT for the token endpoint. */
async function clientAssertion(spec: UpstreamOAuthSpec, audience: string, nowMs: number): Promise<string> {
  const key = await importPKCS8(spec.privateKey!, spec.privateKeyAlgorithm);
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: spec.privateKeyAlgorithm })
    .setIssuer(spec.clientId)
    .setSubject(spec.clientId)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 60)
    .setJti(randomUUID())
    .sign(key);
}

/** `postForm` with HTTP Basic client authentication (RFC 6749 §2.3.1). */
function postFormBasic(
  fetchImpl: FetchLike,
  url: string,
  params: Record<string, string | undefined>,
  clientId: string,
  clientSecret: string,
): Promise<Record<string, unknown>> {
  return postForm(fetchImpl, url, params, { clientId, clientSecret, authMethod: 'client_secret_basic' });
}
