import { approvalsOf, type ApprovalRecord } from './types.js';

/**
 * The public JSON shape of an approval: admin API responses, webhook payloads and `--json` CLI
 * output all use it, so a web inbox and scripts see one format.
 */
export function approvalJson(a: ApprovalRecord): Record<string, unknown> {
  return {
    id: a.id,
    status: a.status,
    requester: a.requester,
    requesterName: a.requesterName ?? null,
    requesterGroups: [...a.requesterGroups],
    method: a.method,
    upstream: a.upstream,
    tool: a.tool,
    arguments: a.argsSummary,
    argsHash: a.argsHash,
    rule: a.rule ?? null,
    policyVersion: a.policyVersion ?? null,
    reviewers: [...a.reviewers],
    required: a.required,
    approvals: approvalsOf(a),
    allowSelfApproval: a.allowSelf,
    mode: a.mode,
    uses: a.uses,
    used: a.used,
    sessionId: a.sessionId ?? null,
    correlationId: a.correlationId ?? null,
    createdAt: a.createdAt.toISOString(),
    expiresAt: a.expiresAt.toISOString(),
    decidedAt: a.decidedAt?.toISOString() ?? null,
    useBy: a.useBy?.toISOString() ?? null,
    closedReason: a.closedReason ?? null,
    decisions: a.decisions.map((d) => ({
      reviewer: d.reviewer,
      reviewerName: d.reviewerName ?? null,
      decision: d.decision,
      reason: d.reason ?? null,
      channel: d.channel,
      decidedAt: d.decidedAt.toISOString(),
    })),
  };
}
