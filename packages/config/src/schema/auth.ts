import { duration, filePath } from './common.js';

/**
 * `auth`: who may call the HTTP face. Owned by the auth concern (@mcpgate/auth consumes the loaded
 * section as its `AuthConfig`; the two shapes are kept identical and a test in packages/auth pins it).
 */

/** Asymmetric JWS algorithms only: HS* (shared secrets) and `none` cannot be configured at all. */
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

const URL_PATTERN = '^https?://|^\\$\\{';

export const authSchema = {
  type: 'object',
  description:
    'Identity for the HTTP face: `local` (no authentication, loopback only) or `oauth` (OIDC / OAuth 2.1 access tokens, token introspection, API keys for service accounts).',
  additionalProperties: false,
  default: {},
  properties: {
    mode: {
      enum: ['local', 'oauth'],
      default: 'local',
      description:
        '`local`: nobody is authenticated and every request acts as the OS user running the gateway; refused unless the server binds a loopback address. `oauth`: every request must carry an access token or an API key.',
    },
    resource: {
      type: 'string',
      pattern: URL_PATTERN,
      description:
        "This gateway's resource identifier: its public MCP URL, e.g. `https://mcp.example.com/mcp`. Access tokens must carry it as audience (RFC 8707) and it is published in `/.well-known/oauth-protected-resource` (RFC 9728).",
    },
    resourceName: {
      type: 'string',
      minLength: 1,
      description: 'Human-readable name published in the protected-resource metadata.',
    },
    resourceDocumentation: {
      type: 'string',
      pattern: URL_PATTERN,
      description: 'Link to documentation for people, published in the protected-resource metadata.',
    },
    oidc: {
      type: 'object',
      additionalProperties: false,
      required: ['issuer'],
      description: "The organisation's identity provider, whose access tokens the gateway accepts.",
      properties: {
        issuer: {
          type: 'string',
          pattern: URL_PATTERN,
          description:
            'Issuer identifier, exactly as the IdP writes it in `iss` (e.g. `https://kc.example.com/realms/acme`). Its discovery document gives the key set and endpoints.',
        },
        audience: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          minItems: 1,
          uniqueItems: true,
          description:
            'Accepted `aud` values, when the IdP cannot put the resource URL there (Entra: `api://<app id>`). Default: `[resource]`.',
        },
        jwksUri: {
          type: 'string',
          pattern: URL_PATTERN,
          description: "The IdP's key set URL, when discovery must be bypassed.",
        },
        algorithms: {
          type: 'array',
          items: { enum: [...ASYMMETRIC_ALGORITHMS] },
          minItems: 1,
          uniqueItems: true,
          default: [...ASYMMETRIC_ALGORITHMS],
          description: 'Accepted signature algorithms. Asymmetric only; `none` and HS* are never accepted.',
        },
        clockSkew: duration("Tolerance for `exp` and `nbf` against this machine's clock.", '30s'),
        requiredScopes: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          uniqueItems: true,
          default: [],
          description:
            'Scopes every token must carry (from `scope` or `scp`); a token without them gets 403 insufficient_scope. Also published as `scopes_supported`.',
        },
        claims: {
          type: 'object',
          additionalProperties: false,
          default: {},
          description: 'Where the identity is read from in the token.',
          properties: {
            subject: {
              type: 'string',
              minLength: 1,
              default: 'sub',
              description: 'Claim holding the stable subject.',
            },
            name: {
              type: 'string',
              minLength: 1,
              default: 'name',
              description: 'Claim holding the display name.',
            },
            email: {
              type: 'string',
              minLength: 1,
              default: 'email',
              description: 'Claim holding the e-mail address.',
            },
            groups: {
              type: 'string',
              minLength: 1,
              default: 'groups',
              description:
                'Dot path of the groups/roles claim, e.g. `groups`, `roles`, `realm_access.roles`; an array or a space-separated string.',
            },
          },
        },
        jwksCacheMaxAge: duration('How long a fetched key set is used before it is fetched again.', '10m'),
        jwksCooldown: duration(
          'Minimum time between key-set fetches caused by a token naming an unknown key id (rotation).',
          '30s',
        ),
        introspection: {
          type: 'object',
          additionalProperties: false,
          required: ['clientId', 'clientSecret'],
          description:
            "RFC 7662 introspection for opaque (non-JWT) access tokens, authenticated with the gateway's own client credentials.",
          properties: {
            endpoint: {
              type: 'string',
              pattern: URL_PATTERN,
              description: "Overrides the issuer's `introspection_endpoint`.",
            },
            clientId: { type: 'string', minLength: 1, description: "The gateway's client id at the IdP." },
            clientSecret: {
              type: 'string',
              minLength: 1,
              description: 'Its client secret, as a reference: `${env:MCPGATE_INTROSPECTION_SECRET}`.',
            },
            cacheMaxAge: duration(
              "How long an active answer is reused (never past the token's `exp`).",
              '60s',
            ),
          },
        },
      },
    },
    upstreamTokens: {
      type: 'object',
      additionalProperties: false,
      required: ['keyFile'],
      description:
        "Where the gateway keeps users' tokens for upstreams it reaches on their behalf (`upstreams.<name>.oauth.grant: authorization_code`): sealed in the database with envelope encryption under a key kept outside it. Required when such an upstream is configured.",
      properties: {
        keyFile: filePath(
          'File holding the 256-bit key-encryption key: 32 random bytes as base64 (`openssl rand -base64 32 > upstream-tokens.key`) or 64 hex digits; mode 0600. Losing it loses every connection (users authorize again); never store it in the database.',
        ),
        publicUrl: {
          type: 'string',
          pattern: URL_PATTERN,
          description:
            'Public origin of the gateway as browsers reach it (`https://mcp.example.com`, no path): the redirect URI registered at upstream authorization servers is `<publicUrl>/oauth/callback`. Default: the origin of `auth.resource`.',
        },
        binding: {
          type: 'string',
          enum: ['console', 'none'],
          default: 'console',
          description:
            'Who may open the authorization link a user is handed (`<publicUrl>/oauth/start?flow=…`). `console`: only a browser signed in to the web console as the same person who asked (needs `console.enabled` with `console.oidc`); anyone else is refused and recorded as `security.auth_failed`. `none`: whoever opens it first — only for a gateway used by a single person. In both cases the callback must come back to the browser that opened the link.',
        },
      },
    },
    apiKeys: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'API keys for service accounts (`mcpgate keys create`), sent as `Authorization: Bearer mcpg_…` or `X-API-Key`.',
      properties: {
        enabled: { type: 'boolean', default: false, description: 'Accept API keys.' },
        pepper: {
          type: 'string',
          minLength: 1,
          description:
            'Server-side secret (≥ 32 characters) keying the HMAC of every stored key, as a reference: `${env:MCPGATE_API_KEY_PEPPER}`. Changing it invalidates every key.',
        },
        cacheMaxAge: duration(
          'How long a verified key is trusted without reading the store; bounds how late a revocation bites when the revocation notice is missed.',
          '5s',
        ),
      },
    },
  },
} as const;

type Algorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

/** As loaded: durations in milliseconds, references resolved. */
export interface AuthSection {
  readonly mode: 'local' | 'oauth';
  readonly resource?: string;
  readonly resourceName?: string;
  readonly resourceDocumentation?: string;
  readonly oidc?: {
    readonly issuer: string;
    readonly audience?: readonly string[];
    readonly jwksUri?: string;
    readonly algorithms: readonly Algorithm[];
    readonly clockSkew: number;
    readonly requiredScopes: readonly string[];
    readonly claims: {
      readonly subject: string;
      readonly name: string;
      readonly email: string;
      readonly groups: string;
    };
    readonly jwksCacheMaxAge: number;
    readonly jwksCooldown: number;
    readonly introspection?: {
      readonly endpoint?: string;
      readonly clientId: string;
      readonly clientSecret: string;
      readonly cacheMaxAge: number;
    };
  };
  readonly apiKeys: { readonly enabled: boolean; readonly pepper?: string; readonly cacheMaxAge: number };
  readonly upstreamTokens?: {
    readonly keyFile: string;
    readonly publicUrl?: string;
    readonly binding: 'console' | 'none';
  };
}
