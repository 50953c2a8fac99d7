import { createLogStep, Gateway, type Interceptor, type Logger } from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import type { SessionHooks } from '@mcpgate/faces';
import { createUpstreamPool } from '@mcpgate/upstream';
import { createAuditSteps, type Store } from '@mcpgate/audit';
import { openAudit } from './audit.js';
import { VERSION } from '../version.js';

export interface Runtime {
  readonly gateway: Gateway;
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Every face calls these when a downstream session opens/closes (the audit records sessions). */
  readonly hooks: SessionHooks;
  /** The audit store (Postgres or embedded PGlite); other concerns keep their state in it too. */
  readonly store: Store;
  /** Flushes the audit, closes sessions, upstreams and the store, in that order. Idempotent. */
  close(): Promise<void>;
}

/** Extras a face contributes to the chain (kept apart so faces never reorder the steps above). */
export interface ComposeOptions {
  /** Put first in `outer` so they see and time everything (the HTTP face's metrics step). */
  readonly outerFirst?: readonly Interceptor[];
}

/**
 * The composition root: the one place that decides the chain's order. Order and why:
 *   outer: log (sees everything, times everything) ▸ audit (records every outcome, refusals included)
 *   route (core: resolves namespaced names; unknown names are refused here, after being audited)
 *   inner: authorize (policy) ▸ approval gate ▸ mask (response side) ▸ audit-ahead (last: the durable
 *          request record is written only for calls that will really be forwarded, and right before)
 */
export async function composeRuntime(
  config: GatewayConfig,
  logger: Logger,
  options: ComposeOptions = {},
): Promise<Runtime> {
  const audit = await openAudit(config, logger, VERSION);
  const auditSteps = createAuditSteps(audit.recorder);
  const pool = createUpstreamPool({
    specs: config.upstreams,
    logger: logger.child({ component: 'upstream' }),
    clientInfo: { name: 'mcpgate', version: VERSION },
  });
  const outer: Interceptor[] = [
    ...(options.outerFirst ?? []),
    createLogStep(logger.child({ component: 'chain' })),
    auditSteps.outer,
  ];
  const inner: Interceptor[] = [auditSteps.inner];
  const gateway = new Gateway({ pool, steps: { outer, inner }, naming: config.naming, logger });
  try {
    await gateway.start();
  } catch (err) {
    await gateway.close().catch(() => undefined);
    await audit.close();
    throw err;
  }
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
    store: audit.store,
    hooks: {
      onSessionOpen: (info) => audit.recorder.sessionStarted(info),
      onSessionClose: (info) => audit.recorder.sessionEnded(info.id),
    },
    // Sessions and upstreams first (in-flight calls finish and get their response records),
    // then the recorder flushes and signs a final checkpoint, then the store closes.
    close: () =>
      (closing ??= (async () => {
        await gateway.close();
        await audit.close();
      })()),
  };
}
