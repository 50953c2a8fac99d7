import { filePath } from './common.js';

/** `store`: where the audit trail (and approvals, grants, keys) lives. */
export const storeSchema = {
  type: 'object',
  description:
    'Where the audit trail and other gateway state live: PostgreSQL when `url` is set, otherwise an embedded PGlite database in `dir`.',
  additionalProperties: false,
  default: {},
  properties: {
    url: {
      type: 'string',
      pattern: '^(postgres|postgresql)://|^\\$\\{',
      description:
        'PostgreSQL connection URL (`postgres://user@host:5432/db`). Put the password in a reference: `postgres://gw:${env:PGPASSWORD}@db/mcpgate` or `${env:DATABASE_URL}`.',
    },
    dir: filePath(
      'Data directory of the embedded PGlite store, used when `url` is not set.',
      './.mcpgate/data',
    ),
    poolSize: {
      type: 'integer',
      minimum: 1,
      maximum: 200,
      description:
        'PostgreSQL connection pool size per gateway process (the audit writer needs one). Default 10.',
    },
    migrate: {
      type: 'string',
      enum: ['auto', 'check'],
      description:
        'PostgreSQL only. `auto` (default): apply pending schema migrations at start (under an advisory lock). `check`: never migrate, refuse to start unless the schema is current (for a least-privilege role; run `mcpgate migrate` as the owner). The embedded store always migrates itself.',
    },
  },
} as const;

/** As loaded: `dir` is absolute; `url` has its references resolved. */
export interface StoreSection {
  readonly url?: string;
  readonly dir: string;
  readonly poolSize?: number;
  readonly migrate?: 'auto' | 'check';
}
