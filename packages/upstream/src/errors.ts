import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import { GatewayError, isGatewayError, type Logger } from '@mcpgate/core';
import { TOO_DEEP_MARKER } from './inbound-limits.js';
import { MessageTooLargeError, TOO_LARGE_MARKER } from './size-limit.js';

/** Why a connection stopped serving, so the errors of the calls it drops say precisely what happened. */
export type CloseReason =
  | { readonly kind: 'closed' }
  | { readonly kind: 'crashed'; readonly detail: string }
  /** A remote's connection went away (there is no process that could have crashed). */
  | { readonly kind: 'lost'; readonly detail: string }
  | { readonly kind: 'too_large'; readonly limit: number };

export function closedError(upstream: string, method: string, reason: CloseReason): GatewayError {
  const data = { upstream, method };
  switch (reason.kind) {
    case 'closed':
      return new GatewayError('upstream_unavailable', `upstream "${upstream}" connection was closed`, {
        data,
      });
    case 'crashed':
      return new GatewayError(
        'upstream_crashed',
        `upstream "${upstream}" crashed while handling ${method}: ${reason.detail}`,
        { data },
      );
    case 'lost':
      return new GatewayError(
        'upstream_unavailable',
        `upstream "${upstream}" connection was lost while handling ${method}: ${reason.detail}`,
        { data },
      );
    case 'too_large':
      return new GatewayError(
        'message_too_large',
        `upstream "${upstream}" sent a message larger than ${reason.limit} bytes while handling ${method}; ` +
          'the connection was closed',
        { data: { ...data, limitBytes: reason.limit } },
      );
  }
}

/**
 * Maps what the SDK throws to the gateway's taxonomy. The upstream's own JSON-RPC error is kept whole
 * in `data.upstreamError` so a face can relay it faithfully.
 */
export function mapRequestError(
  err: unknown,
  upstream: string,
  method: string,
  timeoutMs: number,
  signal: AbortSignal,
): GatewayError {
  if (err instanceof GatewayError) return err;
  const data = { upstream, method };
  if (signal.aborted) {
    return new GatewayError('cancelled', `call to upstream "${upstream}" (${method}) was cancelled`, {
      data,
      cause: err,
    });
  }
  const tooLarge = findCause(err, (e): e is MessageTooLargeError => e instanceof MessageTooLargeError);
  if (tooLarge) {
    return new GatewayError(
      'message_too_large',
      `upstream "${upstream}" sent a message larger than ${tooLarge.limit} bytes while handling ${method}`,
      { data: { ...data, limitBytes: tooLarge.limit }, cause: err },
    );
  }
  if (err instanceof ProtocolError && isTooLargeMarker(err.data)) {
    const limit = (err.data as Record<string, number>)[TOO_LARGE_MARKER];
    return new GatewayError(
      'message_too_large',
      `upstream "${upstream}" sent a message larger than ${limit} bytes while handling ${method}`,
      { data: { ...data, limitBytes: limit }, cause: err },
    );
  }
  if (err instanceof ProtocolError && hasNumber(err.data, TOO_DEEP_MARKER)) {
    const limit = (err.data as Record<string, number>)[TOO_DEEP_MARKER];
    return new GatewayError(
      'upstream_error',
      `upstream "${upstream}" answered ${method} with a message nested more than ${limit} levels deep ` +
        '(limits.maxJsonDepth); it was refused',
      { data: { ...data, maxJsonDepth: limit }, cause: err },
    );
  }
  if (err instanceof ProtocolError) {
    return new GatewayError(
      'upstream_error',
      `upstream "${upstream}" returned an error for ${method}: ${err.message}`,
      {
        data: { ...data, upstreamError: { code: err.code, message: err.message, data: err.data } },
        cause: err,
      },
    );
  }
  if (err instanceof SdkError) {
    switch (err.code) {
      case SdkErrorCode.RequestTimeout:
        return new GatewayError(
          'upstream_timeout',
          `upstream "${upstream}" did not answer ${method} within ${timeoutMs} ms`,
          { data: { ...data, timeoutMs }, cause: err },
        );
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
      case SdkErrorCode.SendFailed:
        return new GatewayError(
          'upstream_unavailable',
          `upstream "${upstream}" is not connected: ${err.message}`,
          {
            data,
            cause: err,
          },
        );
      default:
        return new GatewayError('upstream_error', `upstream "${upstream}" failed ${method}: ${err.message}`, {
          data: { ...data, sdkError: err.code },
          cause: err,
        });
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GatewayError('upstream_unavailable', `upstream "${upstream}" failed ${method}: ${message}`, {
    data,
    cause: err,
  });
}

/**
 * A short, human-readable reason for a failed start (logged and shown in `status().lastError`): the
 * messages along the `cause` chain, so "fetch failed" comes with the ECONNREFUSED behind it.
 */
export function describeStartError(err: unknown): string {
  const parts: string[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof SdkError && cur.code === SdkErrorCode.ConnectionClosed) {
      parts.push('the upstream closed the connection during the handshake (did the process exit?)');
    } else if (cur instanceof Error) {
      const code = (cur as NodeJS.ErrnoException).code;
      const msg = cur.message;
      parts.push(typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg);
    } else {
      parts.push(typeof cur === 'string' ? cur : JSON.stringify(cur));
    }
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  // Wrapped errors often repeat their cause's text; keep each distinct piece once.
  return parts.filter((p, i) => !parts.slice(0, i).some((q) => q.includes(p))).join(': ');
}

/** What the upstream receives when we cannot (or the client will not) answer its request. */
export function toWireError(err: unknown, logger: Logger, method: string): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (isGatewayError(err)) {
    // Expected, not a warning: servers ask for roots (etc.) at start or between calls, when no
    // client call is in flight to answer for; the refusal is a normal part of the protocol.
    if (err.code === 'cannot_route_server_request')
      logger.debug({ method, reason: err.message }, 'refused upstream request');
    return new ProtocolError(err.jsonrpcCode, err.message, err.data);
  }
  const e = err as { code?: unknown; message?: unknown; data?: unknown };
  if (typeof e?.code === 'number' && typeof e.message === 'string')
    return new ProtocolError(e.code, e.message, e.data);
  return new ProtocolError(-32603, err instanceof Error ? err.message : String(err));
}

export function describeReason(reason: CloseReason): string {
  switch (reason.kind) {
    case 'closed':
      return 'closed';
    case 'crashed':
    case 'lost':
      return reason.detail;
    case 'too_large':
      return `message over ${reason.limit} bytes`;
  }
}

function findCause<T>(err: unknown, match: (e: unknown) => e is T): T | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 6; depth++) {
    if (match(cur)) return cur;
    cur = cur instanceof Error ? cur.cause : undefined;
  }
  return undefined;
}

function isTooLargeMarker(data: unknown): boolean {
  return (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as Record<string, unknown>)[TOO_LARGE_MARKER] === 'number'
  );
}

function hasNumber(data: unknown, key: string): boolean {
  return (
    typeof data === 'object' && data !== null && typeof (data as Record<string, unknown>)[key] === 'number'
  );
}
