import type { Logger } from '@mcpgate/core';

/**
 * The process-level guard of `mcpgate stdio` and `mcpgate serve`: an unhandled rejection or an
 * uncaught exception is a defect in the gateway, but Node's default (exit 1) would turn it into an
 * outage for every caller with a call in flight — one bad request taking down a central gateway.
 * Instead it is logged and recorded on the audit trail as a `gateway.defect` event, and the
 * process keeps serving. Returns the function that removes the guard (at shutdown).
 */
export function guardProcess(
  logger: Logger,
  record: (kind: string, err: unknown) => Promise<void>,
): () => void {
  const report = (kind: string) => (err: unknown) => {
    try {
      logger.error(
        { kind, err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
        'unexpected error (a gateway defect): recorded, and the gateway keeps serving',
      );
      record(kind, err).catch(() => undefined);
    } catch {
      // Reporting must never be what brings the process down.
    }
  };
  const onRejection = report('unhandled-rejection');
  const onException = report('uncaught-exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
