import {
  arrangeChain,
  createLogStep,
  Gateway,
  type ChainSteps,
  type Interceptor,
  type Logger,
} from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import type { SessionHooks } from '@mcpgate/faces';
import { createUpstreamPool } from '@mcpgate/upstream';
import { createAuditSteps, type AuditReader, type AuditStats, type Store } from '@mcpgate/audit';
import { startApprovals, type ApprovalsRuntime } from '@mcpgate/approvals';
import { createArgumentMaskingStep, createMaskingStep, Masker } from '@mcpgate/masking';
import { VERSION } from '../version.js';
import { openAudit } from './audit.js';
import type { AuditOutletStats } from './audit-outlet-metrics.js';
import { createPolicy, logPolicyError, type PolicyParts } from './policy.js';
import type { UserTokenBroker } from '@mcpgate/auth';
import {
  createUserTokenBroker,
  oauthAuditRecord,
  userOAuthAuditRecord,
  withUpstreamOAuth,
} from './upstream-oauth.js';

export interface Runtime {
  readonly gateway: Gateway;
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** Every face calls these when a downstream session opens/closes (the audit records sessions). */
  readonly hooks: SessionHooks;
  /** The audit store (Postgres or embedded PGlite); other concerns keep their state in it too. */
  readonly store: Store;
  readonly policy: PolicyParts;
  readonly approvals: ApprovalsRuntime;
  /** Users' connections to per-user OAuth upstreams (`grant: authorization_code`), when any. */
  readonly oauth: UserTokenBroker | undefined;
  /** How far the durable audit record is behind (for `/metrics`). */
  auditStats(): AuditStats;
  /** Records a `gateway.defect` event (the process guard's unexpected errors). Never rejects. */
  recordDefect(kind: string, err: unknown): Promise<void>;
  /** Checkpoint witnesses and SIEM sinks (for `/metrics`). */
  auditOutlets(): AuditOutletStats;
  /** Records a read of the audit trail (`audit.read`), durably, before the read runs. */
  recordAuditRead(
    reader: AuditReader,
    action: string,
    filters: Readonly<Record<string, unknown>>,
  ): Promise<void>;
  /**
   * Applies a new config's policy and masking without dropping sessions. An invalid policy is
   * rejected with its errors and the running one stays. Upstream and store changes need a restart.
   */
  reload(next: GatewayConfig): { ok: true; version: string } | { ok: false; errors: readonly string[] };
  /** Flushes the audit, closes sessions, upstreams and the store, in that order. Idempotent. */
  close(): Promise<void>;
}

export interface ComposeOptions {
  /** More outer steps (the HTTP face's metrics step); CHAIN_ORDER places them. */
  readonly outerFirst?: readonly Interceptor[];
  /**
   * Whether this process serves `/oauth/callback` (`mcpgate serve`). Per-user OAuth upstreams need
   * it: the browser returns there to the process that started the authorization.
   */
  readonly servesOAuthCallback?: boolean;
}

/**
 * The composition root: builds the runtime and hands every chain step to `arrangeChain`, which
 * places them by core's CHAIN_ORDER — the one declaration of the order and why (printed by
 * `mcpgate policy explain --steps`, shown in docs/architecture.md).
 */
