import {
  canonicalHash,
  CONTINUE,
  GatewayError,
  reject,
  type CallContext,
  type JsonObject,
  type RequestVerdict,
} from '@mcpgate/core';
import type { ApprovalService } from './service.js';
import type { ApprovalBinding } from './store.js';
import { approvalsOf, type ApprovalRecord, type HoldDecision } from './types.js';
import { waitForDecision } from './wait.js';

export interface ApprovalGateOptions {
  /** How often a held call reports progress / keeps its stream busy (default 10 s). */
  readonly progressIntervalMs?: number;
}

/** The arguments an approval is bound to: tool/prompt arguments, else the params (URI…) minus `_meta`. */
export function boundArguments(ctx: CallContext): unknown {
  const p = ctx.params ?? {};
  if (ctx.method === 'tools/call' || ctx.method === 'prompts/get') return p.arguments ?? {};
  const { _meta: _ignored, ...rest } = p;
  return rest;
}

export function bindingOf(ctx: CallContext): ApprovalBinding & { readonly args: unknown } {
  const args = boundArguments(ctx);
  return {
    requester: ctx.session.identity.subject,
    upstream: ctx.target.upstream ?? '',
    tool: ctx.target.name ?? ctx.target.uri ?? ctx.method,
    argsHash: canonicalHash(args),
    args,
  };
}

const checkHint = (id: string): string => `mcpgate approvals show ${id}`;

/**
 * The approvals package's `ApprovalGate` (see @mcpgate/policy's step/hooks.ts): the authorize step
 * calls `hold` for a `require_approval` decision. `wait` holds the call until it is decided;
 * `defer` answers at once and lets the identical call through once approved.
 */
export class ApprovalGate {
  private readonly progressMs: number;

  constructor(
    private readonly service: ApprovalService,
    opts: ApprovalGateOptions = {},
  ) {
    this.progressMs = opts.progressIntervalMs ?? 10_000;
  }

  async hold(ctx: CallContext, decision: HoldDecision): Promise<RequestVerdict> {
    const binding = bindingOf(ctx);
    // An approval already granted for exactly this call (a defer retry, or a retry after the
    // gateway restarted) is used first: approving twice for one call would be noise.
    const used = await this.service.consume({ binding }, ctx.correlationId);
    if (used) {
      ctx.notes.approvalId = used.id;
      return CONTINUE;
    }
    // An identical call already waiting for review joins it instead of opening a second request.
    const pending =
      (await this.service.findPending(binding)) ??
      (await this.service.request({
        identity: ctx.session.identity,
        sessionId: ctx.session.id,
        correlationId: ctx.correlationId,
        method: ctx.method,
        upstream: binding.upstream,
        tool: binding.tool,
        arguments: binding.args,
        argsHash: binding.argsHash,
        ...(decision.rule !== undefined ? { rule: decision.rule } : {}),
        ...(decision.policyVersion !== undefined ? { policyVersion: decision.policyVersion } : {}),
        requirement: decision.approval,
      }));
    ctx.notes.approvalId = pending.id;
    if (decision.approval.mode === 'defer') return deferred(ctx, pending, this.service.deferWindowMs);
    return this.wait(ctx, pending);
  }

  private async wait(ctx: CallContext, a: ApprovalRecord): Promise<RequestVerdict> {
    const started = Date.now();
    const timeout = Math.max(1, a.expiresAt.getTime() - a.createdAt.getTime());
    let seen = 0;
    let last = -1;
    const progress = (cur: ApprovalRecord): void => {
      // MCP progress must increase: the integer part counts approvals, the fraction grows with
      // time. A keep-alive tick may carry a state read before a newer approval: never go back.
      seen = Math.max(seen, approvalsOf(cur));
      const frac = Math.min(0.99, (Date.now() - started) / timeout);
      last = Math.max(seen + frac, last + 1e-6);
      void ctx.io
        .progress({
          progress: last,
          total: cur.required,
          message: `waiting for approval ${cur.id}: ${seen} of ${cur.required}`,
        })
        .catch(() => undefined);
    };
    const result = await waitForDecision(this.service, a.id, {
      signal: ctx.signal,
      onTick: progress,
      tickMs: this.progressMs,
    });
    if (result.kind === 'aborted') {
      // The client left: nobody can use the answer any more (unless another call here waits on
      // it). A gateway shutting down is different: the request stays pending for the re-sent call.
      if (this.service.waitRegistry.count(a.id) === 0 && !this.service.isClosing)
        await this.service.cancel(
          a.id,
          'the client disconnected while waiting',
          ctx.session.identity.subject,
        );
      return reject(
        new GatewayError('cancelled', `the call was cancelled while waiting for approval ${a.id}`, {
          data: { approvalId: a.id },
        }),
      );
    }
    const final = result.approval;
    switch (final.status) {
      case 'approved': {
        const used = await this.service.consume({ id: final.id }, ctx.correlationId);
        if (used) return CONTINUE;
        return reject(
          new GatewayError(
            'approval_required',
            `approval ${final.id} was already used by another identical call`,
            {
              data: { approvalId: final.id },
            },
          ),
        );
      }
      case 'denied': {
        const deny = final.decisions.find((d) => d.decision === 'deny');
        return reject(
          new GatewayError(
            'approval_denied',
            `approval ${final.id} was denied by ${deny?.reviewer ?? 'a reviewer'}: ${deny?.reason ?? 'no reason given'}`,
            { data: { approvalId: final.id, reviewer: deny?.reviewer, reason: deny?.reason } },
          ),
        );
      }
      case 'expired':
        return reject(
          new GatewayError(
            'approval_denied',
            `approval ${final.id} expired: ${final.closedReason ?? 'not decided in time'}`,
            {
              data: { approvalId: final.id, status: 'expired' },
            },
          ),
        );
      default:
        return reject(
          new GatewayError(
            'approval_denied',
            `approval ${final.id} is ${final.status}${final.closedReason ? `: ${final.closedReason}` : ''}`,
            {
              data: { approvalId: final.id, status: final.status },
            },
          ),
        );
    }
  }
}

function deferredError(a: ApprovalRecord, windowMs: number): GatewayError {
  const window = windowMs % 60_000 === 0 ? `${windowMs / 60_000} min` : `${Math.round(windowMs / 1000)} s`;
  return new GatewayError(
    'approval_required',
    `This call needs human approval ${a.id} (${a.required} approver${a.required > 1 ? 's' : ''} from ${a.reviewers.join(', ')}; ${approvalsOf(a)} so far) and was not run. ` +
      `Check it with: ${checkHint(a.id)} — reviewers have until ${a.expiresAt.toISOString()}. ` +
      `Once it is approved, make exactly the same call again (same tool, same arguments) within ${window} and it will run once.`,
    {
      data: {
        approvalId: a.id,
        status: a.status,
        deferred: true,
        required: a.required,
        approvals: approvalsOf(a),
        expiresAt: a.expiresAt.toISOString(),
        check: checkHint(a.id),
      },
    },
  );
}

/**
 * A deferred hold answers at once. A `tools/call` is answered with a tool error result, so the
 * model reads the approval id and the retry instructions instead of a protocol error; other
 * methods are refused with the same text (`approval_required`).
 */
function deferred(ctx: CallContext, a: ApprovalRecord, windowMs: number): RequestVerdict {
  const e = deferredError(a, windowMs);
  if (ctx.method !== 'tools/call') return reject(e);
  const result: JsonObject = {
    isError: true,
    content: [{ type: 'text', text: e.message }],
    _meta: { 'mcpgate/approval': { ...e.data } },
  };
  return { kind: 'answer', outcome: { kind: 'result', result } };
}
