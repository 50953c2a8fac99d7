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
    maxJsonDepth: {
      type: 'integer',
      minimum: 8,
      maximum: 1000,
      default: 128,
      description:
        'Deepest nesting of objects and arrays accepted in one JSON-RPC message, from a client or an upstream (default 128). A deeper message is refused with -32600 before anything walks it.',
    },
  },
} as const;

export interface LimitsSection {
  readonly maxMessageBytes: number;
  readonly maxJsonDepth: number;
}
