import type { GatewayError } from './errors.js';
import type { SessionInfo } from './session.js';

export type JsonObject = Record<string, unknown>;

/** What a request addresses, after the router has resolved namespaced names. */
export type TargetKind = 'tool' | 'prompt' | 'resource' | 'completion' | 'upstream' | 'gateway';

export interface CallTarget {
  readonly kind: TargetKind;
  /** Upstream name (config key), absent for methods the gateway answers itself (lists, ping). */
  readonly upstream?: string;
  /** Name as the upstream knows it (tool/prompt name). */
  readonly name?: string;
  /** Name as the client saw it (namespaced). */
  readonly exposedName?: string;
  readonly uri?: string;
  /** Tool annotations from the upstream's definition (hints only — policy input, never the only guard). */
  readonly annotations?: Readonly<Record<string, unknown>>;
}

export interface Decision {
  readonly action: 'allow' | 'deny' | 'require_approval' | 'require_grant' | 'confirm' | 'waiting';
  readonly rule?: string;
  readonly reason?: string;
  readonly policyVersion?: string;
}

/** A masking event: where and what kind — never the raw value. */
export interface MaskingEvent {
  readonly detector: string;
  readonly path: string;
  readonly start?: number;
  readonly end?: number;
  readonly count: number;
  readonly strategy: string;
}

export interface StepTiming {
  readonly step: string;
  readonly phase: 'request' | 'response' | 'upstream';
  readonly verdict: 'continue' | 'mutate' | 'reject' | 'answer' | 'error-open';
  readonly micros: number;
}

/** Mutable annotations the chain's steps leave on a call; the audit record is built from them. */
export interface CallNotes {
  decision?: Decision;
  readonly steps: StepTiming[];
  readonly masking: MaskingEvent[];
  approvalId?: string;
  forwardedAt?: Date;
  /** Set by the audit-ahead step once the request record is durable. */
  recorded?: boolean;
  /** Free-form, JSON-serializable annotations from later steps (approval link, grant id, exceptions…). */
  readonly extra: Record<string, unknown>;
}

export interface ProgressUpdate {
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

/**
 * The per-call channel back to the client that made the call: progress and log messages
 * related to this call, and server→client requests (elicitation, sampling, roots) on its behalf.
 */
export interface CallIO {
  /** Forward a progress update to the client (no-op when the client sent no progress token). */
  progress(update: ProgressUpdate): Promise<void>;
  /** Send a request to the client in the context of this call (elicitation/create, sampling/createMessage, roots/list). */
  request(method: string, params: JsonObject | undefined, signal?: AbortSignal): Promise<JsonObject>;
  /** The client's declared capabilities (for elicitation/sampling/roots routing decisions). */
  readonly clientCapabilities: JsonObject | undefined;
}

export interface CallContext {
  readonly correlationId: string;
  readonly session: SessionInfo;
  readonly method: string;
  /** Params as they will be forwarded (a `mutate` verdict replaces them). */
  params: JsonObject | undefined;
  /** Set by the core `route` step; `{ kind: "gateway" }` before it. */
  target: CallTarget;
  readonly receivedAt: Date;
  readonly signal: AbortSignal;
  readonly io: CallIO;
  readonly notes: CallNotes;
  /** The call's trace, set right after the context is made — only when tracing is on. */
  trace?: CallTrace;
}

export type Outcome =
  | { readonly kind: 'result'; readonly result: JsonObject }
  | { readonly kind: 'error'; readonly error: GatewayError };

export function newNotes(): CallNotes {
  return { steps: [], masking: [], extra: {} };
}

/** One call's trace. Its spans carry metadata only: never arguments, results or credentials. */
export interface CallTrace {
  /**
   * One chain step ran from `start` to `end` (`process.hrtime.bigint()` readings): the same
   * boundaries and the same clock readings the audit record's step timings are made of.
   */
  step(timing: StepTiming, start: bigint, end: bigint): void;
  /** The round trip to the upstream starts now; its trace context goes with the request. */
  upstream(upstream: string, method: string): UpstreamTrace;
  /** The call is answered (or refused): the call's span ends with what the chain decided. */
  end(outcome: Outcome): void;
}

/** The upstream round trip's span, seen from core: what to send upstream, and how to end it. */
export interface UpstreamTrace {
  /** The W3C trace context to send upstream (`_meta` for every upstream, headers too over HTTP). */
  readonly context: TraceContext;
  end(error?: unknown): void;
}

export interface TraceContext {
  readonly traceparent: string;
  readonly tracestate?: string;
}
