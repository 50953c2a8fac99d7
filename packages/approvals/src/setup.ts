import type { ApprovalsSection } from '@mcpgate/config';
import type { Logger, SqlClient } from '@mcpgate/core';
import { createApprovalsAdminHandler, type AdminHandler } from './admin/handler.js';
import type { ApprovalAuditLog } from './events.js';
import { ApprovalGate } from './gate.js';
import { ApprovalService } from './service.js';
import { WebhookNotifier } from './webhooks/notifier.js';

/** The loaded `approvals` section (durations in ms, secret references resolved): config's type. */
export type ApprovalsConfig = ApprovalsSection;

export interface ApprovalsRuntime {
  readonly service: ApprovalService;
  /** Pass as `approvals` in @mcpgate/policy's `createAuthorizeSteps(engine, { approvals: gate })`. */
  readonly gate: ApprovalGate;
  /** Mount on the HTTP face after authentication. */
  readonly adminHandler: AdminHandler;
  close(): Promise<void>;
}

export interface ApprovalsDeps {
  readonly sql: SqlClient;
  /** The gateway's audit recorder (`AuditRecorder` from @mcpgate/audit). */
  readonly audit: ApprovalAuditLog;
  readonly logger?: Logger;
  /** Overrides for tests (sweep and poll cadence). */
  readonly sweepIntervalMs?: number;
  readonly pollIntervalMs?: number;
  /** Masks what reviewers see of the arguments (see `ApprovalServiceOptions.redactArguments`). */
  readonly redactArguments?: (args: unknown) => unknown;
}

/** Everything a gateway needs for approvals, built from its config. Starts listening for decisions. */
export async function startApprovals(
  config: ApprovalsConfig,
  deps: ApprovalsDeps,
): Promise<ApprovalsRuntime> {
  const notifier =
    config.webhooks.length > 0
      ? new WebhookNotifier({
          targets: config.webhooks,
          ...(config.adminBaseUrl !== undefined ? { adminBaseUrl: config.adminBaseUrl } : {}),
          maxAttempts: config.delivery.maxAttempts,
          initialBackoffMs: config.delivery.initialBackoff,
          maxBackoffMs: config.delivery.maxBackoff,
          timeoutMs: config.delivery.timeout,
        })
      : undefined;
  const service = new ApprovalService({
    sql: deps.sql,
    audit: deps.audit,
    ...(notifier ? { notifier } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    defaultTimeoutMs: config.defaults.timeout,
    deferWindowMs: config.defaults.deferWindow,
    uses: config.defaults.uses,
    ...(deps.sweepIntervalMs !== undefined ? { sweepIntervalMs: deps.sweepIntervalMs } : {}),
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
    ...(deps.redactArguments ? { redactArguments: deps.redactArguments } : {}),
  });
  await service.start();
  return {
    service,
    gate: new ApprovalGate(service, { progressIntervalMs: config.progressInterval }),
    adminHandler: createApprovalsAdminHandler(service),
    close: () => service.close(),
  };
}
