import type { CallContext, CallIO, JsonObject, ProgressUpdate } from './call.js';
import type { Interceptor } from './chain.js';
import { toGatewayError } from './errors.js';
import type { CallLink } from './upstream.js';
import { newUpstreamNotes, runUpstreamSide, SERVER_REQUESTS, type UpstreamMessage } from './upstream-side.js';

/**
 * The chain's upstream side as one downstream call meets it: what its upstream starts while it
 * runs (progress, server→client requests, asks inside `input_required`) and the client's answers
 * all pass the same steps — policy, masking, audit — before going on.
 */
export interface CallRelay {
  readonly steps: readonly Interceptor[];
  readonly ctx: CallContext;
  /** The client's own back channel (not the observed one: these messages are audited by the chain). */
  readonly io: CallIO;
  readonly onStepError: (step: string, err: unknown) => void;
}

function message(
  r: CallRelay,
  kind: UpstreamMessage['kind'],
  method: string,
  params: JsonObject | undefined,
  extra: Partial<Pick<UpstreamMessage, 'inputKey' | 'refused' | 'signal' | 'notes'>> = {},
): UpstreamMessage {
  return {
    kind,
    method,
    upstream: r.ctx.target.upstream ?? '',
    cause: r.ctx,
    sessionId: r.ctx.session.id,
    params,
    ...extra,
    notes: extra.notes ?? newUpstreamNotes(),
  };
}

/** The port handed to the upstream package for this call (see `CallLink`). */
export function callLink(r: CallRelay): CallLink {
  return {
    correlationId: r.ctx.correlationId,
    sessionId: r.ctx.session.id,
    clientCapabilities: r.io.clientCapabilities,
    ask: (method, params, signal) => ask(r, method, params, signal),
  };
}

async function ask(
  r: CallRelay,
  method: string,
  params: JsonObject | undefined,
  signal: AbortSignal,
): Promise<JsonObject> {
  const req = await runUpstreamSide(
    r.steps,
    message(r, 'request', method, params, { signal }),
    r.onStepError,
  );
  if (req.refused) throw req.refused;
  let answer: JsonObject;
  try {
    answer = await r.io.request(method, req.params, signal);
  } catch (err) {
    const error = toGatewayError(err);
    if (signal.aborted) {
      // The upstream withdrew its request (notifications/cancelled): on the record, linked to the call.
      await runUpstreamSide(
        r.steps,
        message(r, 'notification', 'notifications/cancelled', { method }),
        r.onStepError,
      );
    } else {
      await runUpstreamSide(
        r.steps,
        message(r, 'answer', method, undefined, {
          refused: error,
          notes: newUpstreamNotes(req.notes.decision),
        }),
        r.onStepError,
      );
    }
    throw err;
  }
  const ans = await runUpstreamSide(
    r.steps,
    message(r, 'answer', method, answer, { signal, notes: answerNotes(req) }),
    r.onStepError,
  );
  if (ans.refused) throw ans.refused;
  return ans.params ?? {};
}

/** The answer phase knows what the request phase decided (roots narrowing, limits). */
function answerNotes(req: UpstreamMessage): UpstreamMessage['notes'] {
  const notes = newUpstreamNotes(req.notes.decision);
  Object.assign(notes.extra, req.notes.extra);
  return notes;
}

/** A progress update from the upstream; undefined when a step dropped it. */
export async function relayProgress(
  r: CallRelay,
  update: ProgressUpdate,
): Promise<ProgressUpdate | undefined> {
  const params: JsonObject = { ...update };
  const m = await runUpstreamSide(
    r.steps,
    message(r, 'notification', 'notifications/progress', params),
    r.onStepError,
  );
  if (m.refused || !m.params) return undefined;
  const p = m.params;
  return {
    progress: typeof p.progress === 'number' ? p.progress : update.progress,
    ...(typeof p.total === 'number' ? { total: p.total } : {}),
    ...(typeof p.message === 'string' ? { message: p.message } : {}),
  };
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A modern upstream's `input_required` result: each embedded ask passes the upstream side like a
 * legacy server→client request. A refused ask refuses the call (the client cannot answer it, and a
 * modern upstream holds no request to answer with an error).
 */
export async function relayInputRequired(r: CallRelay, result: JsonObject): Promise<JsonObject> {
  if (result.resultType !== 'input_required' || !isObject(result.inputRequests)) return result;
  const out: JsonObject = {};
  let changed = false;
  for (const [key, ask] of Object.entries(result.inputRequests)) {
    if (!isObject(ask) || typeof ask.method !== 'string') {
      out[key] = ask;
      continue;
    }
    const params = isObject(ask.params) ? ask.params : undefined;
    const m = await runUpstreamSide(
      r.steps,
      message(r, 'input_request', ask.method, params, { inputKey: key, signal: r.ctx.signal }),
      r.onStepError,
    );
    if (m.refused) throw m.refused;
    if (m.params !== params) changed = true;
    out[key] = { ...ask, params: m.params ?? {} };
  }
  return changed ? { ...result, inputRequests: out } : result;
}

/** Which ask an answer in `inputResponses` is for, from its shape (the retry does not say). */
export function answeredMethod(answer: unknown): string | undefined {
  if (!isObject(answer)) return undefined;
  if (typeof answer.action === 'string') return 'elicitation/create';
  if (Array.isArray(answer.roots)) return 'roots/list';
  if ('role' in answer && 'content' in answer) return 'sampling/createMessage';
  return undefined;
}

/**
 * A modern client's retry carries its answers (`inputResponses`) for the upstream: each passes the
 * upstream side as an `answer` (roots narrowed, audit copy masked) before the call is forwarded.
 * The masked copies land in `notes.extra.auditInputResponses` for the request record.
 */
export async function relayInputResponses(r: CallRelay): Promise<void> {
  const responses = r.ctx.params?.inputResponses;
  if (!isObject(responses)) return;
  const forwarded: JsonObject = {};
  const audit: JsonObject = {};
  let changed = false;
  let masked = false;
  for (const [key, answer] of Object.entries(responses)) {
    const method = answeredMethod(answer);
    if (method === undefined || !(method in SERVER_REQUESTS) || !isObject(answer)) {
      forwarded[key] = answer;
      audit[key] = answer;
      continue;
    }
    const m = await runUpstreamSide(
      r.steps,
      message(r, 'answer', method, answer, { inputKey: key }),
      r.onStepError,
    );
    if (m.refused) throw m.refused;
    if (m.params !== answer) changed = true;
    forwarded[key] = m.params;
    if (m.notes.auditPayload !== undefined) masked = true;
    audit[key] = m.notes.auditPayload ?? m.params;
  }
  if (changed && r.ctx.params) r.ctx.params = { ...r.ctx.params, inputResponses: forwarded };
  if (masked) r.ctx.notes.extra.auditInputResponses = audit;
}
