import * as oidc from 'openid-client';
import type { Identity } from '@mcpgate/core';
import { identityFromClaims, type ClaimsMapping } from '@mcpgate/auth';

export interface OidcLoginSettings {
  /** The issuer of `auth.oidc`: the console trusts exactly the IdP the MCP face trusts. */
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret?: string;
  readonly scopes: readonly string[];
  readonly claims: ClaimsMapping;
  /** `<publicUrl>/console/auth/callback`. */
  readonly redirectUri: string;
}

export interface LoginStart {
  readonly url: string;
  readonly state: string;
  readonly codeVerifier: string;
  readonly nonce: string;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Authorization code + PKCE (S256) with `openid-client`: a certified relying-party library
 * handles discovery, state/nonce/issuer checks and ID token validation, none of which is the
 * gateway's own business.
 */
export class OidcLogin {
  private config: Promise<oidc.Configuration> | undefined;

  constructor(private readonly settings: OidcLoginSettings) {}

  private configuration(): Promise<oidc.Configuration> {
    const s = this.settings;
    const issuer = new URL(s.issuer);
    // Plain http only for an IdP on this machine (development, tests); anything else needs TLS.
    const insecure = issuer.protocol === 'http:' && LOOPBACK.has(issuer.hostname);
    this.config ??= oidc
      .discovery(
        issuer,
        s.clientId,
        { redirect_uris: [s.redirectUri] },
        s.clientSecret !== undefined ? oidc.ClientSecretPost(s.clientSecret) : oidc.None(),
        insecure ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        // A failed discovery (IdP down at start) is retried on the next sign-in.
        this.config = undefined;
        throw err;
      });
    return this.config;
  }

  async start(): Promise<LoginStart> {
    const config = await this.configuration();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: this.settings.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    return { url: url.href, state, codeVerifier, nonce };
  }

  /** Exchanges the callback's code; the identity comes from the ID token and UserInfo claims. */
  async finish(
    callbackUrl: URL,
    checks: { state: string; codeVerifier: string; nonce: string },
  ): Promise<Identity> {
    const config = await this.configuration();
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: checks.codeVerifier,
      expectedState: checks.state,
      expectedNonce: checks.nonce,
      idTokenExpected: true,
    });
    const idClaims = tokens.claims();
    if (!idClaims) throw new Error('the identity provider returned no ID token');
    let claims: Record<string, unknown> = { ...idClaims };
    if (config.serverMetadata().userinfo_endpoint) {
      const info = await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
      claims = { ...info, ...claims, ...pickGroups(info, this.settings.claims.groups) };
    }
    const identity = identityFromClaims(claims, this.settings.claims, 'oidc', this.settings.issuer);
    if (!identity) throw new Error(`the ID token has no "${this.settings.claims.subject}" claim`);
    // The console session must not carry token lifetimes or scopes of the sign-in's access token.
    const { expiresAt: _e, scopes: _s, tokenId: _t, ...rest } = identity;
    return Object.freeze(rest);
  }
}

/** Groups often come only from UserInfo; keep them when the ID token has none. */
function pickGroups(info: Record<string, unknown>, path: string): Record<string, unknown> {
  const top = path.split('.')[0]!;
  return Object.hasOwn(info, top) ? { [top]: info[top] } : {};
}
