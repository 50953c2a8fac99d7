import { parseJSONRPCMessage, type JSONRPCMessage } from '@modelcontextprotocol/server';
import { isRequest } from './jsonrpc-shape.js';
import { DEFAULT_MAX_JSON_DEPTH, scanJsonFrame, tooDeepMessage, type JsonFrameScanner } from '@mcpgate/core';

export type Frame =
  | { readonly kind: 'message'; readonly message: JSONRPCMessage }
  | {
      readonly kind: 'invalid';
      readonly id: string | number | null;
      readonly code: number;
      readonly message: string;
    };

function isId(v: unknown): v is string | number {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/**
 * Classifies one wire frame. The spec's error codes: -32700 for text that is not JSON, -32600 for
 * JSON that is not a valid JSON-RPC 2.0 message (batches included: MCP removed batching), and
 * -32600 for a frame nested deeper than `maxDepth` — checked on the text, before it is parsed, so
 * nothing ever walks an over-deep value. `scan` is the frame's scan when the caller already made
 * it while the frame arrived.
 */
export function classifyFrame(
  text: string,
  maxDepth = DEFAULT_MAX_JSON_DEPTH,
  scan: JsonFrameScanner = scanJsonFrame(text),
): Frame {
  if (scan.maxDepth > maxDepth) {
    return {
      kind: 'invalid',
      id: scan.id,
      code: -32600,
      message: `Invalid Request: ${tooDeepMessage(maxDepth, scan.maxDepth, true)}`,
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : 'invalid JSON';
    return { kind: 'invalid', id: null, code: -32700, message: `Parse error: ${detail}` };
  }
  if (Array.isArray(value)) {
    return {
      kind: 'invalid',
      id: null,
      code: -32600,
      message: 'Invalid Request: JSON-RPC batches are not supported',
    };
  }
  if (typeof value !== 'object' || value === null) {
    return {
      kind: 'invalid',
      id: null,
      code: -32600,
      message: 'Invalid Request: a message must be a JSON object',
    };
  }
  const msg = value as Record<string, unknown>;
  const id = isId(msg.id) ? msg.id : null;
  if (msg.jsonrpc !== '2.0') {
    return { kind: 'invalid', id, code: -32600, message: 'Invalid Request: "jsonrpc" must be "2.0"' };
  }
  if ('method' in msg) {
    if (typeof msg.method !== 'string' || msg.method.length === 0) {
      return {
        kind: 'invalid',
        id,
        code: -32600,
        message: 'Invalid Request: "method" must be a non-empty string',
      };
    }
    if ('id' in msg && !isId(msg.id)) {
      return {
        kind: 'invalid',
        id: null,
        code: -32600,
        message: 'Invalid Request: "id" must be a string or a number',
      };
    }
    if (
      'params' in msg &&
      (typeof msg.params !== 'object' || msg.params === null || Array.isArray(msg.params))
    ) {
      return { kind: 'invalid', id, code: -32600, message: 'Invalid Request: "params" must be an object' };
    }
    // The SDK drops a request its schema refuses (say, an object as `_meta.progressToken`) without
    // answering: the client would wait forever. Refuse it here, with its id and the reason.
    if (id !== null && !isRequest(msg)) {
      return { kind: 'invalid', id, code: -32600, message: `Invalid Request: ${schemaProblem(msg)}` };
    }
    return { kind: 'message', message: msg as unknown as JSONRPCMessage };
  }
  if (isId(msg.id) && ('result' in msg || 'error' in msg)) {
    return { kind: 'message', message: msg as unknown as JSONRPCMessage };
  }
  return {
    kind: 'invalid',
    id,
    code: -32600,
    message: 'Invalid Request: neither a request, a notification nor a response',
  };
}

interface SchemaIssue {
  readonly path?: readonly unknown[];
  readonly message?: string;
  readonly errors?: ReadonlyArray<readonly SchemaIssue[]>;
}

/**
 * What the protocol's schema finds wrong with a message, as `"where": what`. The schema is a union
 * (request | notification | response), so the most specific issue — the one deepest in the
 * message — is the one that names the real problem.
 */
function schemaProblem(msg: unknown): string {
  try {
    parseJSONRPCMessage(msg);
    return 'not a valid JSON-RPC request';
  } catch (err) {
    let best: SchemaIssue | undefined;
    const visit = (issues: readonly SchemaIssue[] | undefined, prefix: readonly unknown[]): void => {
      for (const issue of issues ?? []) {
        const path = [...prefix, ...(issue.path ?? [])];
        if (issue.errors) for (const branch of issue.errors) visit(branch, path);
        else if (!best || path.length > (best.path?.length ?? 0)) best = { ...issue, path };
      }
    };
    visit((err as { issues?: SchemaIssue[] }).issues, []);
    if (!best) return 'not a valid JSON-RPC request';
    const where = (best.path ?? []).map(String).join('.');
    return `${where === '' ? 'message' : `"${where}"`}: ${best.message ?? 'invalid'}`;
  }
}
