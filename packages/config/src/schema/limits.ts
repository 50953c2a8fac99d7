/** `limits`: bounds that protect the gateway from oversized input. */
export const limitsSchema = {
  type: 'object',
  description:
    'Bounds that protect the gateway from oversized and over-deep input. The threat model and the reasons for these defaults: [security.md](security.md).',
  additionalProperties: false,
  default: {},
  properties: {
    maxMessageBytes: {
      type: 'integer',
      minimum: 1024,
      default: 4194304,
      description:
        'Largest JSON-RPC message accepted from a client or an upstream, in bytes (default 4 MiB). A larger message is refused, never buffered without bound.',
    },
    maxJsonDepth: {
      type: 'integer',
      minimum: 8,
      maximum: 1000,
      default: 64,
      description:
        'Deepest nesting of objects and arrays accepted in one JSON-RPC message, from a client or an upstream, counting the JSON-RPC envelope (default 64). A deeper message is refused with -32600 naming the limit, before anything parses or walks it.',
    },
  },
} as const;

export interface LimitsSection {
  readonly maxMessageBytes: number;
  readonly maxJsonDepth: number;
}
