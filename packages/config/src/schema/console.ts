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
    'The web console at `/console`: approvals inbox and the people-facing pages, signed in through the same OIDC issuer as `auth.oidc`, or through a SAML 2.0 IdP.',
  additionalProperties: false,
  default: {},
  properties: {
    enabled: {
      type: 'boolean',
      default: false,
      description:
        '`mcpgate serve` mounts the console at `/console` (needs `console.oidc` with `auth.oidc`, or `console.saml`).',
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
    saml: {
      type: 'object',
      additionalProperties: false,
      required: ['entryPoint', 'issuer', 'idpCert'],
      description:
        'Sign-in through a SAML 2.0 identity provider (Web Browser SSO: HTTP-Redirect to the IdP, HTTP-POST back to `<publicUrl>/console/auth/saml/acs`). Assertions must be signed by `idpCert`. With `console.oidc` too, the sign-in page offers both. SP metadata: `<publicUrl>/console/auth/saml/metadata`.',
      properties: {
        entryPoint: {
          type: 'string',
          pattern: '^https?://|^\\$\\{',
          description:
            "The IdP's single sign-on URL (HTTP-Redirect binding). `https://` unless the IdP is on this machine.",
        },
        issuer: {
          type: 'string',
          minLength: 1,
          description:
            "This console's SP entity id, as registered at the IdP (e.g. `https://mcp.example.com/console`).",
        },
        idpCert: {
          anyOf: [
            { type: 'string', minLength: 1 },
            { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
          ],
          description:
            "The IdP's signing certificate (PEM, or its base64 body); a list during a key rotation. Use `${file:idp.pem}`.",
        },
        idpIssuer: {
          type: 'string',
          minLength: 1,
          description: "The IdP's entity id; when set, an assertion from any other issuer is refused.",
        },
        audience: {
          type: 'string',
          minLength: 1,
          description: 'The Audience an assertion must name. Default: `issuer`.',
        },
        groupsAttribute: {
          type: 'string',
          minLength: 1,
          default: 'groups',
          description:
            "Attribute whose values are the person's groups; `console.roles` and policy reviewers match them exactly as OIDC groups.",
        },
        subjectAttribute: {
          type: 'string',
          minLength: 1,
          description:
            'Attribute that holds the subject; default: the NameID. Pick the value the MCP face sees as `sub`, so a person is the same subject in both.',
        },
        nameAttribute: { type: 'string', minLength: 1, description: 'Attribute with the display name.' },
        emailAttribute: {
          type: 'string',
          minLength: 1,
          description:
            'Attribute with the e-mail address; default: `mail` / `email` / `urn:oid:0.9.2342.19200300.100.1.3`.',
        },
        clockSkew: duration('Clock difference tolerated on NotBefore/NotOnOrAfter (at most 5m).', '30s'),
        label: {
          type: 'string',
          minLength: 1,
          maxLength: 60,
          description: 'Text of the sign-in button when OIDC is offered too. Default: `SAML single sign-on`.',
        },
      },
    },
    roles: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Console roles from IdP groups (the `auth.oidc.claims.groups` claim, or the `console.saml.groupsAttribute` attribute). Everyone sees their own sessions and approvals; reviewers are set per policy rule.',
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
  readonly saml?: {
    readonly entryPoint: string;
    readonly issuer: string;
    readonly idpCert: string | readonly string[];
    readonly idpIssuer?: string;
    readonly audience?: string;
    readonly groupsAttribute: string;
    readonly subjectAttribute?: string;
    readonly nameAttribute?: string;
    readonly emailAttribute?: string;
    readonly clockSkew: number;
    readonly label?: string;
  };
  readonly roles: { readonly auditor: readonly string[]; readonly admin: readonly string[] };
  readonly session: { readonly idleTimeout: number; readonly absoluteTimeout: number };
}
