import { duration } from './common.js';

/**
 * `console`: the web console served by the gateway at `/console` (owned by @mcpgate/console;
 * semantics and role model in docs/console.md). Sign-in uses the issuer of `auth.oidc`, so the
 * console trusts exactly the identity provider the MCP face trusts.
 */

const groupList = (description: string) =>
  ({
    type: 'array',
    items: { type: 'string', minLength: 1 },
    uniqueItems: true,
    default: [],
    description,
  }) as const;

export const consoleSchema = {
  type: 'object',
  description:
    'The web console at `/console`: approvals inbox and the people-facing pages, signed in through the same OIDC issuer as `auth.oidc`.',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: 'boolean',
      default: false,
      description: '`mcpgate serve` mounts the console at `/console` (needs `auth.oidc` and `console.oidc`).',
    },
    listen: {
      type: 'string',
      pattern: '^(127\\.0\\.0\\.1|localhost|\\[::1\\]):[0-9]{1,5}$',
      description:
        '`mcpgate stdio` only: serve the console on this loopback address (`127.0.0.1:0` picks a free port) and print a one-time sign-in link to stderr. The console then acts as the OS user running the gateway.',
    },
    publicUrl: {
      type: 'string',
      pattern: '^https?://[^/]+$|^\\$\\{',
      description:
        'Public origin of the gateway as browsers reach it (`https://mcp.example.com`, no path): the sign-in redirect is `<publicUrl>/console/auth/callback`. Default: the origin of `auth.resource`.',
    },
    oidc: {
      type: 'object',
      additionalProperties: false,
      required: ['clientId'],
      description:
        "The console's own client at the issuer of `auth.oidc` (authorization code + PKCE). Register the redirect URI `<publicUrl>/console/auth/callback`.",
      properties: {
        clientId: { type: 'string', minLength: 1, description: 'Client id of the console at the IdP.' },
        clientSecret: {
          type: 'string',
          minLength: 1,
          description:
            'Client secret (confidential client); omit for a public client. Use `${env:…}` or `${file:…}`.',
        },
        scopes: {
          type: 'array',
          items: { type: 'string', minLength: 1 },
          default: ['openid', 'profile', 'email'],
          description: 'Scopes requested at sign-in; must include `openid`.',
        },
      },
    },
    roles: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Console roles from IdP groups (the `auth.oidc.claims.groups` claim). Everyone sees their own sessions and approvals; reviewers are set per policy rule.',
      properties: {
        auditor: groupList('Groups that read every session and the whole audit trail, export and verify it.'),
        admin: groupList('Groups that manage API keys and tool pins and see upstream health.'),
      },
    },
    session: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Console sign-in sessions (server-side; the browser holds only an opaque cookie).',
      properties: {
        idleTimeout: duration('A console session with no request for this long ends.', '30m'),
        absoluteTimeout: duration('A console session ends this long after sign-in, active or not.', '12h'),
      },
    },
  },
} as const;

/** The section as loaded (defaults applied, references resolved, durations in ms). */
export interface ConsoleSection {
  readonly enabled: boolean;
  readonly listen?: string;
  readonly publicUrl?: string;
  readonly oidc?: {
    readonly clientId: string;
    readonly clientSecret?: string;
    readonly scopes: readonly string[];
  };
  readonly roles: { readonly auditor: readonly string[]; readonly admin: readonly string[] };
  readonly session: { readonly idleTimeout: number; readonly absoluteTimeout: number };
}
