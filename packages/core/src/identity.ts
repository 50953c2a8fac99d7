/** Who is calling. Never holds a token: only what was proven by one. */
/** `saml`: a web console sign-in through a SAML 2.0 IdP (never an MCP credential). */
export type AuthMethod = 'local' | 'oidc' | 'introspection' | 'api-key' | 'saml' | 'none';

export interface Identity {
  /** Stable subject: OS user for stdio and local mode (`local:alice`), `sub` claim for OIDC, `key:<name>` for API keys. */
  readonly subject: string;
  readonly name?: string;
  readonly email?: string;
  readonly groups: readonly string[];
  readonly scopes?: readonly string[];
  readonly authMethod: AuthMethod;
  /** API key name, when authMethod is api-key. */
  readonly keyName?: string;
  /** Token identifier (`jti`) or key id — never the token itself. */
  readonly tokenId?: string;
  readonly issuer?: string;
  /** When the credential stops being valid (epoch ms), if known. */
  readonly expiresAt?: number;
}

export const ANONYMOUS: Identity = Object.freeze({ subject: 'anonymous', groups: [], authMethod: 'none' });
