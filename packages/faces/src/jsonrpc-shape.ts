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
 * The SDK's JSON-RPC message checks, answered without a schema parse when the answer is certain.
 *
 * The SDK's `isJSONRPCRequest` & co. are zod `safeParse` calls over the whole message (a result's
 * whole payload included); the HTTP transport asked them four to six times per call, which
 * profiled at about a tenth of the gateway's CPU per call. The shapes are small and fixed
 * (strict objects of `jsonrpc`, `id`, `method`, `params` / `result` / `error`), so a message that
 * plainly has the shape is recognised by reading a few properties. Anything unusual — an unknown
 * key, a `_meta` member the schema looks into, a non-plain object — goes to the SDK's schema, so
 * every answer is the schema's answer (a test pins both on the same inputs).
 */

const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

type Obj = Record<string, unknown>;

function plain(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** `RequestIdSchema` and `ProgressTokenSchema`: a string or a safe integer. */
function idValue(v: unknown): boolean {
  return typeof v === 'string' || Number.isSafeInteger(v);
}

/** Every own key is one of `allowed` (the schemas are strict). */
function onlyKeys(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

/** Request and notification params: `_meta` absent, or plainly valid without the members zod rewrites. */
function plainParams(p: unknown): boolean {
  if (p === undefined) return true;
  if (!plain(p)) return false;
  const meta = p._meta;
  if (meta === undefined) return true;
  if (!plain(meta) || meta[RELATED_TASK] !== undefined) return false;
  const token = meta.progressToken;
  return token === undefined || idValue(token);
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const NOTIFICATION_KEYS = new Set(['jsonrpc', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);
const ERROR_OBJECT_KEYS = new Set(['code', 'message', 'data']);

/** True when `m` certainly is what the schema calls a JSON-RPC request; false when not sure. */
function plainRequest(m: Obj): boolean {
  return (
    m.jsonrpc === '2.0' &&
    idValue(m.id) &&
    typeof m.method === 'string' &&
    onlyKeys(m, REQUEST_KEYS) &&
    plainParams(m.params)
  );
}

function plainNotification(m: Obj): boolean {
  return (
    m.jsonrpc === '2.0' &&
    m.id === undefined &&
    typeof m.method === 'string' &&
    onlyKeys(m, NOTIFICATION_KEYS) &&
    plainParams(m.params)
  );
}

function plainResult(m: Obj): boolean {
  if (m.jsonrpc !== '2.0' || !idValue(m.id) || !plain(m.result) || !onlyKeys(m, RESULT_KEYS)) return false;
  const meta = m.result._meta;
  // The schema rewrites an invalid serverInfo (`.catch`): leave that to it.
  return meta === undefined || (plain(meta) && meta[SERVER_INFO] === undefined);
}

function plainError(m: Obj): boolean {
  const e = m.error;
  return (
    m.jsonrpc === '2.0' &&
    (m.id === undefined || idValue(m.id)) &&
    plain(e) &&
    Number.isSafeInteger(e.code) &&
    typeof e.message === 'string' &&
    onlyKeys(e, ERROR_OBJECT_KEYS) &&
    onlyKeys(m, ERROR_KEYS)
  );
}

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
