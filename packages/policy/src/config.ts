import type { AuthMethod } from '@mcpgate/core';
import { DURATION_PATTERN } from './match/duration.js';
import type { Day } from './match/time-window.js';

/**
 * The `policy` section of the gateway config: its JSON Schema (ajv strict-compatible, defaults in
 * the schema) and the matching type. The config package assembles this into the full schema;
 * docs/policy.md is the reference with examples.
 */
export type ActionName = 'allow' | 'deny' | 'require_approval' | 'require_grant' | 'confirm';
export type PinningMode = 'off' | 'warn' | 'block';
export type RateKey = 'subject' | 'upstream' | 'tool';

export interface ArgMatcherConfig {
  /** Dotted path into the arguments (`path`, `options.target`), or `*` for every string in them. */
  readonly at: string;
  /** Matches when every value is a path inside one of these roots (after normalization). */
  readonly pathWithin?: readonly string[];
  /** Matches when any value is (or may be) a path outside all of these roots. */
  readonly pathOutside?: readonly string[];
  /** Matches when a secret detector finds something (true = all detectors, or a list of names). */
  readonly secrets?: boolean | readonly string[];
  /** Matches SQL that is destructive (DROP, TRUNCATE, DELETE/UPDATE without WHERE…) or any write. */
  readonly sql?: 'destructive' | 'write';
  /** Matches when any shell metacharacter is present. */
  readonly shellMetachars?: boolean;
  /** Matches when this (linear-time, checked at load) regular expression finds a match. */
  readonly regex?: string;
  /** Flags for `regex`: any of `i`, `m`, `s`, `u`. */
  readonly regexFlags?: string;
}

export interface TimeMatchConfig {
  readonly days?: readonly Day[];
  readonly hours?: string;
  readonly timezone?: string;
}

export interface MatchConfig {
  readonly subjects?: readonly string[];
  readonly groups?: readonly string[];
  readonly authMethods?: readonly AuthMethod[];
  readonly keyNames?: readonly string[];
  readonly upstreams?: readonly string[];
  readonly methods?: readonly string[];
  readonly tools?: readonly string[];
  readonly prompts?: readonly string[];
  readonly resources?: readonly string[];
  readonly annotations?: Readonly<Record<string, boolean | string | number>>;
  /** A JSON Schema the call's arguments must validate against for the rule to match. */
  readonly arguments?: Readonly<Record<string, unknown>>;
  readonly args?: readonly ArgMatcherConfig[];
  readonly time?: TimeMatchConfig;
}

export interface ApprovalConfig {
  readonly reviewers: readonly string[];
  readonly approvals: number;
  readonly timeout: string;
  readonly mode: 'wait' | 'defer';
  readonly allowSelfApproval: boolean;
}

export interface GrantRuleConfig {
  readonly maxDuration: string;
  readonly reviewers: readonly string[];
}

export interface RuleConfig {
  readonly name: string;
  readonly description?: string;
  readonly match?: MatchConfig;
  readonly action: ActionName;
  /** For deny: the caller's message; for confirm: the question asked. */
  readonly message?: string;
  readonly approval?: ApprovalConfig;
  readonly grant?: GrantRuleConfig;
}

export interface RateLimitConfig {
  readonly name: string;
  readonly match?: Omit<MatchConfig, 'arguments' | 'args' | 'time'>;
  readonly limit: number;
  readonly per: string;
  /** What one counter is shared by: `[]` = everyone the limit matches (a group budget). */
  readonly by: readonly RateKey[];
}

