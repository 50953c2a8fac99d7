import type { ApprovalRecord } from './types.js';
import { approvalsOf } from './types.js';

/**
 * The recorder surface used (structurally: @mcpgate/audit's `AuditRecorder.append`), so approval
 * events land in the same hash chains as the calls they govern.
 */
export interface ApprovalAuditLog {
  append(input: {
    readonly type: string;
    readonly sessionId?: string;
    readonly correlationId?: string;
    readonly subject?: string;
    readonly groups?: readonly string[];
    readonly method?: string;
    readonly upstream?: string;
    readonly target?: string;
    readonly decision?: string;
    readonly outcome?: string;
    readonly body: Readonly<Record<string, unknown>>;
  }): Promise<unknown>;
}

/** Event types approvals emit. Stable: audit queries and replay key on them. */
export const APPROVAL_EVENTS = {
  requested: 'approval.requested',
  notified: 'approval.notified',
  decision: 'approval.decision',
  executed: 'approval.executed',
  expired: 'approval.expired',
  cancelled: 'approval.cancelled',
} as const;

export type ApprovalEventType = (typeof APPROVAL_EVENTS)[keyof typeof APPROVAL_EVENTS];

/**
 * One approval event. It carries the requesting call's session and correlation ids, so a session's
 * replay shows the approval's whole life next to the call; `subject` is who acted.
 */
export function approvalEvent(
  type: ApprovalEventType,
  a: ApprovalRecord,
  actor: string,
  extra: Readonly<Record<string, unknown>> = {},
): Parameters<ApprovalAuditLog['append']>[0] {
  return {
    type,
    ...(a.sessionId !== undefined ? { sessionId: a.sessionId } : {}),
    ...(a.correlationId !== undefined ? { correlationId: a.correlationId } : {}),
    subject: actor,
    method: a.method,
    upstream: a.upstream,
    target: a.tool,
    outcome: a.status,
    body: {
      approvalId: a.id,
      status: a.status,
      requester: a.requester,
      rule: a.rule,
      policyVersion: a.policyVersion,
      argsHash: a.argsHash,
      reviewers: [...a.reviewers],
      required: a.required,
      approvals: approvalsOf(a),
      mode: a.mode,
      uses: a.uses,
      used: a.used,
      expiresAt: a.expiresAt.toISOString(),
      useBy: a.useBy?.toISOString(),
      ...extra,
    },
  };
}
