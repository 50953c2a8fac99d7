import {
  CONTINUE,
  GatewayError,
  reject,
  type CallContext,
  type Interceptor,
  type RequestVerdict,
} from '@mcpgate/core';
import type { PolicyEngine } from '../engine.js';
import { formatDuration } from '../match/duration.js';
import type { PolicyDecision } from '../types.js';
import { confirmWithCaller } from './confirm.js';
import { catalogKindOf, notFoundError } from './hidden.js';
import type { ApprovalGate, GrantLookup, PinningGuard, RateLimitGuard } from './hooks.js';
import { inputFromCall } from './input.js';

export interface PolicyStepDeps {
  /** Injected for tests (grant expiry, time windows). Default: the system clock. */
  readonly clock?: () => Date;
  /** The approvals package's gate. Without one, require_approval refuses (fail-closed). */
  readonly approvals?: ApprovalGate;
  /** Grants store lookup. Without one, require_grant refuses. */
  readonly grants?: GrantLookup;
  readonly rateLimits?: RateLimitGuard;
  readonly pinning?: PinningGuard;
}

/**
 * The `authorize` step (inner chain, after routing): decides the call, stores the decision in
 * `ctx.notes.decision` for the audit record, and acts on it. Order inside the step:
 * pinning (a blocked definition is hidden) → policy decision (a deny on something the caller
 * may never call answers like a missing name) → rate limits (only for calls that could run) →
 * confirm / approval / grant. Fail-closed: anything thrown refuses the call.
 */
export function createPolicyStep(engine: PolicyEngine, deps: PolicyStepDeps = {}): Interceptor {
  const clock = deps.clock ?? (() => new Date());
  return {
    name: 'authorize',
    failMode: 'closed',
    async onRequest(ctx: CallContext): Promise<RequestVerdict> {
      const now = clock();
      const { target } = ctx;
      const kind = catalogKindOf(target);

      if (kind && deps.pinning?.blocks(target)) {
        ctx.notes.decision = {
          action: 'deny',
          rule: 'pinning',
          reason: 'tool definition changed or new and not yet approved (pinning: block)',
          policyVersion: engine.version,
        };
        return reject(notFoundError(target)!);
      }

      const decision = engine.evaluate(inputFromCall(ctx, now));
      ctx.notes.decision = decision;

      if (decision.action === 'deny') {
        if (kind && engine.isHidden(ctx.session.identity, kind, target)) {
          // The caller is told the name does not exist; the record and the log say why.
          ctx.notes.decision = {
            ...decision,
            reason: `hidden from this caller, who may never call it (${decision.reason ?? 'denied'})`,
          };
          return reject(notFoundError(target)!);
        }
        return reject(denied(decision));
      }

      if (deps.rateLimits) {
        const rate = await deps.rateLimits.check(ctx.session.identity, ctx.method, target, now);
        if (!rate.ok) {
          return reject(
            new GatewayError('rate_limited', rate.message, {
              data: { limit: rate.limit, retryAfterMs: rate.retryAfterMs },
            }),
          );
        }
      }

      switch (decision.action) {
        case 'allow':
          return CONTINUE;
        case 'confirm':
          await confirmWithCaller(ctx, decision);
          return CONTINUE;
        case 'require_approval': {
          const approval = decision.approval;
          if (!deps.approvals || !approval) {
            return reject(
              new GatewayError(
                'approval_required',
                `policy rule "${decision.rule ?? 'default'}" requires a human approval for this call, and approvals are not enabled on this gateway, so it was refused`,
                { data: { rule: decision.rule } },
              ),
            );
          }
          return deps.approvals.hold(ctx, { ...decision, approval });
        }
        case 'require_grant':
          return checkGrant(ctx, decision, deps.grants, now);
      }
    },
  };
}

function denied(decision: PolicyDecision): GatewayError {
  const why =
    decision.message ??
    (decision.rule ? `denied by policy rule "${decision.rule}"` : 'denied by the default policy');
  return new GatewayError('policy_denied', why, {
    data: { rule: decision.rule ?? 'default', reason: decision.reason },
  });
}

async function checkGrant(
  ctx: CallContext,
  decision: PolicyDecision,
  grants: GrantLookup | undefined,
  now: Date,
): Promise<RequestVerdict> {
  const upstream = ctx.target.upstream ?? '';
  const tool = ctx.target.name;
  const rule = decision.rule ?? 'default';
  if (grants) {
    const grant = await grants.activeGrant(ctx.session.identity, upstream, tool, now);
    if (grant) {
      ctx.notes.extra.grantId = grant.id;
      return CONTINUE;
    }
  }
  const max = decision.grant ? formatDuration(decision.grant.maxDurationMs) : undefined;
  const hint = `mcpgate access request --upstream ${upstream}${tool ? ` --tool ${tool}` : ''} --duration ${max ?? '30m'} --reason "…"`;
  return reject(
    new GatewayError(
      'grant_required',
      `policy rule "${rule}" allows this call only with an active just-in-time grant${grants ? '' : ' (grants are not enabled on this gateway)'}; request one with: ${hint}`,
      {
        data: {
          rule,
          upstream,
          ...(tool !== undefined ? { tool } : {}),
          ...(max !== undefined ? { maxDuration: max } : {}),
          reviewers: decision.grant?.reviewers ?? [],
        },
      },
    ),
  );
}
