// The `masking` section: the one source of this schema (@mcpgate/masking re-exports it as
// `maskingConfigSchema`). Semantics: docs/masking.md.

const STRATEGY = {
  type: 'string',
  enum: ['redact', 'partial', 'hash'],
  description:
    '`redact` → `[REDACTED:<id>]`; `partial` keeps the last characters (`•••• 4242`, `j***@example.com`); `hash` → `[HASH:<id>:<hmac>]`, keyed by `hashKey`.',
} as const;

const DETECTORS = {
  type: 'object',
  description:
    'Per-detector settings by id (a built-in id or a custom pattern id). Every built-in detector is on unless disabled here. Built-in ids: email, phone, card, iban, ssn, ipv4, ipv6, jwt, private_key, aws_access_key_id, aws_secret_key, github_token, gitlab_token, slack_token, slack_webhook, stripe_key, google_api_key, bearer_token, secret_pair, connection_string.',
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      enabled: { type: 'boolean', description: 'Set false to turn this detector off.' },
      strategy: STRATEGY,
    },
  },
} as const;

const KEYS = {
  type: 'object',
  additionalProperties: false,
  required: ['names'],
  description:
    'Key-name rules: in structured content, the whole value under a matching key is masked. Compared case-insensitively with `_`, `-`, `.` ignored; a key matches when it ends with a name (`dbPassword` matches `password`).',
  properties: {
    names: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      description: 'Key names to mask (replaces the default list).',
    },
    strategy: STRATEGY,
  },
} as const;

const FIELDS = {
  type: 'array',
  description: 'Field rules: JSON paths into structured content whose values are masked whole.',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: {
        type: 'string',
        pattern: '^\\$',
        description: 'JSON path: `$.users[*].email`, `$..password`, `$.a.b[0]`, `$["odd key"]`.',
      },
      id: {
        type: 'string',
        minLength: 1,
        description: 'Rule id in events (`field:<id>`); default the path.',
      },
      strategy: STRATEGY,
    },
  },
} as const;

const PATTERNS = {
  type: 'array',
  description:
    'Custom detectors. Each regex must be bounded and free of nested quantifiers, backreferences and lookaround; unsafe ones are refused at load.',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'regex'],
    properties: {
      id: {
        type: 'string',
        pattern: '^[a-z][a-z0-9_]*$',
        description: 'Detector id used in events and replacements.',
      },
      regex: {
        type: 'string',
        minLength: 1,
        description: 'JavaScript regular expression source (no slashes).',
      },
      flags: { type: 'string', pattern: '^[imsu]*$', description: 'Regex flags among i, m, s, u.' },
      strategy: STRATEGY,
    },
  },
} as const;

const GLOBS = (what: string) =>
  ({
    type: 'array',
    items: { type: 'string', minLength: 1 },
    description: `${what} (globs with * and ?).`,
  }) as const;

