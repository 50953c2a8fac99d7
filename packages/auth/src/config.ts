/**
 * The `auth` config section: its JSON Schema (ajv strict-compatible, defaults in the schema) and
 * the matching TypeScript type. The config package assembles it into the whole schema.
 */

/** Asymmetric JWS algorithms only: HS* (shared secrets) and `none` can never be configured. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;
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
  /** Upper bound for caching an active result; never longer than the token's own `exp`. */
  readonly cacheSeconds: number;
}

export interface OidcConfig {
  /** Exact issuer identifier; discovery runs against it and `iss` must equal it. */
  readonly issuer: string;
  /** Accepted `aud` values; defaults to `[auth.resource]` (RFC 8707). */
  readonly audience?: readonly string[];
  /** Skips discovery for the key set. */
  readonly jwksUri?: string;
  readonly algorithms: readonly AsymmetricAlgorithm[];
  readonly clockSkewSeconds: number;
  /** Every one of these scopes must be granted, else 403 insufficient_scope. */
  readonly requiredScopes: readonly string[];
  readonly claims: ClaimsMapping;
  /** How long a fetched key set is trusted before a background refetch. */
  readonly jwksCacheSeconds: number;
  /** Minimum time between key-set refetches triggered by an unknown `kid`. */
  readonly jwksCooldownSeconds: number;
  /** Opaque (non-JWT) tokens are checked with RFC 7662 introspection when this is set. */
  readonly introspection?: IntrospectionConfig;
}

export interface ApiKeysConfig {
  readonly enabled: boolean;
  /** Server-side secret mixed into every key hash (HMAC-SHA256 key); at least 32 characters. */
  readonly pepper?: string;
  /** How long a verified key is trusted without a database read (bounds revocation delay). */
  readonly cacheSeconds: number;
}

export interface AuthConfig {
  /** `local`: no authentication, loopback binds only. `oauth`: every request needs a token or API key. */
  readonly mode: 'local' | 'oauth';
  /** This gateway's resource identifier (its public `/mcp` URL), used as audience and in RFC 9728 metadata. */
  readonly resource?: string;
  /** Human-readable name published in the protected-resource metadata. */
  readonly resourceName?: string;
  /** Documentation link published in the protected-resource metadata. */
  readonly resourceDocumentation?: string;
  readonly oidc?: OidcConfig;
  readonly apiKeys: ApiKeysConfig;
}

const stringArray = { type: 'array', items: { type: 'string', minLength: 1 }, uniqueItems: true } as const;

export const authConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['local', 'oauth'], default: 'local' },
    resource: { type: 'string', pattern: '^https?://' },
    resourceName: { type: 'string', minLength: 1 },
    resourceDocumentation: { type: 'string', pattern: '^https?://' },
    oidc: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer'],
      properties: {
        issuer: { type: 'string', pattern: '^https?://' },
        audience: stringArray,
        jwksUri: { type: 'string', pattern: '^https?://' },
        algorithms: {
          type: 'array',
          items: { enum: [...ASYMMETRIC_ALGORITHMS] },
          minItems: 1,
          uniqueItems: true,
          default: [...ASYMMETRIC_ALGORITHMS],
        },
        clockSkewSeconds: { type: 'integer', minimum: 0, maximum: 300, default: 30 },
        requiredScopes: { ...stringArray, default: [] },
        claims: {
          type: 'object',
          additionalProperties: false,
          default: {},
          properties: {
            subject: { type: 'string', minLength: 1, default: 'sub' },
            name: { type: 'string', minLength: 1, default: 'name' },
            email: { type: 'string', minLength: 1, default: 'email' },
            groups: { type: 'string', minLength: 1, default: 'groups' },
          },
        },
        jwksCacheSeconds: { type: 'integer', minimum: 1, default: 600 },
        jwksCooldownSeconds: { type: 'integer', minimum: 0, default: 30 },
        introspection: {
          type: 'object',
          additionalProperties: false,
          required: ['clientId', 'clientSecret'],
          properties: {
            endpoint: { type: 'string', pattern: '^https?://' },
            clientId: { type: 'string', minLength: 1 },
            clientSecret: { type: 'string', minLength: 1 },
            cacheSeconds: { type: 'integer', minimum: 0, maximum: 3600, default: 60 },
          },
        },
      },
    },
    apiKeys: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        enabled: { type: 'boolean', default: false },
        pepper: { type: 'string', minLength: 32 },
        cacheSeconds: { type: 'integer', minimum: 0, maximum: 300, default: 5 },
      },
    },
  },
} as const;

/** Fills defaults for callers that build an AuthConfig in code (tests, embedding) rather than from YAML. */
export function withAuthDefaults(input: {
  mode?: AuthConfig['mode'];
  resource?: string;
  resourceName?: string;
  resourceDocumentation?: string;
  oidc?: Partial<Omit<OidcConfig, 'claims' | 'introspection'>> & {
    issuer: string;
    claims?: Partial<ClaimsMapping>;
    introspection?: Partial<IntrospectionConfig> & { clientId: string; clientSecret: string };
  };
  apiKeys?: Partial<ApiKeysConfig>;
}): AuthConfig {
  const oidc = input.oidc;
  const { introspection, ...oidcRest } = oidc ?? { issuer: '' };
  return {
    mode: input.mode ?? 'local',
    ...(input.resource !== undefined && { resource: input.resource }),
    ...(input.resourceName !== undefined && { resourceName: input.resourceName }),
    ...(input.resourceDocumentation !== undefined && { resourceDocumentation: input.resourceDocumentation }),
    ...(oidc && {
      oidc: {
        ...oidcRest,
        algorithms: oidc.algorithms ?? [...ASYMMETRIC_ALGORITHMS],
        clockSkewSeconds: oidc.clockSkewSeconds ?? 30,
        requiredScopes: oidc.requiredScopes ?? [],
        jwksCacheSeconds: oidc.jwksCacheSeconds ?? 600,
        jwksCooldownSeconds: oidc.jwksCooldownSeconds ?? 30,
        claims: { subject: 'sub', name: 'name', email: 'email', groups: 'groups', ...oidc.claims },
        ...(introspection && {
          introspection: { ...introspection, cacheSeconds: introspection.cacheSeconds ?? 60 },
        }),
      },
    }),
    apiKeys: { enabled: false, cacheSeconds: 5, ...input.apiKeys },
  };
}
