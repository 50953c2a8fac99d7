import type { CallContext, JsonObject, Outcome, StepTiming } from './call.js';
import { GatewayError, toGatewayError } from './errors.js';
import type { UpstreamMessage, UpstreamVerdict } from './upstream-side.js';

export type RequestVerdict =
  | { readonly kind: 'continue' }
  | { readonly kind: 'mutate'; readonly params: JsonObject | undefined }
  | { readonly kind: 'reject'; readonly error: GatewayError }
  /**
   * The step answers the call itself (nothing is forwarded): later steps do not run, this step and
   * the earlier ones see the outcome on the way back — e.g. an approval hold answered with a tool
   * result that carries the approval id.
   */
  | { readonly kind: 'answer'; readonly outcome: Outcome };

export type ResponseVerdict =
  | { readonly kind: 'continue' }
  | { readonly kind: 'mutate'; readonly outcome: Outcome }
  | { readonly kind: 'reject'; readonly error: GatewayError };

/**
 * One named step of the chain. Request side runs in order, response side in reverse.
 * A step whose onRequest ran (or that has none) sees the outcome on the way back — including a
 * rejection by a later step — so an outer step can record refusals it did not make itself.
 */
export interface Interceptor {
  readonly name: string;
  /**
   * What a thrown error (not a reject verdict) means: `closed` (default) refuses the call,
   * `open` logs and continues. Steps that call something external must choose deliberately.
   */
  readonly failMode?: 'closed' | 'open';
  onRequest?(ctx: CallContext): RequestVerdict | Promise<RequestVerdict>;
  onResponse?(ctx: CallContext, outcome: Outcome): ResponseVerdict | Promise<ResponseVerdict>;
  /**
   * The upstream side: a message an upstream started (notification, server→client request, an ask
   * inside `input_required`) or the client's answer to one. Runs in the response order (reverse).
   */
  onUpstream?(msg: UpstreamMessage): UpstreamVerdict | Promise<UpstreamVerdict>;
}

export const CONTINUE: RequestVerdict & ResponseVerdict = Object.freeze({ kind: 'continue' });

export function reject(error: GatewayError): RequestVerdict & ResponseVerdict {
  return { kind: 'reject', error };
}

export type Forward = (ctx: CallContext) => Promise<Outcome>;

export interface ChainObserver {
  /** Called when a fail-open step threw and was skipped. */
  onStepError?(step: string, phase: 'request' | 'response', err: unknown, ctx: CallContext): void;
}

/**
 * Runs a call through the interceptors and `forward`. Never throws: every failure becomes an
 * `error` outcome carrying the call's correlation id.
 */
export async function runChain(
  steps: readonly Interceptor[],
  ctx: CallContext,
  forward: Forward,
  observer: ChainObserver = {},
): Promise<Outcome> {
  let entered = 0;
  let outcome: Outcome | undefined;

  for (const step of steps) {
    if (!step.onRequest) {
      entered++;
      continue;
    }
    const t0 = process.hrtime.bigint();
    let verdict: RequestVerdict;
    try {
      const v = step.onRequest(ctx);
      verdict = isThenable(v) ? await v : v;
    } catch (err) {
      if (step.failMode === 'open') {
        record(ctx, step.name, 'request', 'error-open', t0);
        observer.onStepError?.(step.name, 'request', err, ctx);
        entered++;
        continue;
      }
      verdict = reject(stepFailure(step.name, err));
    }
    record(ctx, step.name, 'request', verdict.kind, t0);
    if (verdict.kind === 'reject') {
      outcome = { kind: 'error', error: withCorrelation(verdict.error, ctx.correlationId) };
      break;
    }
    if (verdict.kind === 'answer') {
      outcome = verdict.outcome;
      entered++;
      break;
    }
    if (verdict.kind === 'mutate') ctx.params = verdict.params;
    entered++;
  }

  if (!outcome) {
    try {
      outcome = await forward(ctx);
    } catch (err) {
      outcome = { kind: 'error', error: toGatewayError(err) };
    }
  }
  if (outcome.kind === 'error')
    outcome = { kind: 'error', error: withCorrelation(outcome.error, ctx.correlationId) };

  for (let i = entered - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (!step.onResponse) continue;
    const t0 = process.hrtime.bigint();
    let verdict: ResponseVerdict;
    try {
      const v = step.onResponse(ctx, outcome);
      verdict = isThenable(v) ? await v : v;
    } catch (err) {
      if (step.failMode === 'open') {
        record(ctx, step.name, 'response', 'error-open', t0);
        observer.onStepError?.(step.name, 'response', err, ctx);
        continue;
      }
      verdict = reject(stepFailure(step.name, err));
    }
    record(ctx, step.name, 'response', verdict.kind, t0);
    if (verdict.kind === 'mutate') outcome = verdict.outcome;
    else if (verdict.kind === 'reject')
      outcome = { kind: 'error', error: withCorrelation(verdict.error, ctx.correlationId) };
  }
  return outcome;
}

/**
 * Times a step for the audit record and, when the call is traced, hands the same two clock
 * readings to its trace: one instrumentation point, so a span and the recorded timing agree.
 */
function record(
  ctx: CallContext,
  step: string,
  phase: 'request' | 'response',
  verdict: StepTiming['verdict'],
  t0: bigint,
): void {
  const t1 = process.hrtime.bigint();
  const timing: StepTiming = { step, phase, verdict, micros: Number((t1 - t0) / 1000n) };
  ctx.notes.steps.push(timing);
  ctx.trace?.step(timing, t0, t1);
}

/**
 * Most steps decide synchronously; awaiting their verdict anyway cost a promise and a microtask
 * turn per step (thirteen per call), which showed in the profile as runChain's own time and GC.
 */
function isThenable<T>(v: T | Promise<T>): v is Promise<T> {
  return typeof (v as { then?: unknown }).then === 'function';
}

function stepFailure(step: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new GatewayError('step_failed', `gateway step "${step}" failed: ${detail}`, {
    cause: err,
    publicMessage: `gateway step "${step}" failed; the call was refused`,
  });
}

function withCorrelation(error: GatewayError, correlationId: string): GatewayError {
  if (!error.correlationId) error.correlationId = correlationId;
  return error;
}
