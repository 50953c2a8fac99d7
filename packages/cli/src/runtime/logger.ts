import { pino, type Logger as PinoLogger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Logger } from '@mcpgate/core';

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * A core Logger over one pino root. Bindings are kept here and merged into each line's object,
 * instead of pino child loggers: pino appends every child's bindings as written, so a component
 * that binds `upstream` under a parent that already bound it printed `"upstream"` three times in
 * one line — invalid for strict JSON consumers. One merged object per line has each key once (the
 * innermost value wins).
 */
class BoundLogger implements Logger {
  constructor(
    private readonly root: PinoLogger,
    private readonly bindings: Readonly<Record<string, unknown>>,
  ) {}
  debug(obj: object, msg?: string): void {
    if (this.root.isLevelEnabled('debug')) this.root.debug({ ...this.bindings, ...obj }, msg);
  }
  info(obj: object, msg?: string): void {
    if (this.root.isLevelEnabled('info')) this.root.info({ ...this.bindings, ...obj }, msg);
  }
  warn(obj: object, msg?: string): void {
    if (this.root.isLevelEnabled('warn')) this.root.warn({ ...this.bindings, ...obj }, msg);
  }
  error(obj: object, msg?: string): void {
    if (this.root.isLevelEnabled('error')) this.root.error({ ...this.bindings, ...obj }, msg);
  }
  child(bindings: Record<string, unknown>): Logger {
    return new BoundLogger(this.root, { ...this.bindings, ...bindings });
  }
}

/** Whether `format` means readable lines here, and whether they may be coloured. */
export function logStyle(
  format: LogFormat,
  stderr: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): { pretty: boolean; colour: boolean } {
  const tty = stderr.isTTY === true;
  const pretty = format === 'pretty' || (format === 'auto' && tty);
  return { pretty, colour: pretty && tty && env.NO_COLOR === undefined && env.TERM !== 'dumb' };
}

/**
 * Logs on stderr, always: in stdio mode stdout carries the protocol and a single stray byte there
 * corrupts the client's stream. JSON lines (ISO-8601 `time`) for machines; on a terminal, by
 * default, one readable line per event: `12:03:04.512 WARN  (upstream) message key=value`.
 */
export function createLogger(level: string, format: LogFormat = 'auto'): Logger & { flush(): void } {
  const { pretty, colour } = logStyle(format);
  const options = {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Defence in depth: even if a step put one of these in a log object, it is not written.
    redact: {
      paths: ['*.authorization', '*.Authorization', '*.token', '*.apiKey', '*.password', 'headers', 'env'],
      censor: '[redacted]',
    },
  };
  const destination = pretty
    ? PinoPretty({
        destination: 2,
        colorize: colour,
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname,component',
        messageFormat: '{if component}({component}) {end}{msg}',
      })
    : pino.destination({ fd: 2, sync: false });
  const root = pino(options, destination);
  const logger = new BoundLogger(root, {});
  return Object.assign(logger, { flush: () => root.flush() });
}
