import { plain, plainError, plainNotification, plainRequest, plainResult } from '@mcpgate/core';
import {
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  parseJSONRPCMessage,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type JSONRPCResponse,
} from '@modelcontextprotocol/server';

/**
 * The SDK's JSON-RPC message checks, answered without a schema parse when the answer is certain
 * (core's jsonrpc-shape), else by the SDK's schema.
 *
 * The SDK's `isJSONRPCRequest` & co. are zod `safeParse` calls over the whole message (a result's
 * whole payload included); the HTTP transport asked them four to six times per call, which
 * profiled at about a tenth of the gateway's CPU per call. The shapes are small and fixed
 * (strict objects of `jsonrpc`, `id`, `method`, `params` / `result` / `error`), so a message that
 * plainly has the shape is recognised by reading a few properties. Anything unusual — an unknown
 * key, a `_meta` member the schema looks into, a non-plain object — goes to the SDK's schema, so
 * every answer is the schema's answer (a test pins both on the same inputs).
 */

export function isRequest(m: unknown): m is JSONRPCRequest {
  if (plain(m)) {
    if (plainRequest(m)) return true;
    // Certainly not: `method` is a required string, and the strict schema admits no `result`
    // or `error` key (a response asked whether it is a request).
    if (typeof m.method !== 'string' || 'result' in m || 'error' in m) return false;
  }
  return isJSONRPCRequest(m);
}

/** A result or an error response. */
export function isResponse(m: unknown): m is JSONRPCResponse {
  if (plain(m)) {
    if (plainResult(m) || plainError(m)) return true;
    // Certainly not: both response schemas are strict, and `method` is none of their keys.
    if ('method' in m) return false;
  }
  return isJSONRPCResultResponse(m) || isJSONRPCErrorResponse(m);
}

/**
 * The SDK's `parseJSONRPCMessage`: the message itself when its shape is certain (the schema
 * would return an equal copy), else the schema's parse (which throws on an invalid message).
 */
export function parseMessage(m: unknown): JSONRPCMessage {
  if (plain(m) && (plainRequest(m) || plainNotification(m) || plainResult(m) || plainError(m)))
    return m as unknown as JSONRPCMessage;
  return parseJSONRPCMessage(m);
}
