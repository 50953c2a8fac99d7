#!/usr/bin/env node
/**
 * A legacy-era (2025) MCP server for tests, written against the wire directly (newline-delimited
 * JSON-RPC on stdio, no SDK) so that every behaviour is deliberate:
 *
 * - `tools/list` is paginated with a page size of 3 over 11 tools (4 pages) — pagination tests.
 * - Tool descriptions change at runtime — `set_description` or the JSON control file named by
 *   `MUTABLE_CONTROL_FILE` (`{"descriptions": {"echo": "…"}}`, watched) — and every change emits
 *   `notifications/tools/list_changed` (tool-pinning tests).
 * - `crash` exits the process at once without answering (supervision tests).
 * - `ask`, `sample`, `list_roots` send `elicitation/create`, `sampling/createMessage`, `roots/list`
 *   to the client and return what came back — or the client's error message — as text.
 * - `slow` reports progress and stops when cancelled; `log` emits `notifications/message`.
 * - It never answers `server/discover` (method not found), so a probing client falls back to legacy.
 * - `MUTABLE_CHANGE_DURING_FIRST_LIST=tool=description` changes a description mid-listing.
 * - `MUTABLE_PID_FILE=path` appends this process's pid there at startup.
 * - `MUTABLE_RESOURCES_FILE=path` turns on resources (`mutable://note`, `mutable://other`) with
 *   subscriptions; each change of that file (`{"touch": ["mutable://note"], …}`, watched) sends
 *   `notifications/resources/updated` for each touched URI this connection subscribed to.
 * - With `MUTABLE_STUBBORN=1` it ignores stdin EOF and SIGTERM (shutdown tests: only SIGKILL works).
 */
import { appendFileSync, readFileSync, watchFile } from 'node:fs';
import { createInterface } from 'node:readline';

type Json = Record<string, unknown>;
type Id = string | number;

const PAGE_SIZE = 3;
const SUPPORTED = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const controlFile = process.env.MUTABLE_CONTROL_FILE;
// Lets a test find every process it caused (including ones a client spawned and then abandoned).
if (process.env.MUTABLE_PID_FILE) appendFileSync(process.env.MUTABLE_PID_FILE, `${process.pid}\n`);

const resourcesFile = process.env.MUTABLE_RESOURCES_FILE;
const RESOURCES = ['mutable://note', 'mutable://other'];
const subscribed = new Set<string>();
if (resourcesFile) {
  watchFile(resourcesFile, { interval: 50 }, () => {
    let touched: unknown;
    try {
      touched = (JSON.parse(readFileSync(resourcesFile, 'utf8')) as { touch?: unknown }).touch;
    } catch {
      return; // missing or half-written: wait for the next change
    }
    for (const uri of Array.isArray(touched) ? touched : [])
      if (typeof uri === 'string' && subscribed.has(uri))
        send({ method: 'notifications/resources/updated', params: { uri } });
  });
}

const descriptions = new Map<string, string>([
  ['echo', 'Echoes the message back'],
  ['set_description', 'Changes the description of a tool and announces the list change'],
  ['crash', 'Exits the server process immediately'],
  ['ask', 'Asks the client for input (elicitation/create)'],
  ['sample', 'Asks the client for a completion (sampling/createMessage)'],
  ['list_roots', 'Asks the client for its roots (roots/list)'],
  ['slow', 'Reports progress in steps; stops when cancelled'],
  ['log', 'Emits a log message notification'],
  ['whereami', 'Returns the working directory, environment variable names and cancellations received'],
  ['filler_1', 'Filler tool 1'],
  ['filler_2', 'Filler tool 2'],
]);
const overrides = new Map<string, string>();
const cancelled = new Set<Id>();
/** Every `notifications/cancelled` received, in order (`whereami` reports them). */
const cancellations: Id[] = [];
const pendingToClient = new Map<string, (msg: Json) => void>();
let nextServerId = 1;

function send(msg: Json): void {
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...msg }) + '\n');
}

