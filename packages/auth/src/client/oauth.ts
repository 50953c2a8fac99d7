import { GatewayError } from '@mcpgate/core';
import { basicAuth, fetchJson, form, type FetchLike } from '../http.js';
import type { ClientCredentials } from './register.js';

/** What a token endpoint hands back, validated. Only Bearer tokens: DPoP-bound ones need key handling this client lacks. */
export interface TokenSet {
  readonly accessToken: string;
  readonly refreshToken?: string;
  /** Epoch ms; absent when the server did not say (then treated as short-lived). */
  readonly expiresAt?: number;
  readonly scope?: string;
}

export class OAuthError extends GatewayError {
  readonly oauthError: string;
  constructor(oauthError: string, message: string) {
    super('unauthenticated', message, { data: { error: oauthError } });
    this.oauthError = oauthError;
  }
}

/**
 * POSTs a form to a token-style endpoint, authenticating as `client` the way it was registered
 * (RFC 6749 §2.3.1: Basic or form fields for a secret, just `client_id` for a public client); an
 * OAuth error body becomes an OAuthError naming its code.
 */
export async function postForm(
  fetchImpl: FetchLike,
  url: string,
  params: Record<string, string | undefined>,
  client?: ClientCredentials,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  let body = params;
  if (client) {
    if (client.authMethod === 'client_secret_basic' && client.clientSecret !== undefined) {
      headers.authorization = basicAuth(client.clientId, client.clientSecret);
    } else {
      body = {
        ...params,
        client_id: client.clientId,
        ...(client.authMethod === 'client_secret_post' && { client_secret: client.clientSecret }),
      };
    }
  }
  const res = await fetchJson(fetchImpl, url, { method: 'POST', headers, body: form(body) });
  if (res.status >= 200 && res.status < 300) return res.body;
  const error = typeof res.body.error === 'string' ? res.body.error : `http_${res.status}`;
  const description = typeof res.body.error_description === 'string' ? `: ${res.body.error_description}` : '';
  throw new OAuthError(error, `${url} refused the request (${error}${description})`);
}

export function parseTokenResponse(body: Record<string, unknown>, now: number): TokenSet {
  const {
    access_token: accessToken,
    token_type: tokenType,
    expires_in: expiresIn,
    refresh_token: refreshToken,
    scope,
  } = body;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new GatewayError('upstream_error', 'token response has no access_token');
  }
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
    throw new GatewayError(
      'upstream_error',
      `token response has token_type ${JSON.stringify(tokenType)}; only Bearer is supported`,
    );
  }
  return {
    accessToken,
    ...(typeof refreshToken === 'string' && refreshToken !== '' && { refreshToken }),
    ...(typeof expiresIn === 'number' && expiresIn > 0 && { expiresAt: now + expiresIn * 1000 }),
    ...(typeof scope === 'string' && { scope }),
  };
}

/** RFC 6749 §6 refresh, re-asserting the resource so the new token keeps this gateway's audience (RFC 8707). */
export async function refreshTokens(
  fetchImpl: FetchLike,
  tokenEndpoint: string,
  params: { client: ClientCredentials; refreshToken: string; resource: string; scope?: string },
  now: () => number = Date.now,
): Promise<TokenSet> {
  const body = await postForm(
    fetchImpl,
    tokenEndpoint,
    {
      grant_type: 'refresh_token',
      refresh_token: params.refreshToken,
      resource: params.resource,
      scope: params.scope,
    },
    params.client,
  );
  return parseTokenResponse(body, now());
}

/** RFC 7009 revocation, best effort: logout still forgets the tokens locally if this fails. */
export async function revokeToken(
  fetchImpl: FetchLike,
  endpoint: string,
  params: { client: ClientCredentials; token: string; hint: 'refresh_token' | 'access_token' },
): Promise<void> {
  await postForm(fetchImpl, endpoint, { token: params.token, token_type_hint: params.hint }, params.client);
}
