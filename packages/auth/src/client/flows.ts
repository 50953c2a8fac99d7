import { GatewayError } from '@mcpgate/core';
import type { FetchLike } from '../http.js';
import type { GatewayAuthInfo } from './discover.js';
import { startLoopbackRedirect } from './loopback.js';
import { OAuthError, parseTokenResponse, postForm, type TokenSet } from './oauth.js';
import { createPkce, randomState } from './pkce.js';
import type { ClientCredentials } from './register.js';

export interface FlowOptions {
  readonly info: GatewayAuthInfo;
  readonly client: ClientCredentials;
  readonly scopes: readonly string[];
  readonly fetch: FetchLike;
  /** How long to wait for the user (default 5 minutes). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
  readonly now?: () => number;
}

export interface DeviceCodeInfo {
  readonly verificationUri: string;
  readonly verificationUriComplete?: string;
  readonly userCode: string;
  readonly expiresInSeconds: number;
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Authorization code + PKCE on a loopback redirect (RFC 8252). `onAuthorizationUrl` shows or opens
 * the URL; the user's browser then lands on our listener with the code, which we exchange.
 */
export async function authorizationCodeFlow(
  options: FlowOptions & { onAuthorizationUrl: (url: string) => void | Promise<void>; port?: number },
): Promise<TokenSet> {
  const { info, client } = options;
  const clientId = client.clientId;
  const authz = info.server.authorization_endpoint;
  const tokenEndpoint = info.server.token_endpoint;
  if (typeof authz !== 'string' || typeof tokenEndpoint !== 'string') {
    throw new GatewayError(
      'upstream_error',
      `${info.issuer} has no authorization or token endpoint; try --device`,
    );
  }
  const methods = info.server.code_challenge_methods_supported;
  if (methods !== undefined && !methods.includes('S256')) {
    // OAuth 2.1 and the MCP spec make PKCE mandatory; a server without S256 cannot be used safely.
    throw new GatewayError('upstream_error', `${info.issuer} does not support PKCE S256`);
  }
  const pkce = createPkce();
  const state = randomState();
  const redirect = await startLoopbackRedirect({
    timeoutMs: options.timeoutMs ?? 300_000,
    ...(options.port !== undefined && { port: options.port }),
    ...(options.signal && { signal: options.signal }),
  });
  try {
    const url = new URL(authz);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirect.redirectUri,
      state,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
      resource: info.resource,
      ...(options.scopes.length > 0 && { scope: options.scopes.join(' ') }),
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    await options.onAuthorizationUrl(url.href);
    const answer = await redirect.result;
    if (answer.get('state') !== state)
      throw new GatewayError(
        'invalid_request',
        'login response state does not match (possible CSRF); try again',
      );
    // RFC 9207: when the server sends `iss`, it must be the one we asked (mix-up defence).
    const iss = answer.get('iss');
    if (iss !== null && iss !== info.issuer)
      throw new GatewayError(
        'invalid_request',
        `login response came from issuer ${iss}, expected ${info.issuer}`,
      );
    const error = answer.get('error');
    if (error !== null)
      throw new OAuthError(
        error,
        `login refused by ${info.issuer}: ${error}${answer.get('error_description') ? ` (${answer.get('error_description')})` : ''}`,
      );
    const code = answer.get('code');
    if (!code) throw new GatewayError('invalid_request', 'login response carries no code');
    const body = await postForm(
      options.fetch,
      tokenEndpoint,
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirect.redirectUri,
        code_verifier: pkce.verifier,
        resource: info.resource,
      },
      client,
    );
    return parseTokenResponse(body, (options.now ?? Date.now)());
  } finally {
    await redirect.close();
  }
}

/** RFC 8628 device authorization grant, for machines without a browser. */
export async function deviceFlow(
  options: FlowOptions & { onDeviceCode: (info: DeviceCodeInfo) => void | Promise<void> },
): Promise<TokenSet> {
  const { info, client } = options;
  const endpoint = info.server.device_authorization_endpoint;
  const tokenEndpoint = info.server.token_endpoint;
  if (typeof endpoint !== 'string' || typeof tokenEndpoint !== 'string') {
    throw new GatewayError(
      'upstream_error',
      `${info.issuer} does not offer the device authorization grant; use the browser login`,
    );
  }
  const now = options.now ?? Date.now;
  const start = await postForm(
    options.fetch,
    endpoint,
    { resource: info.resource, ...(options.scopes.length > 0 && { scope: options.scopes.join(' ') }) },
    client,
  );
  const { device_code: deviceCode, user_code: userCode, verification_uri: verificationUri } = start;
  if (typeof deviceCode !== 'string' || typeof userCode !== 'string' || typeof verificationUri !== 'string') {
    throw new GatewayError(
      'upstream_error',
      'device authorization response is missing device_code, user_code or verification_uri',
    );
  }
  const expiresIn = typeof start.expires_in === 'number' ? start.expires_in : 600;
  let intervalMs = (typeof start.interval === 'number' ? start.interval : 5) * 1000;
  await options.onDeviceCode({
    verificationUri,
    ...(typeof start.verification_uri_complete === 'string' && {
      verificationUriComplete: start.verification_uri_complete,
    }),
    userCode,
    expiresInSeconds: expiresIn,
  });
  const deadline = now() + Math.min(expiresIn * 1000, options.timeoutMs ?? Infinity);
  for (;;) {
    await sleep(intervalMs, options.signal);
    if (now() > deadline)
      throw new GatewayError('upstream_timeout', 'the device code expired before the login was approved');
    try {
      const body = await postForm(
        options.fetch,
        tokenEndpoint,
        { grant_type: DEVICE_GRANT, device_code: deviceCode, resource: info.resource },
        client,
      );
      return parseTokenResponse(body, now());
    } catch (err) {
      if (!(err instanceof OAuthError)) throw err;
      if (err.oauthError === 'authorization_pending') continue;
      if (err.oauthError === 'slow_down') {
        intervalMs += 5_000;
        continue;
      }
      if (err.oauthError === 'access_denied') throw new OAuthError('access_denied', 'the login was denied');
      if (err.oauthError === 'expired_token')
        throw new OAuthError('expired_token', 'the device code expired; run the login again');
      throw err;
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new GatewayError('cancelled', 'login cancelled'));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new GatewayError('cancelled', 'login cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
