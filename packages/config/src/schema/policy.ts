import { duration } from './common.js';

/**
 * `policy`: who may call what. Ordered rules (first match decides), a default action, per-upstream
 * tool pinning, rate limits, and local-mode reviewer groups. The policy package compiles this
 * section (`buildPolicyEngine`); docs/policy.md is the reference with worked examples.
 */
const RULE_NAME = '^[A-Za-z0-9][A-Za-z0-9_.:-]*$';

const globs = (description: string) =>
  ({ type: 'array', items: { type: 'string', minLength: 1 }, description }) as const;

const identityAndTarget = {
  subjects: globs('Identity subject globs, e.g. `local:alice`, `key:ci-*`, an OIDC `sub`.'),
  groups: globs('Matches when the caller is in any of these groups (exact names).'),
  authMethods: {
    type: 'array',
    items: { type: 'string', enum: ['local', 'oidc', 'introspection', 'api-key', 'none'] },
    description: 'Matches when the caller authenticated this way.',
  },
  keyNames: globs('API key name globs (callers authenticated by API key).'),
  upstreams: globs('Upstream name globs.'),
  methods: globs(
    'MCP method globs: `tools/call`, `resources/read`, `prompts/get`, `*/list`… Default: every method.',
  ),
  tools: globs("Tool name globs, the upstream's own names (not the namespaced ones)."),
  prompts: globs("Prompt name globs, the upstream's own names."),
  resources: globs('Resource URI globs, e.g. `file:///srv/docs/*`.'),
  annotations: {
    type: 'object',
    additionalProperties: { anyOf: [{ type: 'boolean' }, { type: 'string' }, { type: 'number' }] },
    description:
      "Tool annotations that must equal these values, e.g. `destructiveHint: true`. Absent annotations take MCP's defaults (destructive, not read-only).",
  },
} as const;

const argMatcher = {
  type: 'object',
  additionalProperties: false,
  required: ['at'],
  description: 'One argument check; give `at` and exactly one matcher.',
  properties: {
    at: {
      type: 'string',
      minLength: 1,
      description:
        'Dotted path into the arguments (`path`, `options.target`), or `*` for every string in them.',
    },
    pathWithin: globs('Matches when every value is a path inside one of these roots (after normalization).'),
    pathOutside: globs('Matches when any value is, or may be, a path outside all of these roots.'),
    secrets: {
      anyOf: [{ type: 'boolean' }, { type: 'array', items: { type: 'string', minLength: 1 } }],
      description: 'Matches when a masking secret detector fires: `true` for all, or a list of detector ids.',
    },
    sql: {
      type: 'string',
      enum: ['destructive', 'write'],
      description:
        'Matches destructive SQL (DROP, TRUNCATE, ALTER, DELETE/UPDATE without WHERE…) or, with `write`, any writing statement.',
    },
    shellMetachars: { type: 'boolean', description: 'Matches when any shell metacharacter is present.' },
    regex: {
      type: 'string',
      description:
        'Matches when this regular expression finds a match. Runs on a linear-time engine; backreferences, lookaround and nested quantifiers are refused at load.',
    },
    regexFlags: {
      type: 'string',
      pattern: '^[imsu]*$',
      description: 'Flags for `regex`: `i`, `m`, `s`, `u`.',
    },
  },
} as const;

