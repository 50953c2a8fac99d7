import type { CallContext, Interceptor, Outcome, TrafficNote, UpstreamMessage } from '@mcpgate/core';
import { CONTINUE, GatewayError, isGatewayError, reject } from '@mcpgate/core';
import type { AuditRecorder } from './recorder/recorder.js';

export interface AuditStepOptions {
  /**
   * `closed` (default): a call whose request record cannot be committed is refused.
   * `open`: it is forwarded anyway and the failure is logged — an operator's explicit, per-upstream
   * choice, recorded on the call's response record (`extra.auditFailOpen`).
   */
  readonly failMode?: (upstream: string | undefined) => 'closed' | 'open';
  /**
   * `background` (default): the response record is group-committed after the client has its
   * answer — the request record was already durable, and a crash in between shows the call as
   * "outcome unknown", never absent. `await`: the client waits for the response record's commit
   * too (one more commit of latency per call).
   */
  readonly responseRecord?: 'background' | 'await';
}

export const AUDIT_UNAVAILABLE_MESSAGE = 'audit store unavailable — call not executed';

/**
 * The two chain steps: `outer` (name `audit`, first outer step) records every outcome as returned
 * to the client, and `inner` (name `audit-ahead`, last inner step) commits the request record
 * before anything is forwarded.
 */
export function createAuditSteps(
  recorder: AuditRecorder,
  opts: AuditStepOptions = {},
): { outer: Interceptor; inner: Interceptor } {
  const inner: Interceptor = {
    name: 'audit-ahead',
    failMode: 'closed',
    async onRequest(ctx: CallContext) {
      // Lists and other methods the gateway answers itself execute nothing upstream: the outer
      // step records them compactly after the fact.
      if (ctx.target.kind === 'gateway') return CONTINUE;
      try {
        await recorder.recordRequest(ctx);
        ctx.notes.recorded = true;
        return CONTINUE;
      } catch (err) {
        // Only a store outage is "audit unavailable" (and only it may fail open): a record that
        // cannot be built refuses the call with its own reason.
        if (isGatewayError(err) && err.code !== 'audit_unavailable') {
          return reject(new GatewayError(err.code, `${err.message} — call not executed`, { cause: err }));
        }
        if (opts.failMode?.(ctx.target.upstream) === 'open') {
          ctx.notes.extra.auditFailOpen = err instanceof Error ? err.message : String(err);
          return CONTINUE;
        }
        return reject(new GatewayError('audit_unavailable', AUDIT_UNAVAILABLE_MESSAGE, { cause: err }));
      }
    },
  };

  const record = async (ctx: CallContext, outcome: Outcome): Promise<void> => {
    if (ctx.notes.recorded) {
      await recorder.recordResponse(ctx, outcome);
    } else if (ctx.notes.extra.auditFailOpen !== undefined) {
      // Forwarded without a write-ahead record by operator choice: record it now, late.
      await recorder.recordLateRequest(ctx);
      await recorder.recordResponse(ctx, outcome);
    } else if (ctx.target.kind === 'gateway' && outcome.kind === 'result') {
      await recorder.recordGatewayAnswer(ctx, outcome);
    } else {
      // Never reached audit-ahead: refused by a step, unknown name, or the store was down.
      await recorder.recordRefusal(ctx, outcome);
    }
  };
  const awaitResponse = opts.responseRecord === 'await';

  const outer: Interceptor = {
    name: 'audit',
    failMode: 'closed',
    onResponse(ctx: CallContext, outcome: Outcome) {
      // The record methods never reject (a store failure defers the record, a record that cannot
      // be built is replaced by its stand-in); the catch is a last guard, recording the defect.
      const done = record(ctx, outcome).catch((err: unknown) => recorder.recordDefect('audit-record', err));
      return awaitResponse ? done.then(() => CONTINUE) : CONTINUE;
    },
    // Outermost on the upstream side too: it records the message as it goes on (masked), or its
    // masked audit copy (the client's answers), with the decision, refusal and masking events.
    onUpstream(msg: UpstreamMessage) {
      recorder.recordNotification(upstreamNote(msg));
      return CONTINUE;
    },
  };

  return { outer, inner };
}

/** How an upstream-side message goes on the record, linked to the call that caused it. */
export function upstreamNote(msg: UpstreamMessage): TrafficNote {
  const p = msg.params;
  const summary: Record<string, unknown> = { kind: msg.kind };
  if (msg.inputKey !== undefined) summary.inputKey = msg.inputKey;
  if (msg.method === 'notifications/progress')
    Object.assign(summary, { progress: p?.progress, total: p?.total });
  if (msg.method === 'notifications/message') Object.assign(summary, { level: p?.level, logger: p?.logger });
  if (msg.method === 'notifications/resources/updated') summary.uri = p?.uri;
  if (msg.kind === 'answer')
    summary.outcome = msg.refused
      ? 'failed'
      : typeof p?.action === 'string'
        ? `answered:${p.action}`
        : 'answered';
  else if (msg.refused) summary.outcome = 'refused';
  const payload = msg.notes.auditPayload ?? p;
  return {
    kind: msg.kind === 'notification' ? 'notification' : 'server_request',
    direction: msg.kind === 'answer' ? 'from_client' : 'from_upstream',
    method: msg.method,
    upstream: msg.upstream,
    ...(msg.sessionId !== undefined ? { sessionId: msg.sessionId } : {}),
    ...(msg.cause ? { correlationId: msg.cause.correlationId } : {}),
    summary,
    ...(payload !== undefined ? { payload } : {}),
    masking: msg.notes.masking,
    ...(msg.notes.decision ? { decision: msg.notes.decision } : {}),
    ...(msg.refused ? { refused: { code: msg.refused.code, message: msg.refused.message } } : {}),
    steps: msg.notes.steps,
  };
}
