import { duration, filePath } from './common.js';

const headers = {
  type: 'object',
  description:
    'Extra request headers (e.g. `Authorization: Bearer ${env:TOKEN}`); values may be secret references.',
  additionalProperties: { type: 'string' },
} as const;

/** `audit.sinks`: continuous, at-least-once streaming of every record to a SIEM. */
const sinksSchema = {
  type: 'object',
  description:
    'Stream every audit record, as it is written, to a SIEM: a JSON Lines file with rotation, an HTTP endpoint, or an OpenTelemetry collector (OTLP logs). Each sink has a durable cursor in the database: delivery resumes where it stopped across restarts, at least once (docs/audit.md). Keyed by sink name.',
  propertyNames: { pattern: '^[a-z0-9-]{1,64}$' },
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    required: ['type'],
    properties: {
      type: {
        enum: ['jsonl', 'http', 'otlp'],
        description:
          "`jsonl`: append to `path`; `http`: POST batches as JSON Lines to `url`; `otlp`: POST OTLP/HTTP JSON logs to `url` (a collector's `/v1/logs`).",
      },
      path: filePath('`jsonl` only: the live file; rotated files are renamed `<path>.<UTC time>`.'),
      maxBytes: {
        type: 'integer',
        minimum: 1024,
        default: 104857600,
        description:
          '`jsonl` only: rotate before the file would grow past this size (bytes). Default 100 MiB.',
      },
      maxFiles: {
        type: 'integer',
        minimum: 1,
        default: 10,
        description: '`jsonl` only: rotated files to keep; older ones are deleted. Default 10.',
      },
      url: { type: 'string', pattern: '^https?://', description: '`http` and `otlp`: where to POST.' },
      headers,
      timeout: duration('`http` and `otlp`: how long to wait for an answer.', '10s'),
    },
    allOf: [
      {
        if: { properties: { type: { const: 'jsonl' } } },
        then: { properties: { path: true }, required: ['path'] },
      },
      {
        if: { properties: { type: { enum: ['http', 'otlp'] } } },
        then: { properties: { url: true }, required: ['url'] },
      },
    ],
  },
} as const;

/** `audit.witness`: where checkpoints are published outside the database as they are made. */
const witnessSchema = {
  type: 'object',
  description:
    'Publish every signed checkpoint outside the database as it is made, so that a rewrite of the whole database is detectable (`mcpgate audit verify --witness`). Any combination; a witness that fails is logged and counted (`mcpgate_audit_witness_failures_total`) and retried, and never blocks calls.',
  additionalProperties: false,
  properties: {
    file: filePath(
      'Append-only JSON Lines file that receives one line per checkpoint (synced to disk). Keep it where the database owner cannot rewrite it.',
    ),
    webhook: {
      type: 'object',
      description: 'POST each checkpoint as JSON to this URL; any 2xx answer counts as stored.',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', pattern: '^https?://', description: 'Receiver URL (http or https).' },
        headers,
        timeout: duration('How long to wait for the receiver.', '5s'),
      },
    },
    s3: {
      type: 'object',
      description:
        'Store each checkpoint as an object `<prefix><chain>/<seq>.json` in an S3-compatible bucket (enable object lock / versioning there to make it tamper-proof).',
      additionalProperties: false,
      required: ['endpoint', 'region', 'bucket', 'accessKeyId', 'secretAccessKey'],
      properties: {
        endpoint: {
          type: 'string',
          pattern: '^https?://',
          description: 'Service endpoint, e.g. `https://s3.eu-west-1.amazonaws.com`; path-style requests.',
        },
        region: { type: 'string', minLength: 1, description: 'Signing region, e.g. `eu-west-1`.' },
        bucket: { type: 'string', minLength: 1, description: 'Bucket name.' },
        prefix: {
          type: 'string',
          default: 'mcpgate/checkpoints/',
          description: 'Key prefix. Default `mcpgate/checkpoints/`.',
        },
        accessKeyId: { type: 'string', minLength: 1, description: 'Access key id (a secret reference).' },
        secretAccessKey: {
          type: 'string',
          minLength: 1,
          description: 'Secret access key, given as a reference: `${env:WITNESS_S3_SECRET}`.',
        },
        timeout: duration('How long to wait for the bucket.', '10s'),
      },
    },
  },
} as const;

/** `audit`: the tamper-evident record. Owned by the audit concern; keys are added there. */
export const auditSchema = {
  type: 'object',
  description: 'The tamper-evident audit trail: payload caps, retention, checkpoint signing.',
  additionalProperties: false,
  default: {},
  properties: {
    payloadCapBytes: {
      type: 'integer',
      minimum: 0,
      default: 1048576,
      description:
        'Recorded arguments and results larger than this (bytes) are truncated in the record, with a truncation flag and the SHA-256 of the full payload. Default 1 MiB.',
    },
    retention: duration(
      'Age after which whole, checkpointed audit segments may be purged by `mcpgate audit purge`. Unset: keep forever.',
    ),
    signingKey: {
      type: 'string',
      minLength: 1,
      description:
        'Ed25519 private key (PEM) that signs chain checkpoints, given as a reference: `${env:MCPGATE_AUDIT_KEY}` or `${file:keys/audit.pem}`. Mutually exclusive with `signingKeyFile`.',
    },
    signingKeyFile: filePath(
      'File holding the Ed25519 checkpoint-signing key (PEM). With the embedded store and no key configured, one is generated on first run.',
    ),
    checkpointInterval: duration('How often chain heads are signed (also at shutdown).', '1m'),
    replicaId: {
      type: 'string',
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description:
        'Name of this gateway replica in the audit trail (its hash chain is `<replicaId>:<epoch>`). Default: the host name. Give each replica a stable, distinct name.',
    },
    witness: witnessSchema,
    sinks: sinksSchema,
  },
} as const;

export interface SinkSection {
  readonly type: 'jsonl' | 'http' | 'otlp';
  readonly path?: string;
  readonly maxBytes: number;
  readonly maxFiles: number;
  readonly url?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeout: number;
}

export interface WitnessSection {
  readonly file?: string;
  readonly webhook?: {
    readonly url: string;
    readonly headers?: Readonly<Record<string, string>>;
    readonly timeout: number;
  };
  readonly s3?: {
    readonly endpoint: string;
    readonly region: string;
    readonly bucket: string;
    readonly prefix: string;
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly timeout: number;
  };
}

/** As loaded: durations in milliseconds, `signingKeyFile` absolute, references resolved. */
export interface AuditSection {
  readonly payloadCapBytes: number;
  readonly retention?: number;
  readonly signingKey?: string;
  readonly signingKeyFile?: string;
  readonly checkpointInterval: number;
  readonly replicaId?: string;
  readonly witness?: WitnessSection;
  readonly sinks?: Readonly<Record<string, SinkSection>>;
}
