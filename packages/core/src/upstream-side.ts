import type { CallContext, Decision, JsonObject, MaskingEvent, StepTiming } from './call.js';
import type { Interceptor } from './chain.js';
import { GatewayError } from './errors.js';
import { MCP_METHODS } from './methods.js';

/**
 * What an upstream starts, as the chain's third side sees it:
 * - `notification`: upstream → client (`notifications/message`, `/progress`, `/resources/updated`,
 *   `*\/list_changed`, `/cancelled`);
 * - `request`: a legacy upstream's server→client request (`sampling/createMessage`,
 *   `elicitation/create`, `roots/list`) on its way to the client;
 * - `input_request`: one ask embedded in a modern upstream's `input_required` result (same methods);
 * - `answer`: the client's answer to a `request` or `input_request`, on its way to the upstream.
 */
export type UpstreamMessageKind = 'notification' | 'request' | 'input_request' | 'answer';

/** Annotations the steps leave on one upstream-side message; the audit record is built from them. */
export interface UpstreamNotes {
  decision?: Decision;
  readonly steps: StepTiming[];
  readonly masking: MaskingEvent[];
  /**
   * A masked copy for the record when what travels must stay as it is (the client's answers go to
   * the upstream intact, like call arguments; the record gets this copy).
   */
  auditPayload?: unknown;
  readonly extra: Record<string, unknown>;
}

export interface UpstreamMessage {
  readonly kind: UpstreamMessageKind;
  readonly method: string;
  readonly upstream: string;
  /** The downstream call that caused it; absent when none can be known (a log line between calls). */
  readonly cause?: CallContext;
  /** The session it concerns: the cause's, or a per-session connection's; absent for broadcasts. */
  readonly sessionId?: string;
  /** For an `answer`: the key of the ask in a modern `input_required` exchange. */
  readonly inputKey?: string;
  /** What travels on (a `mutate` verdict replaces it). For an `answer`, the client's result. */
  params: JsonObject | undefined;
  readonly notes: UpstreamNotes;
  /** Set by the first step that refused it; outer steps still run and see it (audit records it). */
  refused?: GatewayError;
  readonly signal?: AbortSignal;
}

export type UpstreamVerdict =
  | { readonly kind: 'continue' }
  | { readonly kind: 'mutate'; readonly params: JsonObject | undefined }
  | { readonly kind: 'reject'; readonly error: GatewayError };

export function newUpstreamNotes(decision?: Decision): UpstreamNotes {
  return { steps: [], masking: [], extra: {}, ...(decision ? { decision } : {}) };
}

/** Server→client requests an upstream may send (legacy) or embed (modern), and the capability each needs. */
export const SERVER_REQUESTS: Readonly<Record<string, 'sampling' | 'elicitation' | 'roots'>> =
  Object.fromEntries(MCP_METHODS.filter((m) => m.capability).map((m) => [m.method, m.capability!]));

/**
 * Runs one upstream-started message through the chain's upstream side. It travels like a
 * response — from the steps nearest the upstream outwards (the chain in reverse) — so masking
 * runs before the outer audit step records what the client gets. Every step runs, even after a
 * refusal (the first refusal wins), so the audit records refused messages too. Never throws.
 */
export async function runUpstreamSide(
  steps: readonly Interceptor[],
  msg: UpstreamMessage,
  onStepError?: (step: string, err: unknown) => void,
): Promise<UpstreamMessage> {
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i]!;
    if (!step.onUpstream) continue;
    const t0 = process.hrtime.bigint();
    let verdict: UpstreamVerdict;
    try {
      verdict = await step.onUpstream(msg);
    } catch (err) {
      if (step.failMode === 'open') {
        time(msg, step.name, 'error-open', t0);
        onStepError?.(step.name, err);
        continue;
      }
      verdict = { kind: 'reject', error: failure(step.name, err) };
    }
    time(msg, step.name, verdict.kind, t0);
    if (msg.refused) continue;
    if (verdict.kind === 'mutate') msg.params = verdict.params;
    else if (verdict.kind === 'reject') {
      if (!verdict.error.correlationId && msg.cause) verdict.error.correlationId = msg.cause.correlationId;
      msg.refused = verdict.error;
    }
  }
  return msg;
}

function time(msg: UpstreamMessage, step: string, verdict: StepTiming['verdict'], t0: bigint): void {
  msg.notes.steps.push({
    step,
    phase: 'upstream',
    verdict,
    micros: Number((process.hrtime.bigint() - t0) / 1000n),
  });
}

function failure(step: string, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return new GatewayError('step_failed', `gateway step "${step}" failed on an upstream message`, {
    cause: err,
  });
}
