import type { CallContext, CallTrace, JsonObject, TraceContext } from './call.js';

// The trace types live beside CallContext (which holds a CallTrace), so call.ts needs no import
// from here.
export type { CallTrace, TraceContext, UpstreamTrace } from './call.js';

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
