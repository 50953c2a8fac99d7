import { GatewayError, type Identity } from '@mcpgate/core';
import { identityKey } from '../identity-key.js';

/**
 * Who may open a per-user authorization link (`auth.upstreamTokens.binding`):
 * - `console`: only a browser signed in to the gateway's console as the same principal that asked
 *   (authentication method, issuer and subject agree — `identityKey`). A link forwarded to someone
 *   else connects nothing.
 * - `none`: whoever opens the link first (the flow cookie still binds the callback to that
 *   browser). Only for a gateway with a single user; an explicit, documented opt-out.
 */
export type FlowBinding = 'console' | 'none';

/** The principal a flow is bound to, compared with the console session's. */
export function flowPrincipal(identity: Identity): string {
  return identityKey(identity);
}

/**
 * Refuses, before any link is handed out, a principal that can never sign in to the console: an
 * API key (a service account), the anonymous caller, a local-mode OS user. Such a link could only
 * be opened unbound, which is what `binding: console` forbids.
 */
export function assertCanBind(identity: Identity, binding: FlowBinding, upstream: string): void {
  if (binding === 'none') return;
  if (identity.authMethod === 'oidc' || identity.authMethod === 'introspection') return;
  const who =
    identity.authMethod === 'api-key' ? `API key principal "${identity.subject}"` : identity.subject;
  throw new GatewayError(
    'forbidden',
    `upstream "${upstream}" is authorized per person through the console sign-in, which ${who} cannot do; call it with a person's OIDC token (or give the upstream a service identity: oauth.grant client_credentials)`,
    { data: { upstream } },
  );
}
