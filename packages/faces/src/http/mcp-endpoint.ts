import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES } from '@mcpgate/core';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type AuthInfo,
  type McpRequestContext,
} from '@modelcontextprotocol/server';
import type { InputExchangeRegistry } from '../input-exchange.js';
import { applyClient, createSessionServer, describeMessage } from '../session-server.js';
import { isListenRequest, listenedResources } from '../listen.js';
import { BoundedEventStore } from './event-store.js';
import { pumpResponse, sendRpcError, toWebRequest } from './node-io.js';
import {
  LazyGatewaySession,
  ModernSessions,
  newSessionInfo,
  type LegacySession,
  type LegacySessions,
  type RequestScope,
  type SessionOpener,
} from './sessions.js';
import { StreamableHttpServerTransport } from './streamable-transport.js';

export interface McpEndpointOptions extends SessionOpener {
  readonly name: string;
  readonly version: string;
  readonly exchanges: InputExchangeRegistry;
  readonly sessions: LegacySessions;
  readonly keepAliveMs: number;
  readonly bodyLimit: number;
  readonly resumptionBuffer: number;
  readonly maxSessions: number;
}

/** What the endpoint needs from one already-authenticated, already-read request. */
export interface McpRequest {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  readonly scope: RequestScope;
  readonly body: string | undefined;
  readonly parsed: unknown;
  readonly headers: Record<string, string>;
}

/** The scope rides on AuthInfo.extra; AuthInfo.token is left empty: the credential never travels. */
function authInfoFor(scope: RequestScope): AuthInfo {
  return {
    token: '',
    clientId: scope.identity.subject,
    scopes: [...(scope.identity.scopes ?? [])],
    ...(scope.identity.expiresAt !== undefined && { expiresAt: Math.floor(scope.identity.expiresAt / 1000) }),
    extra: { scope },
  };
}

/**
 * `/mcp`: Streamable HTTP for both eras. Modern (2026-07-28) requests go to the SDK's stateless
 * `createMcpHandler` (server/discover, `_meta`, Mcp-Method/Mcp-Name checks, input_required, stream
 * close = cancel) — one handler and one gateway session per principal. Legacy traffic gets a
 * session per `initialize` on the gateway's Node-native transport, bound to its creator, with a
 * bounded resumption buffer.
 */
