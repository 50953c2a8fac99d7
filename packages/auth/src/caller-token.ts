import type { Identity } from '@mcpgate/core';

/**
 * The access token an identity was proven with, kept beside the identity rather than in it: the
 * identity travels into sessions, logs and audit rows, which must never hold a token. Only token
 * exchange (RFC 8693, `upstreams.<name>.oauth.grant: token_exchange`) reads it — to trade it at the
 * identity provider for a token of the upstream's audience; it is never sent to an upstream as is.
 * A WeakMap: the token is gone with the identity object (one per authenticated request).
 */
const tokens = new WeakMap<Identity, string>();

export function rememberCallerToken(identity: Identity, token: string): void {
  tokens.set(identity, token);
}

export function callerToken(identity: Identity): string | undefined {
  return tokens.get(identity);
}