export const maskingSchema = {
  type: 'object',
  additionalProperties: false,
  default: {},
  description:
    'Masking of secrets and personal data in tool results, resources and prompts: detectors, field and key rules, strategies, per-upstream rules, group exceptions, sealed raw copies (docs/masking.md).',
  properties: {
    enabled: {
      type: 'boolean',
      default: true,
      description: 'Mask results at all (rules can turn it off per upstream).',
    },
    strategy: { ...STRATEGY, default: 'redact' },
    detectors: { ...DETECTORS, default: {} },
    keys: {
      ...KEYS,
      default: {
        names: [
          'password',
          'passwd',
          'passphrase',
          'secret',
          'token',
          'apikey',
          'privatekey',
          'accesskey',
          'authorization',
          'cookie',
          'ssn',
          'credential',
          'credentials',
        ],
      },
    },
    fields: { ...FIELDS, default: [] },
    patterns: { ...PATTERNS, default: [] },
    arguments: {
      type: 'boolean',
      default: false,
      description: 'Also mask the audit copy of request arguments; the upstream always receives them intact.',
    },
    hashKey: {
      type: 'string',
      minLength: 16,
      description:
        'HMAC-SHA256 key for strategy `hash`, as a reference: `${env:MCPGATE_MASK_KEY}` or `${file:…}`.',
    },
    hashLength: {
      type: 'integer',
      minimum: 8,
      maximum: 64,
      default: 16,
      description: 'Hex characters of the HMAC kept in `[HASH:…]` output.',
    },
    partialKeep: {
      type: 'integer',
      minimum: 0,
      maximum: 8,
      default: 4,
      description: 'Characters kept by `partial` (never more than a quarter of the value).',
    },
    rules: {
      type: 'array',
      default: [],
      description:
        'Per upstream / tool / prompt / resource overrides, applied in order over the settings above when they match.',
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          upstream: {
            type: 'string',
            minLength: 1,
            description: 'Upstream name glob; default every upstream.',
          },
          tools: GLOBS('Tool names this rule applies to'),
          prompts: GLOBS('Prompt names this rule applies to'),
          resources: GLOBS('Resource URIs this rule applies to'),
          enabled: {
            type: 'boolean',
            description: 'false: nothing is masked and the raw response is recorded.',
          },
          strategy: STRATEGY,
          detectors: DETECTORS,
          keys: KEYS,
          fields: FIELDS,
          patterns: PATTERNS,
          arguments: { type: 'boolean', description: 'Mask the audit copy of request arguments.' },
        },
      },
    },
    exceptions: {
      type: 'array',
      default: [],
      description:
        'Callers in these groups see unmasked data; each call it applies to records the exception (rule id and group).',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'groups'],
        properties: {
          id: {
            type: 'string',
            minLength: 1,
            description: 'Exception id, recorded on each call it applies to.',
          },
          groups: { ...GLOBS('Identity groups (exact names) that get raw data'), minItems: 1 },
          upstreams: GLOBS('Upstreams it applies to; default all'),
          tools: GLOBS('Tools/prompts it applies to; default all'),
        },
      },
    },
    seal: {
      type: 'object',
      additionalProperties: false,
      default: { enabled: false },
      description:
        'Sealed raw copies: the unmasked payload encrypted to an offline X25519 key, stored with the record.',
      properties: {
        enabled: {
          type: 'boolean',
          default: false,
          description: 'Seal the raw payload of every call where something was masked.',
        },
        publicKey: {
          type: 'string',
          minLength: 1,
          description:
            'X25519 public key (PEM), e.g. `${file:keys/seal-public.pem}`; create with `mcpgate seal-keygen`.',
        },
      },
    },
  },
} as const;

type Strategy = 'redact' | 'partial' | 'hash';

interface DetectorSetting {
  readonly enabled?: boolean;
  readonly strategy?: Strategy;
}

interface MaskingProfile {
  readonly enabled?: boolean;
  readonly strategy?: Strategy;
  readonly detectors?: Readonly<Record<string, DetectorSetting>>;
  readonly keys?: { readonly names: readonly string[]; readonly strategy?: Strategy };
  readonly fields?: readonly { readonly path: string; readonly id?: string; readonly strategy?: Strategy }[];
  readonly patterns?: readonly {
    readonly id: string;
    readonly regex: string;
    readonly flags?: string;
    readonly strategy?: Strategy;
  }[];
  readonly arguments?: boolean;
}

/** The section as loaded (defaults applied, references resolved). Same shape as `MaskingConfig` in @mcpgate/masking. */
export interface MaskingSection extends MaskingProfile {
  readonly enabled: boolean;
  readonly strategy: Strategy;
  // The schema gives these defaults, so the loaded section always has them (rules may omit them).
  readonly detectors: NonNullable<MaskingProfile['detectors']>;
  readonly keys: NonNullable<MaskingProfile['keys']>;
  readonly fields: NonNullable<MaskingProfile['fields']>;
  readonly patterns: NonNullable<MaskingProfile['patterns']>;
  readonly arguments: boolean;
  readonly hashKey?: string;
  readonly hashLength: number;
  readonly partialKeep: number;
  readonly rules: readonly (MaskingProfile & {
    readonly upstream?: string;
    readonly tools?: readonly string[];
    readonly prompts?: readonly string[];
    readonly resources?: readonly string[];
  })[];
  readonly exceptions: readonly {
    readonly id: string;
    readonly groups: readonly string[];
    readonly upstreams?: readonly string[];
    readonly tools?: readonly string[];
  }[];
  readonly seal: { readonly enabled: boolean; readonly publicKey?: string };
}
