import { duration, filePath, NAME_PATTERN } from './common.js';

/**
 * `upstreams`: the MCP servers behind the gateway, keyed by name. Exactly one of `command` (a stdio
 * child the gateway spawns) or `url` (a remote server) per upstream; the loader reports the mix-ups
 * with a precise message, the `oneOf` and `dependencies` below only teach editors the same rule.
 */
export const upstreamSchema = {
  type: 'object',
  description:
    'One MCP server behind the gateway. Give `command` for a stdio server the gateway spawns, or `url` for a remote server.',
  additionalProperties: false,
  properties: {
    command: {
      type: 'string',
      minLength: 1,
      description:
        'stdio upstream: the executable to spawn (looked up on PATH), e.g. `npx`. Spawned exactly as configured.',
    },
    args: {
      type: 'array',
      items: { type: 'string' },
      description: 'stdio upstream: arguments passed to `command`. Default: none.',
    },
    env: {
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
      additionalProperties: { type: 'string' },
      description:
        "stdio upstream: extra environment variables for the child, merged over a minimal safe base (not the gateway's own environment). Values may use `${env:NAME}` / `${file:PATH}` references.",
    },
    cwd: filePath(
      "stdio upstream: working directory of the child. Default: the gateway's working directory.",
    ),
    url: {
      type: 'string',
      minLength: 1,
      description: 'Remote upstream: the http(s) URL of its MCP endpoint, e.g. `http://127.0.0.1:3001/mcp`.',
    },
    transport: {
      type: 'string',
      enum: ['streamable-http', 'sse'],
      description:
        'Remote upstream: `streamable-http` (default) or the legacy HTTP+SSE transport `sse`. Only with `url`.',
    },
    headers: {
      type: 'object',
      propertyNames: { pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$" },
      additionalProperties: { type: 'string' },
      description:
        "Remote upstream: HTTP headers the gateway sends with every request (the gateway's own credentials for that server; the client's token is never forwarded). Values may use `${env:NAME}` / `${file:PATH}` references.",
    },
    oauth: {
      type: 'object',
      additionalProperties: false,
      description:
        'Remote upstream: the gateway is an OAuth client of this upstream and sends its access token as `Authorization: Bearer …` with every request to this upstream only — as a service (`client_credentials`) or on behalf of each user (`authorization_code`). Tokens are refreshed before they expire and never reach clients, logs or audit rows.',
      required: ['grant'],
      properties: {
        grant: {
          type: 'string',
          enum: ['client_credentials', 'authorization_code', 'token_exchange'],
          description:
            "`client_credentials`: a service identity of the gateway (needs `clientId` and a credential). `authorization_code`: per user — a user's first call starts authorization code + PKCE for that user (the link is handed over by URL-mode elicitation or in the error), and each user's calls carry only their own token; needs `auth.upstreamTokens`. `token_exchange` (RFC 8693): each call's own access token is exchanged at `issuer` for one with the upstream's audience and the caller's subject (needs `clientId` and `clientSecret`; for upstreams that trust the same identity provider as the gateway).",
        },
        issuer: {
          type: 'string',
          pattern: '^https?://',
          description:
            "Authorization server issuer; its endpoints are discovered (OpenID Connect / RFC 8414). `client_credentials`: give this or `tokenEndpoint`. `authorization_code`: optional — by default discovered from the upstream's protected-resource metadata (RFC 9728).",
        },
        tokenEndpoint: {
          type: 'string',
          pattern: '^https?://',
          description: 'Token endpoint URL, instead of discovery from `issuer`.',
        },
        clientId: {
          type: 'string',
          minLength: 1,
          description:
            "The gateway's client id at the authorization server. Required for `client_credentials`; for `authorization_code` optional — without it the gateway registers itself dynamically (RFC 7591) with redirect URI `<publicUrl>/oauth/callback`.",
        },
        clientSecret: {
          type: 'string',
          minLength: 1,
          description:
            'Client secret (`client_secret_basic`), as a reference: `${env:NAME}` / `${file:PATH}`. `client_credentials`: give this or `privateKey`. `authorization_code`: for a confidential `clientId`.',
        },
        privateKey: {
          type: 'string',
          minLength: 1,
          description:
            'PEM private key for `private_key_jwt` client authentication (RFC 7523), as a reference: `${file:PATH}`. Give this or `clientSecret`.',
        },
        privateKeyAlgorithm: {
          type: 'string',
          enum: ['RS256', 'PS256', 'ES256', 'EdDSA'],
          default: 'RS256',
          description: 'Signature algorithm of the `private_key_jwt` assertion.',
        },
        scopes: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          description: 'Scopes to request. Default: none (the server decides).',
        },
        resource: {
          type: 'string',
          pattern: '^https?://',
          description: "RFC 8707 resource to request the token for. Default: the upstream's `url`.",
        },
        idleTimeout: duration(
          "`authorization_code` and `token_exchange` only: a user's own connection to this upstream is closed after this long without a request (and reopened on their next call), and the gateway keeps refreshing that user's token ahead of its expiry only while the connection is open — a user who left is not kept signed in forever. Default `15m`.",
        ),
        audience: {
          type: 'string',
          minLength: 1,
          description:
            '`token_exchange` only: RFC 8693 `audience` to ask for, for identity providers that name the upstream by a logical name rather than by its URL (`resource`).',
        },
      },
    },
    alias: {
      type: 'string',
      pattern: NAME_PATTERN,
      description:
        'Short namespace prefix used instead of the upstream name in tool and prompt names (`<alias>__<tool>`). Same characters as names.',
    },
    sharing: {
      type: 'string',
      enum: ['shared', 'per-session'],
      default: 'shared',
      description:
        '`shared`: one connection serves every client session. `per-session`: one connection (one child, for stdio) per client session, closed when that session ends — for servers that keep per-client state.',
    },
    era: {
      type: 'string',
      enum: ['auto', 'legacy', 'modern'],
      default: 'auto',
      description:
        'MCP protocol era to speak with this upstream: `auto` probes (modern `server/discover`, then legacy `initialize`), `legacy` or `modern` pin it.',
    },
    requestTimeout: duration('How long a request to this upstream may take before it fails.', '60s'),
    startTimeout: duration('How long the upstream may take to start and answer its handshake.', '30s'),
    restart: {
      type: 'object',
      description:
        'Supervision: how a crashed stdio child (or a dropped remote connection) is restarted, with exponential backoff.',
      additionalProperties: false,
      default: {},
      properties: {
        maxRestarts: {
          type: 'integer',
          minimum: 0,
          default: 5,
          description:
            'Restarts attempted in a row before the upstream is marked failed (0 disables restarts).',
        },
        initialDelay: duration('Delay before the first restart; doubled on each further attempt.', '500ms'),
        maxDelay: duration('Upper bound of the backoff delay.', '30s'),
      },
    },
    disabled: {
      type: 'boolean',
      default: false,
      description:
        'Keep this upstream in the file but do not start it. Its secret references are not resolved.',
    },
  },
  oneOf: [
    { type: 'object', properties: { command: true }, required: ['command'] },
    { type: 'object', properties: { url: true }, required: ['url'] },
  ],
  dependencies: {
    transport: ['url'],
    headers: ['url'],
    oauth: ['url'],
    args: ['command'],
    env: ['command'],
    cwd: ['command'],
  },
} as const;

