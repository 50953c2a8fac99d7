import { ProtocolError, Server, type ServerContext } from '@modelcontextprotocol/server';
import {
  GatewayError,
  methodsWhere,
  RELAYED_METHODS,
  type CallIO,
  type ClientInfo,
  type GatewaySession,
  type JsonObject,
  type ProgressUpdate,
  type SessionInfo,
} from '@mcpgate/core';
import { InputExchange, InputExchangeRegistry, roundOf } from './input-exchange.js';

/** Methods a client may send that the gateway relays (core's method table); everything else is -32601. */
const RELAYED = RELAYED_METHODS;

/** Methods whose modern-era result may be `input_required` (multi-round-trip). */
const MULTI_ROUND = new Set(methodsWhere((m) => m.multiRound === true));

export const GATEWAY_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  completions: {},
  logging: {},
} as const;

export interface SessionServerOptions {
  readonly name: string;
  readonly version: string;
  readonly instructions?: string;
  /**
   * Resolves the gateway session for this server instance (created lazily at the first request).
   * `client` describes the client as this request shows it: apply it (`applyClient`) to the
   * session's info before opening, so the session record names the client.
   */
  readonly session: (server: Server, client: ClientDescription) => GatewaySession;
  readonly exchanges: InputExchangeRegistry;
  /** The caller's owner key (modern HTTP): only they may answer the input requests of their calls. */
  readonly ownerKey?: string;
}

/**
 * One SDK `Server` (low-level — `McpServer` would validate and reshape what a gateway must relay
 * untouched) whose handlers hand every request to a GatewaySession. The SDK owns the era
 * mechanics (initialize vs per-request `_meta`, server/discover, the legacy input_required shim);
 * this adapter owns translation between the SDK's handler context and core's CallIO.
 */
export function createSessionServer(opts: SessionServerOptions): Server {
  const server = new Server(
    { name: opts.name, version: opts.version },
    {
      capabilities: { ...GATEWAY_CAPABILITIES },
      ...(opts.instructions ? { instructions: opts.instructions } : {}),
    },
  );
  for (const method of RELAYED) {
    // The SDK types each method's result; the gateway relays results as they are.
    server.setRequestHandler(method as 'tools/list', async (request, ctx): Promise<never> => {
      const described = describeClient(server, ctx);
      const session = opts.session(server, described);
      applyClient(session.info, described);
      const params = forwardableParams(request.params, ctx);
      try {
        if (isModern(ctx) && MULTI_ROUND.has(method)) {
          return (await handleModernMultiRound(opts, session, method, params, ctx)) as never;
        }
        return (await session.handle(method, params, callIO(server, ctx), ctx.mcpReq.signal)) as never;
      } catch (err) {
        throw toProtocolError(err);
      }
    });
  }
  return server;
}

function isModern(ctx: ServerContext): boolean {
  return ctx.mcpReq.envelope !== undefined && ctx.mcpReq.envelope !== null;
}

async function handleModernMultiRound(
  opts: SessionServerOptions,
  session: GatewaySession,
  method: string,
  params: JsonObject | undefined,
  ctx: ServerContext,
): Promise<JsonObject> {
  const state = params?.requestState;
  if (InputExchangeRegistry.isToken(state)) {
    return opts.exchanges.retry(
      state,
      opts.ownerKey,
      (ctx.mcpReq.inputResponses ?? params?.inputResponses) as Record<string, unknown> | undefined,
      ctx.mcpReq.signal,
    );
  }
  const base = callIO(undefined, ctx);
  const ex = new InputExchange(
    opts.exchanges,
    ({ request, signal }) =>
      session.handle(method, params, { ...base, request: (m, p) => request(m, p) }, signal),
    opts.ownerKey,
  );
  return roundOf(ex, ctx.mcpReq.signal);
}

/**
 * Drops what belongs to the downstream hop (its progress token, the modern envelope keys) and
 * puts back the multi-round-trip retry fields the SDK lifted off the params (`inputResponses`,
 * `requestState`): for a modern upstream they are part of the call and must reach it verbatim.
 */
