/**
 * Whether a JSON-RPC message plainly has one of the MCP SDK's message shapes, by reading the few
 * properties its strict schemas look at (the schemas themselves are zod parses over the whole
 * message, results included, and cost far more than the rest of relaying it). `true` means the
 * schema certainly accepts the message and would return an equal copy; `false` means "not sure":
 * an unknown key, a `_meta` member the schema rewrites, a non-plain object. Callers then ask the
 * schema. No SDK here (core depends on nothing): the faces and upstream packages pair these with
 * the SDK's own checks, and a test pins the pair to the schemas on the same inputs.
 */

const RELATED_TASK = 'io.modelcontextprotocol/related-task';
const SERVER_INFO = 'io.modelcontextprotocol/serverInfo';

type Obj = Record<string, unknown>;

export function plain(v: unknown): v is Obj {
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
export function plainRequest(m: Obj): boolean {
  return (
    m.jsonrpc === '2.0' &&
    idValue(m.id) &&
    typeof m.method === 'string' &&
    onlyKeys(m, REQUEST_KEYS) &&
    plainParams(m.params)
  );
}

export function plainNotification(m: Obj): boolean {
  return (
    m.jsonrpc === '2.0' &&
    m.id === undefined &&
    typeof m.method === 'string' &&
    onlyKeys(m, NOTIFICATION_KEYS) &&
    plainParams(m.params)
  );
}

export function plainResult(m: Obj): boolean {
  if (m.jsonrpc !== '2.0' || !idValue(m.id) || !plain(m.result) || !onlyKeys(m, RESULT_KEYS)) return false;
  const meta = m.result._meta;
  // The schema rewrites an invalid serverInfo (`.catch`): leave that to it.
  return meta === undefined || (plain(meta) && meta[SERVER_INFO] === undefined);
}

export function plainError(m: Obj): boolean {
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
