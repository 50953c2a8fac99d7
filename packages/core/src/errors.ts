/**
 * One error type for everything the gateway refuses or fails at. Each code maps to exactly one
 * JSON-RPC code, one HTTP status and a stable user-facing meaning (docs/errors.md lists them).
 * The correlation id travels with the error so a caller can quote it and an auditor can find it.
 */
export type GatewayErrorCode =
  | 'parse_error'
  | 'invalid_request'
  | 'method_not_found'
  | 'invalid_params'
  | 'message_too_large'
  | 'unknown_tool'
  | 'unknown_prompt'
  | 'unknown_resource'
  | 'upstream_unavailable'
  | 'upstream_crashed'
  | 'upstream_error'
  | 'upstream_timeout'
  | 'cancelled'
  | 'cannot_route_server_request'
  | 'policy_denied'
  | 'approval_required'
  | 'approval_denied'
  | 'grant_required'
  | 'confirmation_refused'
  | 'rate_limited'
  | 'audit_unavailable'
  | 'unauthenticated'
  | 'forbidden'
  | 'authorization_required'
  | 'step_failed'
  | 'session_not_found'
  | 'overloaded'
  | 'internal';

interface CodeInfo {
  readonly jsonrpc: number;
  readonly http: number;
}

/** JSON-RPC codes: the -326xx family is the spec's; -320xx are implementation-defined server errors. */
export const ERROR_CODES: Readonly<Record<GatewayErrorCode, CodeInfo>> = Object.freeze({
  parse_error: { jsonrpc: -32700, http: 400 },
  invalid_request: { jsonrpc: -32600, http: 400 },
  method_not_found: { jsonrpc: -32601, http: 404 },
  invalid_params: { jsonrpc: -32602, http: 400 },
  message_too_large: { jsonrpc: -32600, http: 413 },
  // Unknown names are invalid params per the MCP spec (tools/call on a missing tool → -32602).
  unknown_tool: { jsonrpc: -32602, http: 404 },
  unknown_prompt: { jsonrpc: -32602, http: 404 },
  unknown_resource: { jsonrpc: -32002, http: 404 },
  upstream_unavailable: { jsonrpc: -32010, http: 502 },
  upstream_crashed: { jsonrpc: -32011, http: 502 },
  upstream_error: { jsonrpc: -32012, http: 502 },
  // Not -32001: transports use that for "session not found" (the SDK's convention).
  upstream_timeout: { jsonrpc: -32014, http: 504 },
  cancelled: { jsonrpc: -32800, http: 499 },
  cannot_route_server_request: { jsonrpc: -32013, http: 409 },
  policy_denied: { jsonrpc: -32030, http: 403 },
  approval_required: { jsonrpc: -32031, http: 403 },
  approval_denied: { jsonrpc: -32032, http: 403 },
  grant_required: { jsonrpc: -32033, http: 403 },
  confirmation_refused: { jsonrpc: -32034, http: 403 },
  rate_limited: { jsonrpc: -32035, http: 429 },
  audit_unavailable: { jsonrpc: -32040, http: 503 },
  unauthenticated: { jsonrpc: -32041, http: 401 },
  // -32043, not -32042: that number is the MCP spec's URLElicitationRequiredError (below).
  forbidden: { jsonrpc: -32043, http: 403 },
  // The user must first authorize the gateway at an upstream (per-user OAuth). -32042 is the MCP
  // spec's URLElicitationRequiredError: `data.elicitations` carries the link, so a client that knows
  // URL-mode elicitation can show it, and every other client still reads the link in the message.
  authorization_required: { jsonrpc: -32042, http: 403 },
  step_failed: { jsonrpc: -32603, http: 500 },
  // Transport errors (HTTP face): an unknown or ended session; too many sessions or shutting down.
  session_not_found: { jsonrpc: -32001, http: 404 },
  overloaded: { jsonrpc: -32000, http: 503 },
  internal: { jsonrpc: -32603, http: 500 },
});

export interface GatewayErrorOptions {
  readonly correlationId?: string;
  /** Extra machine-readable detail for the caller (rule name, approval id, retry time…). Never secrets. */
  readonly data?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
  /**
   * What a client may read instead of `message`, for codes whose message is internal detail
   * (`internal`, `step_failed`): the detail goes to the log and the audit, never to the wire.
   */
  readonly publicMessage?: string;
}

/** Codes whose own message is internal detail: the wire gets a safe message instead. */
const INTERNAL_DETAIL: ReadonlySet<GatewayErrorCode> = new Set(['internal', 'step_failed']);
const SAFE_MESSAGE = 'internal gateway error; an operator can find the detail by the correlation id';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  readonly code: GatewayErrorCode;
  correlationId: string | undefined;
  readonly data: Readonly<Record<string, unknown>> | undefined;

  constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.correlationId = options.correlationId;
    this.data = options.data;
    this.publicMessage = options.publicMessage;
  }

  readonly publicMessage: string | undefined;

  /** The message a client may read: internal detail never reaches the wire. */
  get safeMessage(): string {
    return INTERNAL_DETAIL.has(this.code) ? (this.publicMessage ?? SAFE_MESSAGE) : this.message;
  }

  get jsonrpcCode(): number {
    return ERROR_CODES[this.code].jsonrpc;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  /** The JSON-RPC `error` object a client receives: message carries the correlation id for humans, data for machines. */
  toJsonRpc(): { code: number; message: string; data: Record<string, unknown> } {
    const suffix = this.correlationId ? ` (correlation id ${this.correlationId})` : '';
    return {
      code: this.jsonrpcCode,
      message: `${this.safeMessage}${suffix}`,
      data: { ...this.data, mcpgate: { code: this.code, correlationId: this.correlationId } },
    };
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}

/** Wraps anything thrown into a GatewayError without leaking internal detail to the caller. */
export function toGatewayError(err: unknown, fallback: GatewayErrorCode = 'internal'): GatewayError {
  if (err instanceof GatewayError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError(fallback, message, { cause: err });
}
