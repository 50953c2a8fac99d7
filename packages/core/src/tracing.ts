import type { CallContext, JsonObject, Outcome, StepTiming } from './call.js';

/**
 * The port through which a call becomes a trace. Core knows no tracing library: the CLI plugs in
 * an OpenTelemetry implementation when `tracing.enabled` is set, and otherwise the gateway holds
 * no tracer at all — then a call allocates nothing for tracing and pays one property read per
 * chain step.
 */
export interface CallTracer {
  /**
   * Starts the trace of one call. A W3C trace context the client sent (`params._meta.traceparent`
   * and `tracestate`, the MCP convention; the HTTP face turns the headers into those keys) is its
   * parent.
   */
  startCall(ctx: CallContext): CallTrace;
}

/** One call's trace. Its spans carry metadata only: never arguments, results or credentials. */
export interface CallTrace {
  /**
   * One chain step ran from `start` to `end` (`process.hrtime.bigint()` readings): the same
   * boundaries and the same clock readings the audit record's step timings are made of.
   */
  step(timing: StepTiming, start: bigint, end: bigint): void;
  /** The round trip to the upstream starts now; its trace context goes with the request. */
  upstream(upstream: string, method: string): UpstreamTrace;
  /** The call is answered (or refused): the call's span ends with what the chain decided. */
  end(outcome: Outcome): void;
}

/** The upstream round trip's span, seen from core: what to send upstream, and how to end it. */
export interface UpstreamTrace {
  /** The W3C trace context to send upstream (`_meta` for every upstream, headers too over HTTP). */
  readonly context: TraceContext;
  end(error?: unknown): void;
}

export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/**
 * The params to forward with the upstream span's trace context in `_meta` (SEP-414 reserves the
 * unprefixed `traceparent` / `tracestate` keys there for W3C Trace Context): the upstream's own
 * spans then join the trace as children of the gateway's round trip. A copy — the params the
 * chain saw (and the audit recorded) stay as the client sent them.
 */
export function withTraceContext(params: JsonObject | undefined, tc: TraceContext): JsonObject {
  const meta = params?._meta;
  return {
    ...params,
    _meta: {
      ...(meta !== null && typeof meta === 'object' ? meta : {}),
      traceparent: tc.traceparent,
      ...(tc.tracestate ? { tracestate: tc.tracestate } : {}),
    },
  };
}
