import { duration } from './common.js';

/**
 * `approvals`: how human approvals of `require_approval` calls behave gateway-wide (who reviews,
 * how many, the timeout and wait/defer mode are per policy rule). Owned by the approvals concern
 * (@mcpgate/approvals builds its service from the loaded section); semantics in docs/approvals.md.
 */

const NOTICES = ['requested', 'decision', 'approved', 'denied', 'expired', 'cancelled', 'executed'] as const;

export const approvalsSchema = {
  type: 'object',
  description:
    'Human approval of high-risk calls (`require_approval` policy rules): defaults, the retry window of `defer` mode, links and outbound webhooks. (Local-mode reviewers of `mcpgate approvals` get their groups from `policy.localGroups`.)',
  additionalProperties: false,
  default: {},
  properties: {
    defaults: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Values used when a policy rule does not set its own.',
      properties: {
        timeout: duration('A request not decided within this time expires (the call is refused).', '15m'),
        deferWindow: duration(
          '`defer` mode: once approved, the identical call must be made again within this time; also bounds how long an approved `wait` call may take to start.',
          '1h',
        ),
        uses: {
          type: 'integer',
          minimum: 1,
          default: 1,
          description: 'How many times one approval lets the identical call run.',
        },
      },
    },
    progressInterval: duration(
      'While a `wait` call is held, a progress notification ("waiting for approval A-…: 1 of 2") is sent this often to clients that asked for progress.',
      '10s',
    ),
    adminBaseUrl: {
      type: 'string',
      pattern: '^https?://|^\\$\\{',
      description:
        "Public base URL of this gateway's HTTP face (e.g. `https://mcp.example.com`), used for the links in webhook and Slack messages: Slack's Approve / Deny / Details buttons and the JSON payload's `links.page` open the approval in the web console (`<base>/console/approvals/<id>`); the JSON payload's `links.show|approve|deny` are the admin API for programs.",
    },
    webhooks: {
      type: 'array',
      default: [],
      description: 'Outbound notifications: a signed JSON POST per approval event, retried with backoff.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secret'],
        properties: {
          url: {
            type: 'string',
            pattern: '^https?://|^\\$\\{',
            description:
              'Receiver URL (a secret reference when it embeds a token: `${env:SLACK_WEBHOOK_URL}`).',
          },
          secret: {
            type: 'string',
            minLength: 1,
            description:
              'HMAC-SHA256 key for the `X-Mcpgate-Signature: t=<unix>,v1=<hex>` header, as a reference: `${env:MCPGATE_WEBHOOK_SECRET}`.',
          },
          events: {
            type: 'array',
            items: { enum: [...NOTICES] },
            uniqueItems: true,
            minItems: 1,
            default: [...NOTICES],
            description: 'Which approval events to send.',
          },
          format: {
            enum: ['json', 'slack'],
            default: 'json',
            description:
              '`json`: `{ id, event, approval, links }`. `slack`: a ready Slack incoming-webhook message (text + blocks with approve/deny links).',
          },
        },
      },
    },
    delivery: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: 'Webhook retries: exponential backoff, bounded.',
      properties: {
        maxAttempts: {
          type: 'integer',
          minimum: 1,
          maximum: 20,
          default: 5,
          description: 'Attempts per delivery, the first included.',
        },
        initialBackoff: duration('Wait before the first retry; doubled after each failure.', '1s'),
        maxBackoff: duration('Longest wait between two attempts.', '30s'),
        timeout: duration('Per-attempt timeout.', '10s'),
      },
    },
  },
} as const;

export type ApprovalNotice = (typeof NOTICES)[number];

/** The section as loaded (defaults applied, references resolved, durations in ms). */
export interface ApprovalsSection {
  readonly defaults: { readonly timeout: number; readonly deferWindow: number; readonly uses: number };
  readonly progressInterval: number;
  readonly adminBaseUrl?: string;
  readonly webhooks: readonly {
    readonly url: string;
    readonly secret: string;
    readonly events: readonly ApprovalNotice[];
    readonly format: 'json' | 'slack';
  }[];
  readonly delivery: {
    readonly maxAttempts: number;
    readonly initialBackoff: number;
    readonly maxBackoff: number;
    readonly timeout: number;
  };
}