function readControlFile(): void {
  if (!controlFile) return;
  overrides.clear();
  try {
    const parsed = JSON.parse(readFileSync(controlFile, 'utf8')) as { descriptions?: Record<string, string> };
    for (const [k, v] of Object.entries(parsed.descriptions ?? {})) overrides.set(k, v);
  } catch {
    // Missing or half-written file: no overrides until it parses.
  }
}

if (controlFile) {
  readControlFile();
  watchFile(controlFile, { interval: 50 }, () => {
    readControlFile();
    send({ method: 'notifications/tools/list_changed' });
  });
}

/**
 * `MUTABLE_CHANGE_DURING_FIRST_LIST=tool=description`: right after answering the first page of the
 * first `tools/list`, change that tool's description and announce it — a change that lands while a
 * client is still paging through its first listing.
 */
let changedDuringFirstList = false;
function changeDuringFirstList(): void {
  const spec = process.env.MUTABLE_CHANGE_DURING_FIRST_LIST;
  if (!spec || changedDuringFirstList) return;
  changedDuringFirstList = true;
  const eq = spec.indexOf('=');
  overrides.set(spec.slice(0, eq), spec.slice(eq + 1));
  send({ method: 'notifications/tools/list_changed' });
}

function toolDefs(): Json[] {
  return [...descriptions.entries()].map(([name, description]) => ({
    name,
    description: overrides.get(name) ?? description,
    inputSchema: { type: 'object', properties: {}, additionalProperties: true },
  }));
}

function askClient(method: string, params: Json): Promise<Json> {
  const id = `srv-${nextServerId++}`;
  return new Promise((resolve) => {
    pendingToClient.set(id, resolve);
    send({ id, method, params });
  });
}

function str(v: unknown, fallback: string): string {
  return typeof v === 'string' ? v : fallback;
}

function text(t: string, isError = false): Json {
  return isError
    ? { content: [{ type: 'text', text: t }], isError: true }
    : { content: [{ type: 'text', text: t }] };
}

async function relayToClient(method: string, params: Json): Promise<Json> {
  const reply = await askClient(method, params);
  if (reply.error) {
    const err = reply.error as { code: number; message: string };
    return text(`client refused ${method}: [${err.code}] ${err.message}`, true);
  }
  return { content: [{ type: 'text', text: JSON.stringify(reply.result) }], structuredContent: reply.result };
}

async function callTool(id: Id, name: string, args: Json, meta: Json | undefined): Promise<Json | undefined> {
  switch (name) {
    case 'echo':
      return text(`Echo: ${String(args.message)}`);
    case 'set_description': {
      const tool = String(args.tool);
      if (!descriptions.has(tool)) return text(`no tool ${tool}`, true);
      overrides.set(tool, String(args.description));
      send({ method: 'notifications/tools/list_changed' });
      return text(`description of ${tool} changed`);
    }
    case 'crash':
      process.exit(typeof args.code === 'number' ? args.code : 3);
      return undefined;
    case 'ask':
      return relayToClient('elicitation/create', {
        message: str(args.message, 'Your name?'),
        requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
      });
    case 'sample':
      return relayToClient('sampling/createMessage', {
        messages: [{ role: 'user', content: { type: 'text', text: str(args.prompt, 'hello') } }],
        maxTokens: 50,
      });
    case 'list_roots':
      return relayToClient('roots/list', {});
    case 'slow': {
      const steps = typeof args.steps === 'number' ? args.steps : 5;
      const stepMs = typeof args.stepMs === 'number' ? args.stepMs : 50;
      const token = meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        await new Promise((r) => setTimeout(r, stepMs));
        if (cancelled.has(id)) return undefined;
        if (token !== undefined) {
          send({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps },
          });
        }
      }
      return text(`slept ${steps} steps`);
    }
    case 'whereami':
      return {
        content: [{ type: 'text', text: process.cwd() }],
        structuredContent: { cwd: process.cwd(), envKeys: Object.keys(process.env).sort(), cancellations },
      };
    case 'log':
      send({
        method: 'notifications/message',
        params: { level: str(args.level, 'info'), logger: 'mutable', data: args.data ?? 'hello' },
      });
      return text('logged');
    default:
      if (descriptions.has(name)) return text(name);
      return undefined;
  }
}

