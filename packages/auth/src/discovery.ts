import { GatewayError } from '@mcpgate/core';
import { errorMessage, fetchJson, type FetchLike } from './http.js';

/** The subset of OpenID Provider / RFC 8414 authorization server metadata mcpgate uses. */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly jwks_uri?: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
  readonly device_authorization_endpoint?: string;
  readonly introspection_endpoint?: string;
  readonly revocation_endpoint?: string;
  readonly registration_endpoint?: string;
  readonly scopes_supported?: readonly string[];
  readonly code_challenge_methods_supported?: readonly string[];
  readonly grant_types_supported?: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * Candidate metadata URLs, in order: OpenID Connect discovery (issuer + path suffix), then RFC 8414
 * (well-known segment inserted before the issuer's path), then the OIDC variant with insertion,
 * which some servers use for issuers with a path.
 */
export function metadataUrls(issuer: string): string[] {
  const u = new URL(issuer);
  const path = u.pathname === '/' ? '' : u.pathname.replace(/\/$/, '');
  const origin = u.origin;
  return [
    `${origin}${path}/.well-known/openid-configuration`,
    `${origin}/.well-known/oauth-authorization-server${path}`,
    ...(path ? [`${origin}/.well-known/openid-configuration${path}`] : []),
  ];
}

/**
 * Fetches the issuer's metadata and checks that it names exactly the issuer asked for — a metadata
 * document for another issuer would let that issuer's keys sign tokens we accept (mix-up).
 */
export async function discoverAuthorizationServer(
  issuer: string,
  fetchImpl: FetchLike = fetch,
): Promise<AuthorizationServerMetadata> {
  const failures: string[] = [];
  for (const url of metadataUrls(issuer)) {
    let res;
    try {
      res = await fetchJson(fetchImpl, url);
    } catch (err) {
      failures.push(`${url}: ${errorMessage(err)}`);
      continue;
    }
    if (res.status !== 200) {
      failures.push(`${url}: HTTP ${res.status}`);
      continue;
    }
    if (res.body.issuer !== issuer) {
      throw new GatewayError(
        'upstream_error',
        `metadata at ${url} names issuer ${JSON.stringify(res.body.issuer)}, expected exactly ${JSON.stringify(issuer)}`,
      );
    }
    return res.body as unknown as AuthorizationServerMetadata;
  }
  throw new GatewayError(
    'upstream_unavailable',
    `cannot discover authorization server ${issuer}: ${failures.join('; ')}`,
  );
}

/**
 * Caches one discovery result; a failed attempt is remembered briefly so a down IdP is not hammered
 * on every request, and retried after that.
 */
export function cachedDiscovery(
  issuer: string,
  fetchImpl: FetchLike,
  retryAfterMs = 5_000,
): () => Promise<AuthorizationServerMetadata> {
  let value: AuthorizationServerMetadata | undefined;
  let pending: Promise<AuthorizationServerMetadata> | undefined;
  let failedAt = 0;
  let lastError: Error | undefined;
  return async () => {
    if (value) return value;
    if (lastError !== undefined && Date.now() - failedAt < retryAfterMs) throw lastError;
    pending ??= discoverAuthorizationServer(issuer, fetchImpl).then(
      (m) => {
        value = m;
        pending = undefined;
        return m;
      },
      (err: unknown) => {
        lastError = err instanceof Error ? err : new Error(String(err));
        failedAt = Date.now();
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
