import { GatewayError } from '@mcpgate/core';
import type { FetchLike } from '../http.js';
import { discoverGatewayAuth, loginScopes, normalizeGatewayUrl } from './discover.js';
import { authorizationCodeFlow, deviceFlow, type DeviceCodeInfo } from './flows.js';
import { OAuthError, refreshTokens, revokeToken, type TokenSet } from './oauth.js';
import type { BearerChallenge } from './challenge.js';
import { resolveClient } from './register.js';
import { storedClient, type StoredTokens, type TokenStore } from './token-store.js';

export interface LoginOptions {
  readonly gatewayUrl: string;
  readonly store: TokenStore;
  /** `browser`: authorization code + PKCE on a loopback redirect. `device`: RFC 8628, for headless machines. */
  readonly flow: 'browser' | 'device';
  /** A client registered at the IdP for mcpgate; without it, a client ID metadata document or dynamic registration is used. */
  readonly clientId?: string;
  /** The secret of that client, when it is a confidential one. */
  readonly clientSecret?: string;
  /** https URL of mcpgate's client ID metadata document, used where the IdP supports them. */
  readonly clientMetadataUrl?: string;
  /** A challenge already received from the gateway (e.g. 403 insufficient_scope), instead of probing. */
  readonly challenge?: BearerChallenge;
  /** Scopes beyond what the gateway's metadata lists. */
  readonly scopes?: readonly string[];
  /** Browser flow: show and/or open the URL. */
  readonly onAuthorizationUrl?: (url: string) => void | Promise<void>;
  /** Device flow: show the code and where to enter it. */
  readonly onDeviceCode?: (info: DeviceCodeInfo) => void | Promise<void>;
  /** Fixed loopback port, for IdPs that cannot accept any port. */
  readonly port?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly fetch?: FetchLike;
  readonly now?: () => number;
}

/** Discovers the gateway's IdP, runs the chosen flow, and stores the tokens under the gateway URL. */
export async function login(options: LoginOptions): Promise<StoredTokens> {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const info = await discoverGatewayAuth(options.gatewayUrl, fetchImpl, {
    ...(options.challenge && { challenge: options.challenge }),
  });
  const client = await resolveClient(info, fetchImpl, {
    ...(options.clientId !== undefined && { clientId: options.clientId }),
    ...(options.clientSecret !== undefined && { clientSecret: options.clientSecret }),
    ...(options.clientMetadataUrl !== undefined && { clientMetadataUrl: options.clientMetadataUrl }),
  });
  const base = {
    info,
    client,
    scopes: loginScopes(info, options.scopes),
    fetch: fetchImpl,
    now,
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.signal && { signal: options.signal }),
  };
  const tokens: TokenSet =
    options.flow === 'device'
      ? await deviceFlow({ ...base, onDeviceCode: options.onDeviceCode ?? (() => undefined) })
      : await authorizationCodeFlow({
          ...base,
          onAuthorizationUrl: options.onAuthorizationUrl ?? (() => undefined),
          ...(options.port !== undefined && { port: options.port }),
        });
  const tokenEndpoint = info.server.token_endpoint;
  if (typeof tokenEndpoint !== 'string')
    throw new GatewayError('upstream_error', `${info.issuer} has no token endpoint`);
  const stored: StoredTokens = {
    gateway: normalizeGatewayUrl(options.gatewayUrl),
    resource: info.resource,
    issuer: info.issuer,
    clientId: client.clientId,
    ...(client.clientSecret !== undefined && { clientSecret: client.clientSecret }),
    ...(client.authMethod !== 'none' && { tokenEndpointAuthMethod: client.authMethod }),
    tokenEndpoint,
    ...(typeof info.server.revocation_endpoint === 'string' && {
      revocationEndpoint: info.server.revocation_endpoint,
    }),
    ...tokens,
    updatedAt: now(),
  };
  await options.store.put(stored);
  return stored;
}

