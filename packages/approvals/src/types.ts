/**
 * What a policy rule asks of an approval. Structurally identical to @mcpgate/policy's
 * `ApprovalRequirement`, so the policy step's decision is accepted as is (no import: approvals
 * depends only on core).
 */
export interface ApprovalRule {
  /** Groups whose members may decide. */
  readonly reviewers: readonly string[];
  /** Distinct people who must approve. */
  readonly approvals: number;
  readonly timeoutMs: number;
  readonly mode: 'wait' | 'defer';
  readonly allowSelfApproval: boolean;
}

/** The part of a policy decision the gate reads (policy's `PolicyDecision & { approval }`). */
export interface HoldDecision {
  readonly rule?: string;
  readonly policyVersion?: string;
  readonly reason?: string;
  readonly approval: ApprovalRule;
}

export type ApprovalStatus = 'requested' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'executed';

export const APPROVAL_STATUSES: readonly ApprovalStatus[] = [
  'requested',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'executed',
];

/** Where a decision came from; recorded on the decision and in its audit event. */
export type DecisionChannel = 'cli-local' | 'cli-remote' | 'admin-api' | 'webhook' | 'web' | (string & {});

export interface ApprovalDecision {
  readonly reviewer: string;
  readonly reviewerName?: string;
  readonly decision: 'approve' | 'deny';
  readonly reason?: string;
  readonly channel: DecisionChannel;
  readonly decidedAt: Date;
}

/** One approval request as stored, with its decisions so far. */
export interface ApprovalRecord {
  readonly id: string;
  readonly requester: string;
  readonly requesterName?: string;
  readonly requesterGroups: readonly string[];
  readonly sessionId?: string;
  readonly correlationId?: string;
  readonly method: string;
  readonly upstream: string;
  readonly tool: string;
  /** `canonicalHash` of the call's arguments: the approval covers exactly these. */
  readonly argsHash: string;
  /** Canonical JSON of the arguments, cut for display (what reviewers see). */
  readonly argsSummary: string;
  readonly rule?: string;
  readonly policyVersion?: string;
  readonly reviewers: readonly string[];
  readonly required: number;
  readonly allowSelf: boolean;
  readonly mode: 'wait' | 'defer';
  readonly uses: number;
  readonly used: number;
  readonly status: ApprovalStatus;
  readonly createdAt: Date;
  /** Decision deadline: still `requested` at this time means expired. */
  readonly expiresAt: Date;
  readonly decidedAt?: Date;
  /** After approval: the approved call must run before this time (defer retry window). */
  readonly useBy?: Date;
  /** Why it was denied/expired/cancelled. */
  readonly closedReason?: string;
  readonly decisions: readonly ApprovalDecision[];
}

/** Count of distinct approving reviewers (the table's key makes one row per person). */
export function approvalsOf(a: ApprovalRecord): number {
  return a.decisions.filter((d) => d.decision === 'approve').length;
}
