import type { IncomingHttpHeaders } from 'node:http';

/** W3C Trace Context `traceparent`: version, trace id, parent id, flags (later versions may append). */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}(-[0-9A-Za-z-]*)?$/;
/** W3C allows 32 list members; 512 characters is what every vendor must pass on. */
const MAX_TRACESTATE = 512;
const MAX_TRACEPARENT = 128;

/**
 * An HTTP client states its trace context in `traceparent` / `tracestate` headers; MCP carries it
 * in a request's `params._meta` (SEP-414). The face translates the one into the other, so core has
 * one carrier for every face: each JSON-RPC request of the POST that has no `_meta.traceparent`
 * of its own (a message's own context is the more specific) gets the headers' values. A malformed
 * `traceparent` is dropped here, as W3C Trace Context says: the call then starts a new trace.
 */
export function bridgeTraceHeaders(headers: IncomingHttpHeaders, messages: readonly unknown[]): void {
  const traceparent = headers.traceparent;
  if (typeof traceparent !== 'string' || traceparent.length > MAX_TRACEPARENT) return;
  if (!TRACEPARENT.test(traceparent)) return;
  const raw = headers.tracestate;
  // Repeated `tracestate` headers are one list (RFC 9110 field combination).
  const tracestate = Array.isArray(raw) ? raw.join(',') : raw;
  const state = tracestate && tracestate.length <= MAX_TRACESTATE ? tracestate : undefined;
  for (const m of messages) {
    if (!isPlainObject(m)) continue;
    const msg = m as { method?: unknown; id?: unknown; params?: unknown };
    if (typeof msg.method !== 'string' || msg.id === undefined) continue;
    // What is not a plain object is left for the protocol layer to refuse as it is.
    if (msg.params !== undefined && !isPlainObject(msg.params)) continue;
    const params = (msg.params ?? {}) as Record<string, unknown>;
    if (params._meta !== undefined && !isPlainObject(params._meta)) continue;
    const own = (params._meta ?? {}) as Record<string, unknown>;
    if (own.traceparent !== undefined) continue;
    msg.params = {
      ...params,
      _meta: {
        ...own,
        traceparent,
        ...(state !== undefined && own.tracestate === undefined && { tracestate: state }),
      },
    };
  }
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