async function onRequest(id: Id, method: string, params: Json): Promise<void> {
  switch (method) {
    case 'initialize': {
      const requested = String(params.protocolVersion);
      send({
        id,
        result: {
          protocolVersion: SUPPORTED.includes(requested) ? requested : SUPPORTED[0],
          capabilities: {
            tools: { listChanged: true },
            logging: {},
            ...(resourcesFile ? { resources: { subscribe: true } } : {}),
          },
          serverInfo: { name: 'mcpgate-test-mutable', version: '1.0.0' },
        },
      });
      return;
    }
    case 'ping':
      send({ id, result: {} });
      return;
    case 'logging/setLevel':
      send({ id, result: {} });
      return;
    case 'tools/list': {
      const all = toolDefs();
      const start = typeof params.cursor === 'string' ? Number(params.cursor) : 0;
      const page = all.slice(start, start + PAGE_SIZE);
      const next = start + PAGE_SIZE < all.length ? String(start + PAGE_SIZE) : undefined;
      send({ id, result: next === undefined ? { tools: page } : { tools: page, nextCursor: next } });
      changeDuringFirstList();
      return;
    }
    case 'resources/list':
    case 'resources/templates/list':
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      onResources(id, method, String(params.uri));
      return;
    case 'tools/call': {
      const name = String(params.name);
      if (!descriptions.has(name)) {
        send({ id, error: { code: -32602, message: `Unknown tool: ${name}` } });
        return;
      }
      const result = await callTool(
        id,
        name,
        (params.arguments as Json | undefined) ?? {},
        params._meta as Json,
      );
      if (result !== undefined && !cancelled.has(id)) send({ id, result });
      cancelled.delete(id);
      return;
    }
    default:
      send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
  }
}

function onResources(id: Id, method: string, uri: string): void {
  if (!resourcesFile) {
    send({ id, error: { code: -32601, message: `Method not found: ${method}` } });
    return;
  }
  if (method === 'resources/templates/list') {
    send({ id, result: { resourceTemplates: [] } });
    return;
  }
  if (method === 'resources/list') {
    send({ id, result: { resources: RESOURCES.map((u) => ({ uri: u, name: u.slice(10) })) } });
    return;
  }
  if (!RESOURCES.includes(uri)) {
    send({ id, error: { code: -32002, message: `Resource not found: ${uri}` } });
    return;
  }
  if (method === 'resources/read') send({ id, result: { contents: [{ uri, text: `content of ${uri}` }] } });
  else {
    if (method === 'resources/subscribe') subscribed.add(uri);
    else subscribed.delete(uri);
    send({ id, result: {} });
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let msg: Json;
  try {
    msg = JSON.parse(line) as Json;
  } catch {
    send({ id: null, error: { code: -32700, message: 'Parse error' } });
    return;
  }
  const method = typeof msg.method === 'string' ? msg.method : undefined;
  const id = msg.id as Id | undefined;
  if (method === undefined && id !== undefined) {
    pendingToClient.get(String(id))?.(msg);
    pendingToClient.delete(String(id));
    return;
  }
  if (method === 'notifications/cancelled') {
    const p = msg.params as { requestId?: Id } | undefined;
    if (p?.requestId !== undefined) {
      cancelled.add(p.requestId);
      cancellations.push(p.requestId);
    }
    return;
  }
  if (method === undefined || id === undefined) return;
  void onRequest(id, method, (msg.params as Json | undefined) ?? {});
});
if (process.env.MUTABLE_STUBBORN === '1') {
  // A badly behaved server for shutdown tests: ignores stdin EOF and SIGTERM, only SIGKILL ends it.
  process.on('SIGTERM', () => undefined);
  setInterval(() => undefined, 1000);
} else {
  rl.on('close', () => process.exit(0));
}
