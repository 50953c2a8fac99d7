/** `limits`: bounds that protect the gateway from oversized input. */
export const limitsSchema = {
  type: 'object',
  description: 'Bounds that protect the gateway from oversized input.',
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
  },
} as const;

export interface LimitsSection {
  readonly maxMessageBytes: number;
}
