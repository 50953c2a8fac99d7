import { createLogStep, Gateway, type Interceptor, type Logger } from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import type { SessionHooks } from '@mcpgate/faces';
import { createUpstreamPool } from '@mcpgate/upstream';
import { VERSION } from '../version.js';

export interface Runtime {
  readonly gateway: Gateway;
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Every face calls these when a downstream session opens/closes (the audit records sessions). */
  readonly hooks: SessionHooks;
  /** Flushes the audit, closes sessions, upstreams and the store, in that order. Idempotent. */
  close(): Promise<void>;
}

/**
 * The composition root: the one place that decides the chain's order. Order and why:
 *   outer: log (sees everything, times everything) ▸ audit (records every outcome, refusals included)
 *   route (core: resolves namespaced names; unknown names are refused here, after being audited)
 *   inner: authorize (policy) ▸ approval gate ▸ mask (response side) ▸ audit-ahead (last: the durable
 *          request record is written only for calls that will really be forwarded, and right before)
 */
export async function composeRuntime(config: GatewayConfig, logger: Logger): Promise<Runtime> {
  const pool = createUpstreamPool({
    specs: config.upstreams,
    logger: logger.child({ component: 'upstream' }),
    clientInfo: { name: 'mcpgate', version: VERSION },
  });
  const outer: Interceptor[] = [createLogStep(logger.child({ component: 'chain' }))];
  const inner: Interceptor[] = [];
  const gateway = new Gateway({ pool, steps: { outer, inner }, naming: config.naming, logger });
  await gateway.start();
  for (const s of pool.status()) {
    if (s.state === 'failed')
      logger.error(
        { upstream: s.name, reason: s.lastError },
        'upstream failed to start; its tools are absent',
      );
  }
  let closing: Promise<void> | undefined;
  return {
    gateway,
    config,
    logger,
    hooks: {},
    close: () => (closing ??= gateway.close()),
  };
}
