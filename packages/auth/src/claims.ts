import type { AuthMethod, Identity } from '@mcpgate/core';
import type { ClaimsMapping } from './config.js';

/**
 * Reads a dot path (`realm_access.roles`). A claim whose own name contains dots (Auth0's
 * namespaced `https://example.com/groups`) is tried whole first, so both styles work.
 */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let cur: unknown = claims;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur) || !Object.hasOwn(cur, part))
      return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Arrays of strings or a space-separated string → a de-duplicated list; anything else → none. */
export function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [...new Set(value.split(/\s+/).filter(Boolean))];
  if (Array.isArray(value))
    return [...new Set(value.filter((v): v is string => typeof v === 'string' && v !== ''))];
  return [];
}

/** Scopes from `scope` (RFC 9068, space-separated) or `scp` (Entra, Okta: array or string). */
export function scopesOf(claims: Record<string, unknown>): string[] {
  return [...new Set([...stringList(claims.scope), ...stringList(claims.scp)])];
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Builds the caller's Identity from verified claims; the token itself is never part of it. */
export function identityFromClaims(
  claims: Record<string, unknown>,
  mapping: ClaimsMapping,
  authMethod: AuthMethod,
  issuer: string,
): Identity | undefined {
  // Client-credentials tokens may carry no subject (RFC 7662 responses often omit `sub`); the
  // client itself is then the caller, as RFC 9068 makes it for JWTs (`sub` = client id).
  const subject = optionalString(claimAt(claims, mapping.subject)) ?? optionalString(claims.client_id);
  if (subject === undefined) return undefined;
  const name = optionalString(claimAt(claims, mapping.name));
  const email = optionalString(claimAt(claims, mapping.email));
  const tokenId = optionalString(claims.jti);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  return Object.freeze({
    subject,
    ...(name !== undefined && { name }),
    ...(email !== undefined && { email }),
    groups: Object.freeze(stringList(claimAt(claims, mapping.groups))),
    scopes: Object.freeze(scopesOf(claims)),
    authMethod,
    ...(tokenId !== undefined && { tokenId }),
    issuer,
    ...(exp !== undefined && { expiresAt: exp }),
  });
}
