import { GatewayError } from '@mcpgate/core';
import { discoverAuthorizationServer, metadataUrls, type AuthorizationServerMetadata } from '../discovery.js';
import { errorMessage, fetchJson, type FetchLike } from '../http.js';
import { protectedResourceMetadataUrl, type ProtectedResourceMetadata } from '../metadata.js';
import { probeChallenge, type BearerChallenge } from './challenge.js';

export interface GatewayAuthInfo {
  /** The resource identifier to request tokens for (RFC 8707 `resource`). */
  readonly resource: string;
  /** Absent for a server of the 2025-03-26 revision, which publishes none. */
  readonly resourceMetadata?: ProtectedResourceMetadata;
  readonly issuer: string;
  readonly server: AuthorizationServerMetadata;
  /** The scope the endpoint's own challenge named, which takes precedence over `scopes_supported`. */
  readonly challengeScope?: string;
}

/** Gateway URLs are compared without a trailing slash: `https://gw/mcp` and `https://gw/mcp/` are one resource. */
export function normalizeGatewayUrl(url: string): string {
  const u = new URL(url);
  u.hash = '';
  return u.href.replace(/\/$/, '');
}

/**
 * Whether metadata naming `resource` may speak for `wanted`: the same URL, or a parent of it on the
 * same origin (a document at the root naming the origin covers `https://gw/mcp`). Anything else
 * could send the user's login to another server's authorization server.
 */
export function resourceCovers(resource: string, wanted: string): boolean {
  let r: URL;
  let w: URL;
  try {
    r = new URL(normalizeGatewayUrl(resource));
    w = new URL(normalizeGatewayUrl(wanted));
  } catch {
    return false;
  }
  if (r.origin !== w.origin) return false;
  const rp = r.pathname.replace(/\/$/, '');
  const wp = w.pathname.replace(/\/$/, '');
  return wp === rp || wp.startsWith(`${rp}/`);
}

/**
 * Discovery as the MCP authorization spec orders it: the metadata URL from the endpoint's own 401
 * challenge (`resource_metadata=`), else the path-variant well-known URL, else the root one; its
 * `resource` must cover the gateway URL. A server that publishes no protected-resource metadata at
 * all is treated as a 2025-03-26 server: its origin is the authorization server (RFC 8414
 * metadata, else the default `/authorize`, `/token`, `/register` endpoints).
 */
export async function discoverGatewayAuth(
  gatewayUrl: string,
  fetchImpl: FetchLike = fetch,
  options: { challenge?: BearerChallenge } = {},
): Promise<GatewayAuthInfo> {
  const wanted = normalizeGatewayUrl(gatewayUrl);
  const challenge = options.challenge ?? (await probeChallenge(wanted, fetchImpl));
  const challengeScope =
    challenge?.scope !== undefined && challenge.scope !== '' ? challenge.scope : undefined;
  const candidates = [
    ...new Set([
      ...(challenge?.resourceMetadata ? [challenge.resourceMetadata] : []),
      protectedResourceMetadataUrl(wanted),
      `${new URL(wanted).origin}/.well-known/oauth-protected-resource`,
    ]),
  ];
  const failures: string[] = [];
  let foundAny = false;
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
    foundAny = true;
    const doc = res.body as unknown as ProtectedResourceMetadata;
    if (typeof doc.resource !== 'string' || !resourceCovers(doc.resource, wanted)) {
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
      ...(challengeScope !== undefined && { challengeScope }),
    };
  }
  if (foundAny) {
    throw new GatewayError(
      'invalid_request',
      `the protected-resource metadata found for ${wanted} is for another resource (${failures.join('; ')}); check the URL`,
    );
  }
  const legacy = await legacyAuthorizationServer(wanted, fetchImpl);
  if (!legacy) {
    throw new GatewayError(
      'upstream_unavailable',
      `cannot find how to log in to ${wanted}: no protected-resource metadata (${failures.join('; ')}) and no authorization server metadata at its origin; is the URL right?`,
    );
  }
  return {
    resource: wanted,
    issuer: legacy.issuer,
    server: legacy,
    ...(challengeScope !== undefined && { challengeScope }),
  };
}

/**
 * The 2025-03-26 revision: the MCP server's origin is its authorization server. Its RFC 8414
 * metadata is used when served; without it the revision's default endpoints are assumed, but only
 * when the server did answer the well-known request (a 404), not when it could not be reached.
 */
async function legacyAuthorizationServer(
  wanted: string,
  fetchImpl: FetchLike,
): Promise<AuthorizationServerMetadata | undefined> {
  const origin = new URL(wanted).origin;
  let reachable = false;
  for (const url of metadataUrls(origin).reverse()) {
    try {
      const res = await fetchJson(fetchImpl, url);
      reachable = true;
      if (res.status !== 200) continue;
      // That revision puts the metadata at the origin's well-known URL whatever the issuer's path,
      // so only the origin is held to: another origin's issuer could be a mix-up.
      const issuer = typeof res.body.issuer === 'string' ? res.body.issuer : origin;
      if (!URL.canParse(issuer) || new URL(issuer).origin !== origin) continue;
      return { ...(res.body as unknown as AuthorizationServerMetadata), issuer };
    } catch (err) {
      // An answer that is not JSON (a 404 page) still shows the server is there.
      if (err instanceof GatewayError && err.code !== 'upstream_unavailable') reachable = true;
    }
  }
  if (!reachable) return undefined;
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
  };
}

/**
 * Scopes to ask for (the MCP spec's order): the scope of the endpoint's challenge, else what the
 * resource metadata lists, else none; plus `extra`, plus `offline_access` when the authorization
 * server offers it (to get a refresh token).
 */
export function loginScopes(info: GatewayAuthInfo, extra: readonly string[] = []): string[] {
  const base =
    info.challengeScope?.split(' ').filter(Boolean) ?? info.resourceMetadata?.scopes_supported ?? [];
  const scopes = new Set([...base, ...extra]);
  if (info.server.scopes_supported?.includes('offline_access')) scopes.add('offline_access');
  return [...scopes];
}
