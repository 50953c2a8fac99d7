import type { Identity } from '@mcpgate/core';

/**
 * A stable name for the principal a credential proved, for binding a legacy session to the
 * identity that created it: a refreshed token or a rotated API key of the same principal maps to
 * the same key, anyone else to a different one. JWT and introspection are the same principal when
 * issuer and subject agree.
 */
export function identityKey(identity: Identity): string {
  const method = identity.authMethod === 'introspection' ? 'oidc' : identity.authMethod;
  return JSON.stringify([method, identity.issuer ?? '', identity.subject]);
}