export const upstreamsSchema = {
  type: 'object',
  description:
    'The MCP servers behind the gateway, keyed by name. A name (`[a-z0-9-]+`) becomes the namespace prefix of its tools and prompts unless `alias` is set.',
  propertyNames: { pattern: NAME_PATTERN },
  additionalProperties: upstreamSchema,
  default: {},
} as const;

/** One upstream as validated, durations in milliseconds and `cwd` absolute (the loader's work). */
export interface UpstreamSection {
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly url?: string;
  readonly transport?: 'streamable-http' | 'sse';
  readonly headers?: Readonly<Record<string, string>>;
  readonly oauth?: UpstreamOAuthSection;
  readonly alias?: string;
  readonly sharing: 'shared' | 'per-session';
  readonly era: 'auto' | 'legacy' | 'modern';
  readonly requestTimeout: number;
  readonly startTimeout: number;
  readonly restart: {
    readonly maxRestarts: number;
    readonly initialDelay: number;
    readonly maxDelay: number;
  };
  readonly disabled: boolean;
}

export type UpstreamsSection = Readonly<Record<string, UpstreamSection>>;

/** `upstreams.<name>.oauth`: the gateway as an OAuth client of that upstream (service or per user). */
export interface UpstreamOAuthSection {
  readonly grant: 'client_credentials' | 'authorization_code' | 'token_exchange';
  readonly issuer?: string;
  readonly tokenEndpoint?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly privateKey?: string;
  readonly privateKeyAlgorithm: 'RS256' | 'PS256' | 'ES256' | 'EdDSA';
  readonly scopes?: readonly string[];
  readonly resource?: string;
  readonly audience?: string;
  /** Milliseconds (the loader's work); per-user grants only. */
  readonly idleTimeout?: number;
}
