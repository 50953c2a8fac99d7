import {
  CONTINUE,
  GatewayError,
  newNotes,
  type CallContext,
  type JsonObject,
  type UpstreamMessage,
  type UpstreamVerdict,
} from '@mcpgate/core';
import type { PolicyEngine } from '../engine.js';
import type { PolicyDecision } from '../types.js';
import {
  isUpstreamRequest,
  upstreamRequestTarget,
  withinRoots,
  type UpstreamRequestMethod,
} from '../upstream-requests.js';
import { confirmWithCaller } from './confirm.js';
import type { ApprovalGate } from './hooks.js';

export interface UpstreamPolicyDeps {
  readonly approvals?: ApprovalGate;
  readonly clock: () => Date;
}

/**
 * The authorize step on the upstream side: an upstream's sampling, elicitation and roots requests
 * (legacy server→client requests and asks inside a modern `input_required`) are decided like calls
 * — allow, deny, confirm with the user, or hold for a reviewer — with per-call limits; a roots
 * answer is narrowed to the rule's roots. Notifications pass (masking and audit handle them).
 */
export async function authorizeUpstream(
  engine: PolicyEngine,
  deps: UpstreamPolicyDeps,
  msg: UpstreamMessage,
): Promise<UpstreamVerdict> {
  if (msg.refused || !isUpstreamRequest(msg.method)) return CONTINUE;
  if (msg.kind === 'answer') return narrowAnswer(engine, deps, msg, msg.method);
  if (msg.kind !== 'request' && msg.kind !== 'input_request') return CONTINUE;

  const decision = decide(engine, deps, msg, msg.method);
  msg.notes.decision = decision;
  const during = msg.cause ? ` during ${describeCause(msg.cause)}` : '';
  const asked = `upstream "${msg.upstream}" asked for ${msg.method}${during}`;

  if (decision.action === 'deny') {
    const why =
      decision.message ??
      (decision.rule
        ? `denied by policy rule "${decision.rule}"`
        : `denied by default (policy.upstreamRequests; see docs/policy.md, "Requests upstreams start")`);
    return refuse('policy_denied', `${asked}: ${why}`, decision);
  }
  const over = overLimit(msg, decision);
  if (over) return refuse('policy_denied', `${asked}: ${over}`, decision);

  switch (decision.action) {
    case 'allow':
      return CONTINUE;
    case 'confirm': {
      const ctx = asCall(msg);
      await confirmWithCaller(ctx, decision);
      Object.assign(msg.notes.extra, ctx.notes.extra);
      return CONTINUE;
    }
    case 'require_approval': {
      if (!deps.approvals || !decision.approval)
        return refuse(
          'approval_required',
          `${asked}: policy rule "${decision.rule ?? 'default'}" requires a human approval, and approvals are not enabled on this gateway`,
          decision,
        );
      const ctx = asCall(msg);
      const verdict = await deps.approvals.hold(ctx, { ...decision, approval: decision.approval });
      if (ctx.notes.approvalId) msg.notes.extra.approvalId = ctx.notes.approvalId;
      return verdict.kind === 'reject' ? verdict : CONTINUE;
    }
    case 'require_grant':
      return refuse('policy_denied', `${asked}: require_grant does not apply to upstream requests`, decision);
  }
}

function decide(
  engine: PolicyEngine,
  deps: UpstreamPolicyDeps,
  msg: UpstreamMessage,
  method: UpstreamRequestMethod,
): PolicyDecision {
  const identity = msg.cause?.session.identity;
  // A request no call can be linked to never reaches here (the upstream package refuses it);
  // without an identity, nothing but the default can decide.
  if (!identity) return engine.upstreamDefault(method);
  return engine.evaluate({
    identity,
    method,
    target: upstreamRequestTarget(msg.upstream, msg.cause?.target),
    ...(msg.params ? { arguments: msg.params } : {}),
    now: deps.clock(),
  });
}

/** Per-call count and sampling's token ask, against the deciding rule's `limits`. */
function overLimit(msg: UpstreamMessage, decision: PolicyDecision): string | undefined {
  const limits = decision.limits;
  if (!limits) return undefined;
  if (limits.maxTokens !== undefined && msg.method === 'sampling/createMessage') {
    const asked = msg.params?.maxTokens;
    if (typeof asked !== 'number' || asked > limits.maxTokens)
      return `it asked for ${typeof asked === 'number' ? asked : 'an unstated number of'} tokens; rule "${decision.rule}" allows at most ${limits.maxTokens}`;
  }
  if (limits.maxPerCall !== undefined && msg.cause) {
    const counts = (msg.cause.notes.extra.upstreamRequests ??= {}) as Record<string, number>;
    const n = (counts[msg.method] ?? 0) + 1;
    counts[msg.method] = n;
    if (n > limits.maxPerCall)
      return `this is request ${n} of ${msg.method} in one call; rule "${decision.rule}" allows ${limits.maxPerCall}`;
  }
  return undefined;
}

/** A roots answer keeps only roots inside the deciding rule's `roots`. */
function narrowAnswer(
  engine: PolicyEngine,
  deps: UpstreamPolicyDeps,
  msg: UpstreamMessage,
  method: UpstreamRequestMethod,
): UpstreamVerdict {
  if (method !== 'roots/list' || !msg.params) return CONTINUE;
  // A modern retry's answer comes without the earlier round's decision: decide again.
  const decision = msg.notes.decision ?? decide(engine, deps, msg, method);
  const allowed = (decision as PolicyDecision).roots;
  const roots = msg.params.roots;
  if (!allowed || !Array.isArray(roots)) return CONTINUE;
  const kept = roots.filter(
    (r: unknown) =>
      typeof r === 'object' &&
      r !== null &&
      typeof (r as JsonObject).uri === 'string' &&
      withinRoots((r as JsonObject).uri as string, allowed),
  );
  if (kept.length === roots.length) return CONTINUE;
  msg.notes.extra.rootsNarrowed = {
    rule: decision.rule,
    kept: kept.length,
    dropped: roots.length - kept.length,
  };
  return { kind: 'mutate', params: { ...msg.params, roots: kept } };
}

function refuse(
  code: 'policy_denied' | 'approval_required',
  message: string,
  d: PolicyDecision,
): UpstreamVerdict {
  return {
    kind: 'reject',
    error: new GatewayError(code, message, { data: { rule: d.rule ?? 'default', reason: d.reason } }),
  };
}

function describeCause(cause: CallContext): string {
  return `${cause.method} ${cause.target.exposedName ?? cause.target.uri ?? cause.target.name ?? ''}`.trim();
}

/**
 * The request seen as a call, for the confirm question and the approvals gate: the caller's
 * session and back channel, the request's method and params (an approval binds to them).
 */
function asCall(msg: UpstreamMessage): CallContext {
  const cause = msg.cause!;
  return {
    correlationId: cause.correlationId,
    session: cause.session,
    method: msg.method,
    params: msg.params,
    target: upstreamRequestTarget(msg.upstream, cause.target),
    receivedAt: new Date(),
    signal: msg.signal ?? cause.signal,
    io: cause.io,
    notes: newNotes(),
  };
}