function forwardableParams(raw: JsonObject | undefined, ctx: ServerContext): JsonObject | undefined {
  const inputResponses = ctx.mcpReq.inputResponses;
  const requestState = ctx.mcpReq.requestState();
  const params: JsonObject | undefined =
    inputResponses === undefined && requestState === undefined
      ? raw
      : {
          ...raw,
          ...(inputResponses !== undefined ? { inputResponses } : {}),
          ...(requestState !== undefined ? { requestState } : {}),
        };
  if (!params) return params;
  const meta = params._meta as JsonObject | undefined;
  if (!meta) return params;
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(meta)) {
    if (k === 'progressToken' || k.startsWith('io.modelcontextprotocol/')) continue;
    rest[k] = v;
  }
  const out: JsonObject = { ...params };
  if (Object.keys(rest).length > 0) out._meta = rest;
  else delete out._meta;
  return out;
}

function callIO(server: Server | undefined, ctx: ServerContext): CallIO {
  const token = ctx.mcpReq._meta?.progressToken;
  const modern = isModern(ctx);
  return {
    progress: async (update: ProgressUpdate) => {
      if (token === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: { progressToken: token, ...update },
      });
    },
    request: async (method, params, signal) => {
      if (modern) {
        throw new GatewayError(
          'cannot_route_server_request',
          `${method} cannot be sent to a 2026-07-28 client outside a multi-round-trip call`,
        );
      }
      return await ctx.mcpReq.send(
        { method, params: params ?? {} } as never,
        signal ? { signal } : undefined,
      );
    },
    clientCapabilities:
      (modern
        ? ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities' as never]
        : server?.getClientCapabilities()) ?? undefined,
  };
}

/** Who the client says it is, from the request's modern envelope or the legacy handshake. */
export interface ClientDescription {
  readonly client?: ClientInfo;
  readonly era: 'legacy' | 'modern';
  readonly protocolVersion?: string;
}

export function describeClient(server: Server, ctx: ServerContext): ClientDescription {
  const env = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const info = (env?.['io.modelcontextprotocol/clientInfo'] ?? server.getClientVersion()) as
    ClientInfo | undefined;
  const version =
    (env?.['io.modelcontextprotocol/protocolVersion'] as string | undefined) ??
    server.getNegotiatedProtocolVersion();
  return {
    era: env ? 'modern' : 'legacy',
    ...(info ? { client: { name: String(info.name), version: String(info.version) } } : {}),
    ...(version ? { protocolVersion: version } : {}),
  };
}

/**
 * The client as one message shows it, without a server instance: `initialize` params (legacy) or
 * the modern `_meta` envelope. Undefined for anything else (a ping, a notification).
 */
export function describeMessage(message: unknown): ClientDescription | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return undefined;
  const m = message as { method?: unknown; params?: Record<string, unknown> };
  const params = typeof m.params === 'object' && m.params !== null ? m.params : undefined;
  if (m.method === 'initialize') {
    const info = params?.clientInfo as { name?: unknown; version?: unknown } | undefined;
    const version = params?.protocolVersion;
    return {
      era: 'legacy',
      ...(info && { client: { name: String(info.name), version: String(info.version) } }),
      ...(typeof version === 'string' && { protocolVersion: version }),
    };
  }
  const env = params?._meta as Record<string, unknown> | undefined;
  const version = env?.['io.modelcontextprotocol/protocolVersion'];
  if (typeof version !== 'string') return undefined;
  const info = env?.['io.modelcontextprotocol/clientInfo'] as
    { name?: unknown; version?: unknown } | undefined;
  return {
    era: 'modern',
    protocolVersion: version,
    ...(info && { client: { name: String(info.name), version: String(info.version) } }),
  };
}

/** Records the client's description on a session's info (the first client name wins). */
export function applyClient(info: SessionInfo, d: ClientDescription): void {
  if (!info.client && d.client) info.client = d.client;
  info.era = d.era;
  if (d.protocolVersion) info.protocolVersion = d.protocolVersion;
}

export function toProtocolError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  const g =
    err instanceof GatewayError
      ? err
      : new GatewayError('internal', err instanceof Error ? err.message : String(err));
  const rpc = g.toJsonRpc();
  return new ProtocolError(rpc.code, rpc.message, rpc.data);
}
