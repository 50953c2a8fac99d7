import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '@mcpgate/core';

/** At most one "export failed" line per this many ms: a collector that is down must not flood the log. */
const QUIET_MS = 60_000;

/**
 * The OTLP exporter, saying so in the gateway's log when exports fail (OpenTelemetry's own
 * diagnostics are silent unless a global logger is installed, which the gateway does not do).
 * Traces are best effort: a failed export drops those spans and never affects a call.
 */
export class LoggingExporter implements SpanExporter {
  private lastWarned = -Infinity;
  private dropped = 0;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Logger,
    private readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.failed(spans.length, result.error);
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  private failed(count: number, error: Error | undefined): void {
    this.dropped += count;
    const now = Date.now();
    if (now - this.lastWarned < QUIET_MS) return;
    this.lastWarned = now;
    // The endpoint may carry no secret (headers hold those); the error names the cause.
    this.logger.warn(
      { endpoint: this.endpoint, droppedSpans: this.dropped, err: error?.message ?? 'unknown' },
      'trace export failed; spans dropped',
    );
    this.dropped = 0;
  }
}