export async function composeRuntime(
  config: GatewayConfig,
  logger: Logger,
  options: ComposeOptions = {},
): Promise<Runtime> {
  const audit = await openAudit(config, logger, VERSION);
  const cleanups: Array<() => Promise<void> | void> = [() => audit.close()];
  const unwind = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const auditSteps = createAuditSteps(audit.recorder);
    const approvals = await startApprovals(config.approvals, {
      sql: audit.store,
      audit: audit.recorder,
      logger: logger.child({ component: 'approvals' }),
    });
    cleanups.push(() => approvals.close());

    const perUser = config.upstreams.filter((u) => u.oauth?.grant === 'authorization_code');
    if (perUser.length > 0 && options.servesOAuthCallback !== true) {
      throw new Error(
        `upstream "${perUser[0]!.name}" has oauth.grant "authorization_code", which needs mcpgate serve: the user's browser returns to its /oauth/callback (run mcpgate serve, and mcpgate connect from clients)`,
      );
    }
    const oauth = createUserTokenBroker(config, {
      sql: audit.store,
      logger: logger.child({ component: 'oauth' }),
      onEvent: (event) => audit.recorder.recordOAuth(userOAuthAuditRecord(event)),
    });
    // Stopped after the gateway (cleanups run in reverse) and before the audit closes: a refresh
    // under way still gets its audit record.
    if (oauth) cleanups.push(() => oauth.close());
    const pool = createUpstreamPool({
      specs: withUpstreamOAuth(
        config.upstreams,
        (event) => audit.recorder.recordOAuth(oauthAuditRecord(event)),
        oauth,
        (event) => audit.recorder.recordOAuth(userOAuthAuditRecord(event, 'token_exchange')),
        (stop) => cleanups.push(stop),
      ),
      logger: logger.child({ component: 'upstream' }),
      clientInfo: { name: 'mcpgate', version: VERSION },
    });
    const box: { gateway?: Gateway } = {};
    const policy = createPolicy(config, {
      sql: audit.store,
      recorder: audit.recorder,
      approvals: approvals.gate,
      catalog: () => {
        if (!box.gateway) throw new Error('catalog read before the gateway exists');
        return box.gateway.currentCatalog();
      },
    });

    let masker = new Masker(config.masking);
    const fixed: Interceptor[] = [
      auditSteps.outer,
      ...(options.outerFirst ?? []),
      createLogStep(logger.child({ component: 'chain' })),
      auditSteps.inner,
    ];
    const chain = (): ChainSteps =>
      arrangeChain([
        ...fixed,
        ...policy.steps(),
        createArgumentMaskingStep(masker),
        createMaskingStep(masker, { logger: logger.child({ component: 'masking' }) }),
      ]);

    await policy.pinning.start();
    // Loaded only when on: with tracing off no OpenTelemetry module is even imported.
    const tracing = config.tracing.enabled
      ? (await import('./tracing.js')).createTracing(
          config.tracing,
          VERSION,
          logger.child({ component: 'tracing' }),
        )
      : undefined;
    // Registered before the gateway's close, so it runs after it: the last calls' spans go out.
    if (tracing) cleanups.push(() => tracing.shutdown());
    const gateway = new Gateway({
      pool,
      steps: chain(),
      naming: config.naming,
      logger,
      visibility: policy.visibility(),
      onTraffic: (note) => audit.recorder.recordNotification(note),
      ...(tracing && { tracer: tracing.tracer }),
    });
    box.gateway = gateway;
    cleanups.push(() => gateway.close());
    await gateway.start();
    await policy.pinning.attach(gateway.pool, logPolicyError(logger, 'tool pinning failed'));
    const stopSweeper = policy.grants.startSweeper(60_000, logPolicyError(logger, 'grant sweep failed'));
    cleanups.push(() => stopSweeper());
    for (const s of pool.status()) {
      if (s.state === 'failed') {
        logger.error(
          { upstream: s.name, reason: s.lastError },
          'upstream failed to start; its tools are absent',
        );
      }
    }

    let closing: Promise<void> | undefined;
    return {
      gateway,
      config,
      logger,
      store: audit.store,
      auditStats: () => audit.recorder.stats(),
      recordDefect: (kind, err) => audit.recorder.recordDefect(kind, err),
      auditOutlets: () => ({ witness: audit.witness?.stats() ?? [], sinks: audit.sinks?.stats() ?? [] }),
      recordAuditRead: (reader, action, filters) => audit.recorder.recordRead(reader, action, filters),
      policy,
      approvals,
      oauth,
      hooks: {
        onSessionOpen: (info) => audit.recorder.sessionStarted(info),
        onSessionClose: (info) => audit.recorder.sessionEnded(info.id),
        onSecurityEvent: (e) => audit.recorder.recordSecurity(e),
      },
      reload(next) {
        const r = policy.runtime.reload(next.policy);
        if (!r.ok) return { ok: false, errors: r.errors };
        masker = new Masker(next.masking);
        gateway.setSteps(chain(), policy.visibility());
        if (r.changed) gateway.announceListsChanged();
        return { ok: true, version: r.version };
      },
      // Approvals first (held requests stay pending in the store for a restart instead of being
      // cancelled), then sessions and upstreams (in-flight calls finish and get their response
      // records), then the recorder flushes and signs a final checkpoint, then the store.
      close: () =>
        (closing ??= (async () => {
          await approvals
            .close()
            .catch((err: unknown) => logger.error({ err: String(err) }, 'approvals close failed'));
          await unwind();
        })()),
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
