import { duration, filePath } from './common.js';

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
  },
} as const;

/** As loaded: durations in milliseconds, `signingKeyFile` absolute, references resolved. */
export interface AuditSection {
  readonly payloadCapBytes: number;
  readonly retention?: number;
  readonly signingKey?: string;
  readonly signingKeyFile?: string;
  readonly checkpointInterval: number;
  readonly replicaId?: string;
}
