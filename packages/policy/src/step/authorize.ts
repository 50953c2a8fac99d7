import {
  CONTINUE,
  GatewayError,
  reject,
  type CallContext,
  type Interceptor,
  type RequestVerdict,
} from '@mcpgate/core';
import type { PolicyEngine } from '../engine.js';
import { formatDuration } from '@mcpgate/config';
import type { PolicyDecision } from '../types.js';
import { confirmWithCaller } from './confirm.js';
import { catalogKindOf, notFoundError } from './hidden.js';
import type { ApprovalGate, GrantLookup, PinningGuard, RateLimitGuard } from './hooks.js';
import { inputFromCall } from './input.js';
import { authorizeUpstream } from './upstream.js';

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

/** What a later step acts on: the policy step's decision for this call. */
function decisionOf(ctx: CallContext): PolicyDecision | undefined {
  return ctx.notes.decision as PolicyDecision | undefined;
}

/**
 * The authorize steps, each with its own name, timing and (fail-closed) fail mode: anything thrown
 * refuses the call. The `policy` step also decides what upstreams start (its upstream-side hook).
 */
export function createAuthorizeSteps(engine: PolicyEngine, deps: PolicyStepDeps = {}): Interceptor[] {
  const clock = deps.clock ?? (() => new Date());
  const pinning: Interceptor = {
    name: 'pinning',
    failMode: 'closed',
    onRequest(ctx) {
      const kind = catalogKindOf(ctx.target);
      if (!kind || !deps.pinning?.blocks(ctx.target)) return CONTINUE;
      ctx.notes.decision = {
        action: 'deny',
        rule: 'pinning',
        reason: 'tool definition changed or new and not yet approved (pinning: block)',
        policyVersion: engine.version,
      };
      return reject(notFoundError(ctx.target)!);
    },
  };

  const policy: Interceptor = {
    name: 'policy',
    failMode: 'closed',
    onRequest(ctx) {
      const decision = engine.evaluate(inputFromCall(ctx, clock()));
      ctx.notes.decision = decision;
      if (decision.action !== 'deny') return CONTINUE;
      const kind = catalogKindOf(ctx.target);
      if (kind && engine.isHidden(ctx.session.identity, kind, ctx.target)) {
        // The caller is told the name does not exist; the record and the log say why.
        ctx.notes.decision = {
          ...decision,
          reason: `hidden from this caller, who may never call it (${decision.reason ?? 'denied'})`,
        };
        return reject(notFoundError(ctx.target)!);
      }
      return reject(denied(decision));
    },
    onUpstream: (msg) =>
      authorizeUpstream(engine, { clock, ...(deps.approvals ? { approvals: deps.approvals } : {}) }, msg),
  };

  const rateLimit: Interceptor = {
    name: 'rate-limit',
    failMode: 'closed',
    // Synchronous when no limits are configured: the chain awaits only a promise.
    onRequest(ctx) {
      const limits = deps.rateLimits;
      if (!limits) return CONTINUE;
      return (async () => {
        const rate = await limits.check(ctx.session.identity, ctx.method, ctx.target, clock());
        if (rate.ok) return CONTINUE;
        return reject(
          new GatewayError('rate_limited', rate.message, {
            data: { limit: rate.limit, retryAfterMs: rate.retryAfterMs },
          }),
        );
      })();
    },
  };

  const confirm: Interceptor = {
    name: 'confirm',
    failMode: 'closed',
    onRequest(ctx) {
      const decision = decisionOf(ctx);
      if (decision?.action !== 'confirm') return CONTINUE;
      return confirmWithCaller(ctx, decision).then(() => CONTINUE);
    },
  };

  const grant: Interceptor = {
    name: 'grant',
    failMode: 'closed',
    onRequest(ctx) {
      const decision = decisionOf(ctx);
      if (decision?.action !== 'require_grant') return CONTINUE;
      return checkGrant(ctx, decision, deps.grants, clock());
    },
  };

  const approval: Interceptor = {
    name: 'approval',
    failMode: 'closed',
    onRequest(ctx) {
      const decision = decisionOf(ctx);
      if (decision?.action !== 'require_approval') return CONTINUE;
      const requirement = decision.approval;
      if (!deps.approvals || !requirement) {
        return reject(
          new GatewayError(
            'approval_required',
            `policy rule "${decision.rule ?? 'default'}" requires a human approval for this call, and approvals are not enabled on this gateway, so it was refused`,
            { data: { rule: decision.rule } },
          ),
        );
      }
      // The gate holds the call (wait), or answers it at once with the approval id (defer).
      return deps.approvals.hold(ctx, { ...decision, approval: requirement });
    },
  };

  return [pinning, policy, rateLimit, confirm, grant, approval];
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
