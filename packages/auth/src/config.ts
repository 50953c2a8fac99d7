/**
 * The loaded `auth` config section as this package consumes it. Its JSON Schema lives with the
 * other sections in packages/config/src/schema/auth.ts; the shapes are identical (durations in
 * milliseconds) and test/config-shape.test.ts pins that.
 */

import { ASYMMETRIC_ALGORITHMS } from '@mcpgate/config';

/** Asymmetric JWS algorithms only: HS* (shared secrets) and `none` can never be configured (one list, in the config schema). */
export { ASYMMETRIC_ALGORITHMS };
export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export interface ClaimsMapping {
  /** Claim holding the stable subject. */
  readonly subject: string;
  readonly name: string;
  readonly email: string;
  /** Dot path to the groups/roles claim (`groups`, `realm_access.roles`); arrays or space-separated strings. */
  readonly groups: string;
}

export interface IntrospectionConfig {
  /** Overrides the endpoint from the issuer's metadata. */
  readonly endpoint?: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Upper bound (ms) for reusing an active answer; never longer than the token's own `exp`. */
  readonly cacheMaxAge: number;
}

export interface OidcConfig {
  /** Exact issuer identifier; discovery runs against it and `iss` must equal it. */
  readonly issuer: string;
  /** Accepted `aud` values; defaults to `[auth.resource]` (RFC 8707). */
  readonly audience?: readonly string[];
  /** Skips discovery for the key set. */
  readonly jwksUri?: string;
  readonly algorithms: readonly AsymmetricAlgorithm[];
  /** Tolerance (ms) for `exp`/`nbf`. */
  readonly clockSkew: number;
  /** Every one of these scopes must be granted, else 403 insufficient_scope. */
  readonly requiredScopes: readonly string[];
  readonly claims: ClaimsMapping;
  /** How long (ms) a fetched key set is trusted before it is fetched again. */
  readonly jwksCacheMaxAge: number;
  /** Minimum time (ms) between key-set refetches triggered by an unknown `kid`. */
  readonly jwksCooldown: number;
  /** Opaque (non-JWT) tokens are checked with RFC 7662 introspection when this is set. */
  readonly introspection?: IntrospectionConfig;
}

export interface ApiKeysConfig {
  readonly enabled: boolean;
  /** Server-side secret keying the HMAC-SHA256 of every stored key; at least 32 characters. */
  readonly pepper?: string;
  /** How long (ms) a verified key is trusted without a store read (bounds revocation delay). */
  readonly cacheMaxAge: number;
}

export interface AuthConfig {
  /** `local`: no authentication, loopback binds only. `oauth`: every request needs a token or API key. */
  readonly mode: 'local' | 'oauth';
  /** This gateway's resource identifier (its public `/mcp` URL): audience and RFC 9728 `resource`. */
  readonly resource?: string;
  readonly resourceName?: string;
  readonly resourceDocumentation?: string;
  readonly oidc?: OidcConfig;
  readonly apiKeys: ApiKeysConfig;
  /**
   * Users' upstream tokens (per-user upstream OAuth): the key-encryption key file and the public
   * origin the redirect URI is built on.
   */
  readonly upstreamTokens?: { readonly keyFile: string; readonly publicUrl?: string };
}

type OidcInput = Partial<Omit<OidcConfig, 'claims' | 'introspection'>> & {
  issuer: string;
  claims?: Partial<ClaimsMapping>;
  introspection?: Omit<IntrospectionConfig, 'cacheMaxAge'> & { cacheMaxAge?: number };
};

/** Fills the schema's defaults for callers that build an AuthConfig in code (tests, embedding). */
export function withAuthDefaults(input: {
  mode?: AuthConfig['mode'];
  resource?: string;
  resourceName?: string;
  resourceDocumentation?: string;
  oidc?: OidcInput;
  apiKeys?: Partial<ApiKeysConfig>;
}): AuthConfig {
  const { oidc, apiKeys, mode, ...rest } = input;
  let oidcConfig: OidcConfig | undefined;
  if (oidc) {
    const { introspection, claims, ...o } = oidc;
    oidcConfig = {
      algorithms: [...ASYMMETRIC_ALGORITHMS],
      clockSkew: 30_000,
      requiredScopes: [],
      jwksCacheMaxAge: 600_000,
      jwksCooldown: 30_000,
      ...o,
      claims: { subject: 'sub', name: 'name', email: 'email', groups: 'groups', ...claims },
      ...(introspection && { introspection: { cacheMaxAge: 60_000, ...introspection } }),
    };
  }
  return {
    mode: mode ?? 'local',
    ...rest,
    ...(oidcConfig && { oidc: oidcConfig }),
    apiKeys: { enabled: false, cacheMaxAge: 5_000, ...apiKeys },
  };
}
