import type { CallContext, CallTarget, Identity, RequestVerdict } from '@mcpgate/core';
import type { ApprovalRequirement, PolicyDecision } from '../types.js';

/**
 * Implemented by the approvals package. The authorize step calls `hold` for a `require_approval`
 * decision; it resolves `continue` only once the call is approved (wait mode), or a reject verdict
 * (denied, timed out, or in defer mode the approval id to retry with). Without a gate the step
 * refuses such calls with `approval_required` (fail-closed).
 */
export interface ApprovalGate {
  hold(
    ctx: CallContext,
    decision: PolicyDecision & { readonly approval: ApprovalRequirement },
  ): Promise<RequestVerdict>;
}

/** An active just-in-time grant, as the authorize step needs it. */
export interface ActiveGrant {
  readonly id: string;
  readonly expiresAt: Date;
}

/** Implemented by the grant service (grants/service.ts) over its store. */
export interface GrantLookup {
  activeGrant(
    identity: Identity,
    upstream: string,
    tool: string | undefined,
    now: Date,
  ): Promise<ActiveGrant | undefined>;
}

export type RateVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly limit: string; readonly retryAfterMs: number; readonly message: string };

/** Implemented by the rate limiter (ratelimit/limiter.ts). */
export interface RateLimitGuard {
  check(identity: Identity, method: string, target: CallTarget, now: Date): Promise<RateVerdict>;
}

/** Implemented by tool pinning (pinning/guard.ts): a changed or new definition in block mode. */
export interface PinningGuard {
  blocks(target: CallTarget): boolean;
}