export interface PolicyConfig {
  readonly default: 'allow' | 'deny';
  readonly defaultMessage?: string;
  readonly rules: readonly RuleConfig[];
  readonly rateLimits: readonly RateLimitConfig[];
  readonly pinning: {
    readonly default: PinningMode;
    readonly upstreams: Readonly<Record<string, PinningMode>>;
  };
  /** Local mode (CLI, stdio): groups of OS users, for reviewers of grants. `os:<user>` subjects. */
  readonly localGroups: Readonly<Record<string, readonly string[]>>;
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const duration = { type: 'string', pattern: DURATION_PATTERN } as const;

const identityAndTarget = {
  subjects: { ...stringList, description: 'Identity subject globs (os:alice, key:ci, an OIDC sub).' },
  groups: { ...stringList, description: 'Matches when the caller is in any of these groups.' },
  authMethods: {
    type: 'array',
    items: { type: 'string', enum: ['local', 'oidc', 'introspection', 'api-key', 'none'] },
  },
  keyNames: { ...stringList, description: 'API key name globs.' },
  upstreams: { ...stringList, description: 'Upstream name globs.' },
  methods: {
    ...stringList,
    description: 'MCP method globs: tools/call, resources/read, prompts/get, */list…',
  },
  tools: { ...stringList, description: "Tool name globs (the upstream's own names)." },
  prompts: stringList,
  resources: { ...stringList, description: 'Resource URI globs.' },
  annotations: {
    type: 'object',
    additionalProperties: { anyOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'number' }] },
    description: 'Tool annotations that must equal these values (MCP defaults apply when absent).',
  },
} as const;

const argMatcherSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['at'],
  properties: {
    at: { type: 'string', minLength: 1 },
    pathWithin: stringList,
    pathOutside: stringList,
    secrets: { anyOf: [{ type: 'boolean' }, stringList] },
    sql: { type: 'string', enum: ['destructive', 'write'] },
    shellMetachars: { type: 'boolean' },
    regex: { type: 'string' },
    regexFlags: { type: 'string', pattern: '^[imsu]*$' },
  },
} as const;

export const policyConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    default: { type: 'string', enum: ['allow', 'deny'], default: 'deny' },
    defaultMessage: { type: 'string' },
    rules: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'action'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' },
          description: { type: 'string' },
          action: { type: 'string', enum: ['allow', 'deny', 'require_approval', 'require_grant', 'confirm'] },
          message: { type: 'string' },
          match: {
            type: 'object',
            additionalProperties: false,
            properties: {
              ...identityAndTarget,
              arguments: { type: 'object' },
              args: { type: 'array', items: argMatcherSchema },
              time: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  days: {
                    type: 'array',
                    items: { type: 'string', enum: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
                  },
                  hours: { type: 'string', pattern: '^\\d\\d:\\d\\d-\\d\\d:\\d\\d$' },
                  timezone: { type: 'string' },
                },
              },
            },
          },
          approval: {
            type: 'object',
            additionalProperties: false,
            required: ['reviewers'],
            properties: {
              reviewers: { ...stringList, minItems: 1 },
              approvals: { type: 'integer', minimum: 1, default: 1 },
              timeout: { ...duration, default: '15m' },
              mode: { type: 'string', enum: ['wait', 'defer'], default: 'wait' },
              allowSelfApproval: { type: 'boolean', default: false },
            },
          },
          grant: {
            type: 'object',
            additionalProperties: false,
            required: ['maxDuration', 'reviewers'],
            properties: {
              maxDuration: duration,
              reviewers: { ...stringList, minItems: 1 },
            },
          },
        },
      },
    },
    rateLimits: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'limit', 'per'],
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' },
          match: { type: 'object', additionalProperties: false, properties: identityAndTarget },
          limit: { type: 'integer', minimum: 1 },
          per: duration,
          by: {
            type: 'array',
            items: { type: 'string', enum: ['subject', 'upstream', 'tool'] },
            uniqueItems: true,
            default: ['subject'],
          },
        },
      },
    },
    pinning: {
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        default: { type: 'string', enum: ['off', 'warn', 'block'], default: 'off' },
        upstreams: {
          type: 'object',
          additionalProperties: { type: 'string', enum: ['off', 'warn', 'block'] },
          default: {},
        },
      },
    },
    localGroups: {
      type: 'object',
      additionalProperties: stringList,
      default: {},
      description: 'Local mode only: OS user name → groups (for grant reviewers on the CLI).',
    },
  },
} as const;
