import { pino, type Logger as PinoLogger } from 'pino';
import type { Logger } from '@mcpgate/core';

/**
 * JSON logs on stderr, always: in stdio mode stdout carries the protocol and a single stray byte
 * there corrupts the client's stream.
 */
export function createLogger(level: string): Logger & { flush(): void } {
  const log: PinoLogger = pino(
    {
      level,
      base: { pid: process.pid },
      // Defence in depth: even if a step put one of these in a log object, it is not written.
      redact: {
        paths: ['*.authorization', '*.Authorization', '*.token', '*.apiKey', '*.password', 'headers', 'env'],
        censor: '[redacted]',
      },
    },
    pino.destination({ fd: 2, sync: false }),
  );
  // pino's Logger has flush() and satisfies core's Logger shape.
  return log;
}
