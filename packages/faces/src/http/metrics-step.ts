import { CONTINUE, type CallContext, type Interceptor } from '@mcpgate/core';
import type { GatewayMetrics } from './metrics.js';

/**
 * An `outer` chain step that counts every call by method and outcome, records the policy decision
 * (left in `ctx.notes.decision` by the authorize step) and observes the latency. Put it first in
 * `outer` so its time covers the whole chain, refusals included.
 */
export function createMetricsStep(metrics: GatewayMetrics): Interceptor {
  const started = new WeakMap<CallContext, bigint>();
  return {
    name: 'metrics',
    // Counting must never refuse a call.
    failMode: 'open',
    onRequest(ctx) {
      started.set(ctx, process.hrtime.bigint());
      return CONTINUE;
    },
    onResponse(ctx, outcome) {
      const t0 = started.get(ctx);
      const method = ctx.method;
      metrics.calls.inc({ method, outcome: outcome.kind === 'result' ? 'ok' : outcome.error.code });
      if (ctx.notes.decision) metrics.decisions.inc({ action: ctx.notes.decision.action });
      if (t0 !== undefined) {
        metrics.callSeconds.observe({ method }, Number(process.hrtime.bigint() - t0) / 1e9);
      }
      return CONTINUE;
    },
  };
}
