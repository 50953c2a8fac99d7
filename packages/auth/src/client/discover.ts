import { GatewayError } from '@mcpgate/core';
import { discoverAuthorizationServer, type AuthorizationServerMetadata } from '../discovery.js';
import { errorMessage, fetchJson, type FetchLike } from '../http.js';
import { protectedResourceMetadataUrl, type ProtectedResourceMetadata } from '../metadata.js';

export interface GatewayAuthInfo {
  /** The resource identifier to request tokens for (RFC 8707 `resource`). */
  readonly resource: string;
  readonly resourceMetadata: ProtectedResourceMetadata;
  readonly issuer: string;
  readonly server: AuthorizationServerMetadata;
}

/** Gateway URLs are compared without a trailing slash: `https://gw/mcp` and `https://gw/mcp/` are one resource. */
export function normalizeGatewayUrl(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.href.replace(/\/$/, '');
}

/**
 * Reads the gateway's RFC 9728 metadata (path-variant well-known URL first, then the root one) and
 * then its authorization server's metadata. The document must name this very gateway as its
 * `resource` (RFC 9728 §3.3), or a hostile page could send the user's login elsewhere.
 */
export async function discoverGatewayAuth(
  gatewayUrl: string,
  fetchImpl: FetchLike = fetch,
): Promise<GatewayAuthInfo> {
  const wanted = normalizeGatewayUrl(gatewayUrl);
  const candidates = [
    ...new Set([
      protectedResourceMetadataUrl(wanted),
      `${new URL(wanted).origin}/.well-known/oauth-protected-resource`,
    ]),
  ];
  const failures: string[] = [];
  for (const url of candidates) {
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
    const doc = res.body as unknown as ProtectedResourceMetadata;
    if (typeof doc.resource !== 'string' || normalizeGatewayUrl(doc.resource) !== wanted) {
      failures.push(`${url}: names resource ${JSON.stringify(doc.resource)}, not ${wanted}`);
      continue;
    }
    const issuer = doc.authorization_servers?.[0];
    if (typeof issuer !== 'string') {
      throw new GatewayError(
        'invalid_request',
        `${wanted} names no authorization server: it takes API keys only (use --api-key-env)`,
      );
    }
    return {
      resource: doc.resource,
      resourceMetadata: doc,
      issuer,
      server: await discoverAuthorizationServer(issuer, fetchImpl),
    };
  }
  throw new GatewayError(
    'upstream_unavailable',
    `cannot read the protected-resource metadata of ${wanted}: ${failures.join('; ')}`,
  );
}

/** Scopes to ask for: what the gateway lists, plus `offline_access` when the server offers it (to get a refresh token). */
export function loginScopes(info: GatewayAuthInfo, extra: readonly string[] = []): string[] {
  const scopes = new Set([...(info.resourceMetadata.scopes_supported ?? []), ...extra]);
  if (info.server.scopes_supported?.includes('offline_access')) scopes.add('offline_access');
  return [...scopes];
}
