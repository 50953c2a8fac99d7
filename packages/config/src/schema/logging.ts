/** `logging`: the gateway's own log on stderr (readable lines on a terminal, JSON lines otherwise). */
export const loggingSchema = {
  type: 'object',
  description:
    "The gateway's own log, on stderr (stdout belongs to the protocol in stdio mode): readable lines on a terminal, JSON lines otherwise.",
  additionalProperties: false,
  default: {},
  properties: {
    level: {
      type: 'string',
      enum: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'],
      default: 'info',
      description: 'Lowest level written.',
    },
    format: {
      type: 'string',
      enum: ['auto', 'json', 'pretty'],
      default: 'auto',
      description:
        'auto: readable lines (coloured) when stderr is a terminal, JSON lines otherwise; json: always JSON lines (one object per line, ISO-8601 times, no repeated keys); pretty: always readable lines, coloured only on a terminal.',
    },
  },
} as const;

export interface LoggingSection {
  readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  readonly format: 'auto' | 'json' | 'pretty';
}
