import { AsyncLocalStorage } from 'node:async_hooks';
import type { TraceContext } from '@mcpgate/core';

/** The fetch signature the SDK's HTTP client transports take. */
type Fetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

/**
 * The trace context of the upstream request being sent. The SDK gives a request no per-call HTTP
 * headers, so the context rides in async-local storage from `request()` down to the transport's
 * fetch — entered only for a traced call to an HTTP upstream, so an untraced call pays nothing.
 */
const current = new AsyncLocalStorage<TraceContext>();

/** Runs `send` (one upstream request) with `trace` in scope for `traceHeadersFetch`. */
export function withTraceHeaders<T>(trace: TraceContext | undefined, send: () => T): T {
  return trace ? current.run(trace, send) : send();
}

/**
 * Adds the W3C `traceparent` / `tracestate` headers of the request in scope (see above), so an
 * HTTP upstream and anything between (a proxy, a load balancer) join the call's trace the way HTTP
 * services expect; the same context is also in the message's `_meta`. Requests outside a traced
 * call (the connection's own initialize, its event stream) go out unchanged.
 */
export function traceHeadersFetch(base: Fetch): Fetch {
  return (url, init) => {
    const trace = current.getStore();
    if (!trace) return base(url, init);
    const headers = new Headers(init?.headers);
    headers.set('traceparent', trace.traceparent);
    if (trace.tracestate) headers.set('tracestate', trace.tracestate);
    else headers.delete('tracestate');
    return base(url, { ...init, headers });
  };
}
