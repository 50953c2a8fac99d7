import { approvalsSchema } from './approvals.js';
import { auditSchema } from './audit.js';
import { consoleSchema } from './console.js';
import { authSchema } from './auth.js';
import { limitsSchema } from './limits.js';
import { loggingSchema } from './logging.js';
import { maskingSchema } from './masking.js';
import { namingSchema } from './naming.js';
import { policySchema } from './policy.js';
import { serverSchema } from './server.js';
import { storeSchema } from './store.js';
import { tracingSchema } from './tracing.js';
import { upstreamsSchema } from './upstreams.js';

/**
 * Top-level sections in the order they appear in the published schema and in docs. Each section
 * object is embedded as its module exports it, so a section's owner changes only their own file.
 */
export const SECTIONS = {
  upstreams: upstreamsSchema,
  naming: namingSchema,
  limits: limitsSchema,
  logging: loggingSchema,
  store: storeSchema,
  audit: auditSchema,
  server: serverSchema,
  auth: authSchema,
  policy: policySchema,
  masking: maskingSchema,
  approvals: approvalsSchema,
  console: consoleSchema,
  tracing: tracingSchema,
} as const;

export const JSON_SCHEMA_DRAFT = 'http://json-schema.org/draft-07/schema#';

/** The whole config file's JSON Schema: the one source `mcpgate.schema.json` is generated from. */
export const configSchema = {
  $schema: JSON_SCHEMA_DRAFT,
  title: 'mcpgate configuration',
  description:
    'Configuration of the mcpgate MCP gateway (mcpgate.yaml). Unknown keys are errors. `${env:NAME}` and `${file:PATH}` references in string values are resolved at load.',
  type: 'object',
  additionalProperties: false,
  patternProperties: {
    '^x-': {
      description:
        'Extension field, ignored by the gateway: a place for YAML anchors that several entries merge with `<<: *name`.',
    },
  },
  properties: {
    $schema: {
      type: 'string',
      description: 'Location of this JSON Schema, for editors. Ignored by the gateway.',
    },
    ...SECTIONS,
  },
} as const;
