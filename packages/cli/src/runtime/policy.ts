import type { Catalog, Interceptor, Logger, SqlClient, VisibilityFilter } from '@mcpgate/core';
import type { GatewayConfig } from '@mcpgate/config';
import type { AuditRecorder } from '@mcpgate/audit';
import {
  auditSinkFromRecorder,
  GrantService,
  PolicyRuntime,
  SqlGrantStore,
  SqlPinStore,
  SqlRateCounter,
  ToolPinning,
  type ApprovalGate,
} from '@mcpgate/policy';
import { policyBuildOptions } from './policy-secrets.js';

export interface PolicyParts {
  readonly runtime: PolicyRuntime;
  readonly grants: GrantService;
  readonly pinning: ToolPinning;
  steps(): Interceptor[];
  visibility(): VisibilityFilter;
}

/**
 * Policy with its long-lived services: grants, tool pins and rate-limit counters live in the store
 * (shared by replicas); the engine itself is immutable and swapped whole on reload.
 */
export function createPolicy(
  config: GatewayConfig,
  deps: {
    sql: SqlClient;
    recorder: AuditRecorder;
    approvals: ApprovalGate;
    catalog: () => Catalog;
  },
): PolicyParts {
  const audit = auditSinkFromRecorder(deps.recorder);
  // Pinning and grants read the policy lazily (it is created after them and swapped on reload).
  const box: { runtime?: PolicyRuntime } = {};
  const current = (): PolicyRuntime => {
    if (!box.runtime) throw new Error('policy runtime used before it was built');
    return box.runtime;
  };
  const pinning = new ToolPinning({
    store: new SqlPinStore(deps.sql),
    audit,
    mode: (upstream) => current().pinningMode(upstream),
    catalog: deps.catalog,
  });
  const grants = new GrantService({
    store: new SqlGrantStore(deps.sql),
    engine: () => current().current,
    audit,
  });
  const created = PolicyRuntime.create(config.policy, {
    ...policyBuildOptions(),
    approvals: deps.approvals,
    grants,
    rateCounter: new SqlRateCounter(deps.sql),
    pinning,
  });
  if (!created.ok) throw new Error(`policy is invalid:\n${created.errors.join('\n')}`);
  box.runtime = created.runtime;
  return {
    runtime: created.runtime,
    grants,
    pinning,
    steps: () => current().steps(),
    visibility: () => current().visibility(),
  };
}

export function logPolicyError(logger: Logger, what: string) {
  return (err: unknown, upstream?: string): void =>
    logger.error({ err: err instanceof Error ? err.message : String(err), upstream }, what);
}
