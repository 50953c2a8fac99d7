/**
 * The loaded `auth` config section as this package consumes it. Its JSON Schema, type and defaults
 * are written once, with the other sections, in packages/config/src/schema/auth.ts.
 */

import { ASYMMETRIC_ALGORITHMS, withSectionDefaults, type AuthSection } from '@mcpgate/config';

/** Asymmetric JWS algorithms only: HS* (shared secrets) and `none` can never be configured (one list, in the config schema). */
export { ASYMMETRIC_ALGORITHMS };

export type AuthConfig = AuthSection;
export type OidcConfig = NonNullable<AuthSection['oidc']>;
export type ClaimsMapping = OidcConfig['claims'];
export type IntrospectionConfig = NonNullable<OidcConfig['introspection']>;
export type ApiKeysConfig = AuthSection['apiKeys'];

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
  return withSectionDefaults('auth', input);
}
