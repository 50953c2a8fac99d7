import { BUILTIN_DETECTOR_IDS } from './detectors/registry.js';
import { DEFAULT_KEY_NAMES } from './config.js';
import { STRATEGIES } from './strategies.js';

// The `masking` section of mcpgate.yaml as JSON Schema (ajv strict-compatible, defaults inline).
// packages/config assembles it into the full schema; keep it in step with config.ts.

const strategy = { type: 'string', enum: [...STRATEGIES] } as const;

const detectorSettings = {
  type: 'object',
  description: 'Per-detector settings by id; every built-in detector is on unless disabled here.',
  propertyNames: { enum: [...BUILTIN_DETECTOR_IDS] },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: { enabled: { type: 'boolean' }, strategy },
  },
} as const;

const keys = {
  type: 'object',
  additionalProperties: false,
  required: ['names'],
  properties: {
    names: { type: 'array', items: { type: 'string', minLength: 1 } },
    strategy,
  },
} as const;

const fields = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', pattern: '^\\$' },
      id: { type: 'string', minLength: 1 },
      strategy,
    },
  },
} as const;

const patterns = {
  type: 'array',
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'regex'],
    properties: {
      id: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
      regex: { type: 'string', minLength: 1 },
      flags: { type: 'string', pattern: '^[imsu]*$' },
      strategy,
    },
  },
} as const;

const profileProperties = {
  enabled: { type: 'boolean' },
  strategy,
  detectors: detectorSettings,
  keys,
  fields,
  patterns,
  arguments: { type: 'boolean' },
} as const;

const globs = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

export const maskingConfigSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'Masking of personal data and secrets in results (docs/masking.md).',
  properties: {
    enabled: { type: 'boolean', default: true },
    strategy: { ...strategy, default: 'redact' },
    detectors: { ...detectorSettings, default: {} },
    keys: { ...keys, default: { names: [...DEFAULT_KEY_NAMES] } },
    fields: { ...fields, default: [] },
    patterns: { ...patterns, default: [] },
    arguments: { type: 'boolean', default: false },
    hashKey: {
      type: 'string',
      minLength: 16,
      description: 'HMAC key for strategy "hash"; use a secret reference.',
    },
    hashLength: { type: 'integer', minimum: 8, maximum: 64, default: 16 },
    partialKeep: { type: 'integer', minimum: 0, maximum: 8, default: 4 },
    rules: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          upstream: { type: 'string', minLength: 1 },
          tools: globs,
          prompts: globs,
          resources: globs,
          ...profileProperties,
        },
      },
    },
    exceptions: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'groups'],
        properties: { id: { type: 'string', minLength: 1 }, groups: globs, upstreams: globs, tools: globs },
      },
    },
    seal: {
      type: 'object',
      additionalProperties: false,
      default: { enabled: false },
      properties: {
        enabled: { type: 'boolean', default: false },
        publicKey: {
          type: 'string',
          description: 'X25519 public key (PEM); generate with `mcpgate seal-keygen`.',
        },
      },
    },
  },
} as const;
