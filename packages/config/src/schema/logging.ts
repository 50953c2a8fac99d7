/** `logging`: the gateway's own log (pino JSON on stderr). */
export const loggingSchema = {
  type: 'object',
  description: "The gateway's own log: JSON lines on stderr (stdout belongs to the protocol in stdio mode).",
  additionalProperties: false,
  default: {},
  properties: {
    level: {
      type: 'string',
      enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'info',
      description: 'Lowest level written.',
    },
  },
} as const;

export interface LoggingSection {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
}