export const policySchema = {
  type: 'object',
  description: 'Who may call what: rules, default action, tool pinning, rate limits.',
  additionalProperties: false,
  default: {},
  properties: {
    default: {
      type: 'string',
      enum: ['allow', 'deny'],
      default: 'deny',
      description: 'Decision for a call that reaches an upstream when no rule matches.',
    },
    defaultMessage: { type: 'string', description: 'Message for the caller when the default denies.' },
    rules: {
      type: 'array',
      default: [],
      description: 'Ordered rules: the first whose every condition holds decides.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'action'],
        properties: {
          name: {
            type: 'string',
            pattern: RULE_NAME,
            description: 'Unique name, recorded with each decision.',
          },
          description: { type: 'string', description: 'For humans.' },
          action: {
            type: 'string',
            enum: ['allow', 'deny', 'require_approval', 'require_grant', 'confirm'],
            description: 'What happens to a matching call.',
          },
          message: {
            type: 'string',
            description: 'deny: the message for the caller. confirm: the question asked to the user.',
          },
          match: {
            type: 'object',
            additionalProperties: false,
            description: 'Conditions, all of which must hold. Absent conditions match anything.',
            properties: {
              ...identityAndTarget,
              arguments: {
                type: 'object',
                description:
                  "A JSON Schema the call's arguments must validate against (compiled once at load).",
              },
              args: {
                type: 'array',
                items: argMatcher,
                description: 'Argument checks, all of which must match.',
              },
              time: {
                type: 'object',
                additionalProperties: false,
                description: 'A time window the call must fall in.',
                properties: {
                  days: {
                    type: 'array',
                    items: { type: 'string', enum: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
                    description: 'Days of the week. Default: every day.',
                  },
                  hours: {
                    type: 'string',
                    pattern: '^\\d\\d:\\d\\d-\\d\\d:\\d\\d$',
                    description: '`HH:MM-HH:MM`, end exclusive, may wrap midnight. Default: all day.',
                  },
                  timezone: {
                    type: 'string',
                    description: 'IANA time zone, e.g. `Europe/Berlin`. Default: UTC.',
                  },
                },
              },
            },
          },
          approval: {
            type: 'object',
            additionalProperties: false,
            required: ['reviewers'],
            description: 'require_approval: who approves and how.',
            properties: {
              reviewers: {
                type: 'array',
                minItems: 1,
                items: { type: 'string', minLength: 1 },
                description: 'Groups whose members may approve.',
              },
              approvals: {
                type: 'integer',
                minimum: 1,
                default: 1,
                description: 'Distinct people who must approve.',
              },
              timeout: duration('Denied when not decided within this time.', '15m'),
              mode: {
                type: 'string',
                enum: ['wait', 'defer'],
                default: 'wait',
                description:
                  '`wait` holds the call open; `defer` returns at once and the identical retry runs once approved.',
              },
              allowSelfApproval: {
                type: 'boolean',
                default: false,
                description: 'Whether the requester may approve their own call.',
              },
            },
          },
          limits: {
            type: 'object',
            additionalProperties: false,
            description:
              'Upstream-started requests (a rule whose `methods` name sampling/createMessage, elicitation/create or roots/list): limits on what the rule allows.',
            properties: {
              maxPerCall: {
                type: 'integer',
                minimum: 1,
                description: 'Most such requests one call may cause; the next is refused.',
              },
              maxTokens: {
                type: 'integer',
                minimum: 1,
                description: 'sampling/createMessage: most `maxTokens` a request may ask for.',
              },
            },
          },
          roots: globs(
            "roots/list: the client's answer is narrowed to roots equal to or inside these URIs (e.g. `file:///srv/project`); the others are dropped.",
          ),
          grant: {
            type: 'object',
            additionalProperties: false,
            required: ['maxDuration', 'reviewers'],
            description: 'require_grant: calls run only while a just-in-time grant is active.',
            properties: {
              maxDuration: duration('Longest grant a reviewer can approve (longer requests are capped).'),
              reviewers: {
                type: 'array',
                minItems: 1,
                items: { type: 'string', minLength: 1 },
                description: 'Groups whose members may approve grant requests.',
              },
            },
          },
        },
      },
    },
    upstreamRequests: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        "What an upstream may ask of the client when no rule naming the method decides: sampling (the client's model), elicitation (the user), roots (the client's folders).",
      properties: {
        sampling: {
          type: 'string',
          enum: ['allow', 'deny'],
          default: 'deny',
          description:
            "sampling/createMessage: off unless allowed — an upstream using the user's model is a prompt-injection and exfiltration path.",
        },
        elicitation: {
          type: 'string',
          enum: ['allow', 'deny'],
          default: 'allow',
          description: 'elicitation/create: the user sees the question and decides.',
        },
        roots: {
          type: 'string',
          enum: ['allow', 'deny'],
          default: 'allow',
          description: "roots/list: the client's answer is recorded; narrow it with a rule's `roots`.",
        },
      },
    },
    rateLimits: {
      type: 'array',
      default: [],
      description: 'Calls per interval. Every matching limit counts; any exhausted one refuses the call.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'limit', 'per'],
        properties: {
          name: { type: 'string', pattern: RULE_NAME, description: 'Unique name, part of the counter key.' },
          match: {
            type: 'object',
            additionalProperties: false,
            description: 'Which calls count (same keys as a rule match, without arguments and time).',
            properties: identityAndTarget,
          },
          limit: { type: 'integer', minimum: 1, description: 'Calls allowed per interval.' },
          per: duration('The interval (fixed windows aligned to the epoch).'),
          by: {
            type: 'array',
            items: { type: 'string', enum: ['subject', 'upstream', 'tool'] },
            uniqueItems: true,
            default: ['subject'],
            description:
              'What one counter is per: e.g. `[subject]` each caller, `[subject, tool]` each caller and tool, `[]` one budget shared by everyone the limit matches.',
          },
        },
      },
    },
    pinning: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Tool pinning against tool poisoning: hashes of tool definitions, changes held for review.',
      properties: {
        default: {
          type: 'string',
          enum: ['off', 'warn', 'block'],
          default: 'off',
          description: 'Mode for upstreams not listed in `upstreams`.',
        },
        upstreams: {
          type: 'object',
          additionalProperties: { type: 'string', enum: ['off', 'warn', 'block'] },
          default: {},
          description:
            'Per upstream: `off`, `warn` (audit changes) or `block` (hide changed/new tools until approved).',
        },
      },
    },
    localGroups: {
      type: 'object',
      additionalProperties: { type: 'array', items: { type: 'string', minLength: 1 } },
      default: {},
      description:
        'Local mode only (CLI against a local store): OS user name → groups, e.g. to make `alice` a grant reviewer.',
    },
  },
} as const;