export function createMcpEndpoint(opts: McpEndpointOptions) {
  const legacyTransports = new Map<string, StreamableHttpServerTransport>();
  // One SDK handler per principal (see ModernSessions): the factory runs per request.
  const modernSessions: ModernSessions = new ModernSessions(opts, () =>
    createMcpHandler(
      (ctx: McpRequestContext) => {
        const scope = ctx.authInfo?.extra?.scope as RequestScope | undefined;
        if (!scope) throw new Error('request reached the MCP handler without an authenticated scope');
        let attached: ReturnType<ModernSessions['attach']> | undefined;
        const server = createSessionServer({
          name: opts.name,
          version: opts.version,
          exchanges: opts.exchanges,
          session: (s, client) => (attached ??= modernSessions.attach(scope, s)).session(s, client),
        });
        server.onclose = () => attached?.release();
        return server;
      },
      {
        legacy: 'reject',
        keepAliveMs: opts.keepAliveMs,
        maxRequestBodySize: opts.bodyLimit,
        onerror: (err) => opts.logger.debug({ err: err.message }, 'modern request refused or failed'),
      },
    ),
  );

  async function openLegacy(r: McpRequest): Promise<void> {
    // A place is held from the check until the session is registered (or refused): awaits lie
    // between the two, and concurrent initializes must not all pass the check.
    const release = opts.sessions.reserve(opts.maxSessions);
    if (!release) {
      sendRpcError(r.res, 503, -32000, 'too many open sessions; try again later', {
        ...r.headers,
        'retry-after': '5',
      });
      return;
    }
    const wireId = randomUUID();
    const lazy = new LazyGatewaySession(opts, newSessionInfo('http', 'legacy', r.scope));
    const transport = new StreamableHttpServerTransport({
      sessionId: wireId,
      keepAliveMs: opts.keepAliveMs,
      ...(opts.resumptionBuffer > 0 && { events: new BoundedEventStore(opts.resumptionBuffer) }),
      onInitialized: () => opts.sessions.add(entry),
      onDelete: () => void entry.close('deleted by client'),
    });
    const server = createSessionServer({
      name: opts.name,
      version: opts.version,
      exchanges: opts.exchanges,
      session: (s, client) => {
        applyClient(lazy.info, client);
        return lazy.get(s);
      },
    });
    let closing: Promise<void> | undefined;
    const entry: LegacySession = {
      wireId,
      kind: 'streamable',
      ownerKey: r.scope.ownerKey,
      info: lazy.info,
      lastSeen: Date.now(),
      openStreams: 0,
      close: (reason) =>
        (closing ??= (async () => {
          opts.sessions.delete(wireId);
          legacyTransports.delete(wireId);
          await transport.close().catch(() => undefined);
          await lazy.close();
          opts.logger.info({ session: lazy.info.id, reason }, 'legacy session closed');
        })()),
    };
    server.onclose = () => void entry.close('transport closed');
    transport.onerror = (err) => opts.logger.debug({ err: err.message }, 'legacy transport error');
    try {
      await server.connect(transport);
      legacyTransports.set(wireId, transport);
      await transport.handle(r.req, r.res, r.parsed, authInfoFor(r.scope), r.headers);
    } finally {
      release();
    }
    if (!opts.sessions.lookup(wireId, r.scope.ownerKey, 'streamable')) {
      // The handshake was refused (bad version, malformed): nothing to keep.
      void entry.close('initialize refused');
    } else {
      // The session exists from now on (its id is issued): recorded even if it never makes a call.
      const described = describeMessage(r.parsed);
      if (described) applyClient(lazy.info, described);
      lazy.start();
      opts.logger.info(
        { session: lazy.info.id, subject: r.scope.identity.subject, sourceIp: r.scope.sourceIp },
        'legacy session opened',
      );
    }
  }

  return {
    async handle(r: McpRequest): Promise<void> {
      const sid = r.req.headers['mcp-session-id'];
      if (typeof sid === 'string' && sid.length > 0) {
        const s = opts.sessions.lookup(sid, r.scope.ownerKey, 'streamable');
        const transport = s ? legacyTransports.get(sid) : undefined;
        if (!s || !transport) {
          // Indistinguishable from an unknown id for the caller; on the record as what it is.
          const target = opts.sessions.foreign(sid, r.scope.ownerKey, 'streamable');
          if (target) {
            opts.security?.sessionHijack(
              r.req,
              r.scope.sourceIp,
              r.url.pathname,
              r.scope.identity,
              target.info,
              'streamable-http',
            );
          }
          sendRpcError(r.res, 404, ERROR_CODES.session_not_found.jsonrpc, 'Session not found', r.headers);
          return;
        }
        // A refreshed token for the same principal: later audit records carry the new token id.
        s.info.identity = r.scope.identity;
        // A session with a request or stream open is not idle, however long the call takes.
        s.openStreams++;
        s.lastSeen = Date.now();
        // A long-lived stream must not outlive the credential that opened it: end it when the token
        // expires; the client reconnects with a fresh token and Last-Event-ID.
        const expiresAt = r.scope.identity.expiresAt;
        const expiry =
          r.req.method === 'GET' && expiresAt !== undefined
            ? setTimeout(() => r.res.destroy(), Math.max(0, Math.min(expiresAt - Date.now(), 2 ** 31 - 1)))
            : undefined;
        expiry?.unref();
        r.res.once('close', () => {
          clearTimeout(expiry);
          s.openStreams--;
          s.lastSeen = Date.now();
        });
        await transport.handle(r.req, r.res, r.parsed, authInfoFor(r.scope), r.headers);
        return;
      }
      if (r.req.method !== 'POST') {
        sendRpcError(
          r.res,
          r.req.method === 'GET' ? 405 : 400,
          -32000,
          r.req.method === 'GET'
            ? 'GET needs an Mcp-Session-Id (legacy sessions only; 2026-07-28 has no standalone stream)'
            : 'Mcp-Session-Id header is required',
          { ...r.headers, allow: 'GET, POST, DELETE' },
        );
        return;
      }
      // Only requests that open a session or are stateless get a web Request (the SDK's handler
      // takes one); its signal ends with the connection, which for a modern request is a cancel.
      const abort = new AbortController();
      r.res.once('close', () => abort.abort());
      const request = toWebRequest(r.req, r.url, r.body, abort.signal);
      if (await isLegacyRequest(request, r.parsed, { maxRequestBodySize: opts.bodyLimit })) {
        if (!isInitializeRequest(r.parsed)) {
          sendRpcError(r.res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required', r.headers);
          return;
        }
        await openLegacy(r);
        return;
      }
      const response = await modernSessions
        .handlerFor(r.scope)
        .fetch(request, { parsedBody: r.parsed, authInfo: authInfoFor(r.scope) });
      if (isListenRequest(r.parsed) && response.ok && isEventStream(response)) {
        modernSessions.listen(r.scope, listenedResources(r.parsed), abort.signal);
      }
      await pumpResponse(response, r.res, r.headers);
    },
    /** Closes principals' modern sessions idle for `idleMs` (legacy sessions are swept apart). */
    sweepModern: (now: number, idleMs: number) => modernSessions.sweep(now, idleMs),
    modernSessionCount: () => modernSessions.size,
    close: () => modernSessions.closeAll(),
  };
}

export type McpEndpoint = ReturnType<typeof createMcpEndpoint>;

function isEventStream(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
}