export interface AccessTokenOptions {
  readonly gatewayUrl: string;
  readonly store: TokenStore;
  /** Refresh when the token has less than this left (default 60 s), so it cannot expire mid-request. */
  readonly minValidityMs?: number;
  /** Refresh even if the cached token looks valid (the gateway just answered 401 with it). */
  readonly forceRefresh?: boolean;
  readonly fetch?: FetchLike;
  readonly now?: () => number;
}

/**
 * A usable access token for the gateway: the cached one while it is valid for `minValidityMs`
 * more, else a refreshed one (stored before it is returned). Throws `unauthenticated` with the
 * command to run when there is nothing usable — the bridge shows that to the user.
 */
export async function getAccessToken(options: AccessTokenOptions): Promise<string> {
  const now = options.now ?? Date.now;
  const gateway = normalizeGatewayUrl(options.gatewayUrl);
  const entry = await options.store.get(gateway);
  const relogin = (why: string) =>
    new GatewayError('unauthenticated', `${why}: run "mcpgate login ${gateway}"`);
  if (!entry) throw relogin(`not logged in to ${gateway}`);
  // Without expires_in the lifetime is unknown; refresh eagerly if we can, else try the token as is.
  const validUntil = entry.expiresAt ?? (entry.refreshToken ? 0 : Infinity);
  if (!options.forceRefresh && validUntil - (options.minValidityMs ?? 60_000) > now())
    return entry.accessToken;
  if (!entry.refreshToken) throw relogin(`the login to ${gateway} expired`);
  let fresh: TokenSet;
  try {
    fresh = await refreshTokens(
      options.fetch ?? fetch,
      entry.tokenEndpoint,
      { client: storedClient(entry), refreshToken: entry.refreshToken, resource: entry.resource },
      now,
    );
  } catch (err) {
    if (err instanceof OAuthError && err.oauthError === 'invalid_grant') {
      // Another process (a second `mcpgate connect`) may have refreshed first with a rotating
      // refresh token, consuming ours: its result is in the store.
      const latest = await options.store.get(gateway);
      if (latest && latest.refreshToken !== entry.refreshToken && (latest.expiresAt ?? Infinity) > now()) {
        return latest.accessToken;
      }
      throw relogin(`the login to ${gateway} was revoked or expired`);
    }
    throw err;
  }
  const { expiresAt: _previous, ...rest } = entry;
  const updated: StoredTokens = {
    ...rest,
    accessToken: fresh.accessToken,
    // Servers that do not rotate refresh tokens return none: keep the one we have.
    refreshToken: fresh.refreshToken ?? entry.refreshToken,
    ...(fresh.expiresAt !== undefined && { expiresAt: fresh.expiresAt }),
    ...(fresh.scope !== undefined && { scope: fresh.scope }),
    updatedAt: now(),
  };
  await options.store.put(updated);
  return updated.accessToken;
}

/**
 * Forgets the gateway's tokens, revoking the refresh token at the IdP first when it offers
 * revocation (best effort: an unreachable IdP does not keep the tokens on disk).
 */
export async function logout(options: {
  gatewayUrl: string;
  store: TokenStore;
  fetch?: FetchLike;
}): Promise<{ removed: boolean; revoked: boolean }> {
  const entry = await options.store.get(options.gatewayUrl);
  if (!entry) return { removed: false, revoked: false };
  let revoked = false;
  if (entry.revocationEndpoint) {
    try {
      const token = entry.refreshToken ?? entry.accessToken;
      await revokeToken(options.fetch ?? fetch, entry.revocationEndpoint, {
        client: storedClient(entry),
        token,
        hint: entry.refreshToken ? 'refresh_token' : 'access_token',
      });
      revoked = true;
    } catch {
      revoked = false;
    }
  }
  const removed = await options.store.delete(options.gatewayUrl);
  return { removed, revoked };
}