type Scalar = boolean | string | number;
type AuthMethodName = 'local' | 'oidc' | 'introspection' | 'api-key' | 'none';

export interface PolicyTargetMatch {
  readonly subjects?: readonly string[];
  readonly groups?: readonly string[];
  readonly authMethods?: readonly AuthMethodName[];
  readonly keyNames?: readonly string[];
  readonly upstreams?: readonly string[];
  readonly methods?: readonly string[];
  readonly tools?: readonly string[];
  readonly prompts?: readonly string[];
  readonly resources?: readonly string[];
  readonly annotations?: Readonly<Record<string, Scalar>>;
}

export interface PolicyArgMatcher {
  readonly at: string;
  readonly pathWithin?: readonly string[];
  readonly pathOutside?: readonly string[];
  readonly secrets?: boolean | readonly string[];
  readonly sql?: 'destructive' | 'write';
  readonly shellMetachars?: boolean;
  readonly regex?: string;
  readonly regexFlags?: string;
}

export interface PolicyRuleMatch extends PolicyTargetMatch {
  readonly arguments?: Readonly<Record<string, unknown>>;
  readonly args?: readonly PolicyArgMatcher[];
  readonly time?: {
    readonly days?: readonly ('sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat')[];
    readonly hours?: string;
    readonly timezone?: string;
  };
}

export type PolicyAction = 'allow' | 'deny' | 'require_approval' | 'require_grant' | 'confirm';
export type PinningModeName = 'off' | 'warn' | 'block';

export interface PolicyRule {
  readonly name: string;
  readonly description?: string;
  readonly action: PolicyAction;
  readonly message?: string;
  readonly match?: PolicyRuleMatch;
  readonly approval?: {
    readonly reviewers: readonly string[];
    readonly approvals: number;
    /** Milliseconds once loaded. */
    readonly timeout: number;
    readonly mode: 'wait' | 'defer';
    readonly allowSelfApproval: boolean;
  };
  readonly grant?: {
    /** Milliseconds once loaded. */
    readonly maxDuration: number;
    readonly reviewers: readonly string[];
  };
  readonly limits?: { readonly maxPerCall?: number; readonly maxTokens?: number };
  readonly roots?: readonly string[];
}

export type UpstreamRequestDefault = 'allow' | 'deny';

export interface PolicyRateLimit {
  readonly name: string;
  readonly match?: PolicyTargetMatch;
  readonly limit: number;
  /** Milliseconds once loaded. */
  readonly per: number;
  readonly by: readonly ('subject' | 'upstream' | 'tool')[];
}

/** The section as loaded (defaults applied, references resolved, durations in ms, paths absolute). */
export interface PolicySection {
  readonly default: 'allow' | 'deny';
  readonly defaultMessage?: string;
  readonly rules: readonly PolicyRule[];
  readonly rateLimits: readonly PolicyRateLimit[];
  readonly upstreamRequests: {
    readonly sampling: UpstreamRequestDefault;
    readonly elicitation: UpstreamRequestDefault;
    readonly roots: UpstreamRequestDefault;
  };
  readonly pinning: {
    readonly default: PinningModeName;
    readonly upstreams: Readonly<Record<string, PinningModeName>>;
  };
  readonly localGroups: Readonly<Record<string, readonly string[]>>;
}
