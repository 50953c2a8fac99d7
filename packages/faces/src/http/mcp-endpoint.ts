import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, type JsonObject, type SessionInfo } from '@mcpgate/core';
import {
  createMcpHandler,
  isInitializeRequest,
  isLegacyRequest,
  type AuthInfo,
  type JSONRPCMessage,
  type McpRequestContext,
  type Server,
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
import type { ReplicaLink } from './replica-link.js';
import { sessionIdHash, type SessionDirectory } from './session-directory.js';
import type { SharedStreams } from './shared-streams.js';
import type { SharedCancellations } from './cancellations.js';
import { isProbe, ModernDirectory } from './modern-directory.js';
import { dispatchDirectly } from '@mcpgate/core';

/** Scale-out: what replicas sharing one Postgres use to serve each other's sessions. */
export interface Cluster {
  readonly link: ReplicaLink;
  readonly directory: SessionDirectory;
  /** Resumption across replicas (absent when server.resumptionBuffer is 0). */
  readonly streams?: SharedStreams;
  /** A client's cancellation reaches the replica running the call. */
  readonly cancels?: SharedCancellations;
  /** `server.resumptionMaxAge`: spilled events older than this are deleted. */
  readonly resumptionMaxAge: number;
  /**
   * Some upstream runs one process (or connection) per session: a session is then served only by
   * the replica that opened it (the others answer 404, the client re-initializes).
   */
  readonly pinSessions: boolean;
}

export interface McpEndpointOptions extends SessionOpener {
  readonly name: string;
  readonly version: string;
  readonly exchanges: InputExchangeRegistry;
  readonly sessions: LegacySessions;
  readonly keepAliveMs: number;
  readonly bodyLimit: number;
  readonly resumptionBuffer: number;
  readonly maxSessions: number;
  readonly cluster?: Cluster;
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
          ownerKey: scope.ownerKey,
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

  const cluster = opts.cluster;
  // Scale-out: a principal's modern requests on every replica share one session (one record).
  const modernShared =
    cluster &&
    new ModernDirectory(
      cluster.directory.sql,
      cluster.directory,
      modernSessions,
      opts.logger,
      cluster.link.tag,
    );
  /** This replica's sessions by the hash of their wire id (how the store and other replicas name them). */
  const byHash = new Map<string, LegacySession>();
  /** Sessions with a request since the sweeper last refreshed the store. */
  const seen = new Set<string>();
  /** Restores in progress, so concurrent first requests on this replica load a session once. */
  const restoring = new Map<string, Promise<void>>();

  /**
   * One legacy session on this replica: a new one (`restored` undefined) or, in a scale-out
   * deployment, the local copy of a session another replica opened.
   */
  function buildLegacy(
    wireId: string,
    ownerKey: string,
    info: SessionInfo,
    restored?: { readonly init: JsonObject },
  ): {
    entry: LegacySession;
    transport: StreamableHttpServerTransport;
    server: Server;
    lazy: LazyGatewaySession;
  } {
    const idHash = cluster ? sessionIdHash(wireId) : '';
    const lazy = new LazyGatewaySession(opts, info, restored !== undefined);
    // Per-session upstream processes live in this replica: such a session is served here only.
    const pinned = cluster?.pinSessions === true;
    let closing: Promise<void> | undefined;
    const drop = (): void => {
      opts.sessions.delete(wireId);
      legacyTransports.delete(wireId);
      if (byHash.get(idHash) === entry) byHash.delete(idHash);
    };
    const entry: LegacySession = {
      wireId,
      kind: 'streamable',
      ownerKey,
      info: lazy.info,
      ...(cluster && { idHash }),
      openGateway: () => void lazy.get(server),
      lastSeen: Date.now(),
      openStreams: 0,
      // `closing` is set before any of the work runs: closing the transport calls back into
      // close() ('transport closed'), which must not turn a release into an end.
      close: (reason) =>
        (closing ??= Promise.resolve().then(async () => {
          drop();
          if (cluster) {
            await cluster.directory
              .end(idHash, reason)
              .catch((err: unknown) =>
                opts.logger.warn({ err: String(err), session: lazy.info.id }, 'session end not stored'),
              );
          }
          await transport.close().catch(() => undefined);
          await lazy.close();
          opts.logger.info({ session: lazy.info.id, reason }, 'legacy session closed');
        })),
      ...(cluster &&
        !pinned && {
          release: (reason: string) =>
            (closing ??= Promise.resolve().then(async () => {
              drop();
              const handed = reason === 'shutdown' ? transport.handOver() : undefined;
              if (handed !== undefined) {
                await cluster.streams?.flushed(handed);
                opts.logger.info({ session: lazy.info.id }, 'GET stream handed over to the other replicas');
              }
              await transport.close().catch(() => undefined);
              await lazy.close(false);
              opts.logger.debug({ session: lazy.info.id, reason }, 'legacy session copy released');
            })),
        }),
    };
    const transport = new StreamableHttpServerTransport({
      sessionId: wireId,
      keepAliveMs: opts.keepAliveMs,
      ...(opts.resumptionBuffer > 0 && { events: new BoundedEventStore(opts.resumptionBuffer) }),
      onInitialized: (params) => {
        opts.sessions.add(entry);
        if (cluster) byHash.set(idHash, entry);
        if (!cluster) return;
        const described = describeMessage({ method: 'initialize', params });
        if (described) applyClient(lazy.info, described);
        // Stored before the answer carrying the session id leaves: the client's next request may
        // reach any replica.
        return cluster.directory.create(idHash, {
          ownerKey,
          info: lazy.info,
          init: params,
          ...(pinned && { pinnedTo: cluster.link.tag }),
        });
      },
      onInitFailed: (err) => {
        opts.logger.error({ err: String(err), session: lazy.info.id }, 'legacy session could not be stored');
        void entry.close('session store unreachable');
      },
      onDelete: () => entry.close('deleted by client'),
      ...(cluster?.streams && {
        shared: {
          tag: cluster.link.tag,
          persist: (stream, events, final) => void cluster.streams!.persist(idHash, stream, events, final),
          open: (last) => cluster.streams!.open(idHash, last),
        },
      }),
      ...(cluster && {
        replicaTag: cluster.link.tag,
        forwardAnswer: (tag: string, message: JSONRPCMessage) => {
          opts.logger.info(
            { session: lazy.info.id, replica: tag },
            'client answer forwarded to the replica that asked',
          );
          void cluster.link
            .send(tag, 'answer', { session: idHash, message: message })
            .catch((err: unknown) =>
              opts.logger.warn(
                { err: String(err), replica: tag },
                'answer for another replica not forwarded',
              ),
            );
        },
        ...(cluster.cancels && {
          forwardCancel: (requestId: string | number, reason: string | undefined) =>
            cluster.cancels!.announce(idHash, requestId, reason),
        }),
      }),
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
    server.onclose = () => void entry.close('transport closed');
    transport.onerror = (err) => opts.logger.debug({ err: err.message }, 'legacy transport error');
    return { entry, transport, server, lazy };
  }

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
    const { transport, server, lazy } = buildLegacy(
      wireId,
      r.scope.ownerKey,
      newSessionInfo('http', 'legacy', r.scope),
    );
    const info = lazy.info;
    try {
      await server.connect(transport);
      dispatchDirectly(server, transport);
      legacyTransports.set(wireId, transport);
      await transport.handle(r.req, r.res, r.parsed, authInfoFor(r.scope), r.headers);
    } finally {
      release();
    }
    if (!opts.sessions.lookup(wireId, r.scope.ownerKey, 'streamable')) {
      // The handshake was refused (bad version, malformed): nothing to keep.
      legacyTransports.delete(wireId);
      void transport.close();
      void lazy.close();
    } else {
      // The session exists from now on (its id is issued): recorded even if it never makes a call.
      const described = describeMessage(r.parsed);
      if (described) applyClient(info, described);
      lazy.start();
      opts.logger.info(
        {
          session: info.id,
          subject: r.scope.identity.subject,
          sourceIp: r.scope.sourceIp,
          ...(cluster && { replica: cluster.link.tag }),
        },
        'legacy session opened',
      );
    }
  }

  /**
   * Scale-out: loads a session another replica opened from the shared store into this replica
   * (whoever asks: the caller's identity is checked afterwards exactly as for a local session).
   * A session pinned to another replica (per-session upstreams) is not loaded: 404, and the
   * client re-initializes.
   */
  async function restore(wireId: string, scope: RequestScope, r: McpRequest): Promise<void> {
    if (!cluster || opts.sessions.lookupAny(wireId)) return;
    let pending = restoring.get(wireId);
    if (!pending) {
      pending = (async () => {
        const idHash = sessionIdHash(wireId);
        const rec = await cluster.directory.find(idHash);
        if (!rec || opts.sessions.lookupAny(wireId)) return;
        if (rec.pinnedTo !== undefined && rec.pinnedTo !== cluster.link.tag) {
          if (rec.ownerKey !== scope.ownerKey) {
            opts.security?.sessionHijack(
              r.req,
              scope.sourceIp,
              r.url.pathname,
              scope.identity,
              rec.info,
              'streamable-http',
            );
          }
          opts.logger.info(
            { session: rec.info.id, pinnedTo: rec.pinnedTo },
            'legacy session is bound to another replica (per-session upstreams); answered 404',
          );
          return;
        }
        const { entry, transport, server } = buildLegacy(wireId, rec.ownerKey, rec.info, { init: rec.init });
        await server.connect(transport);
        dispatchDirectly(server, transport);
        legacyTransports.set(wireId, transport);
        opts.sessions.add(entry);
        byHash.set(idHash, entry);
        await transport.restore(rec.init);
        opts.logger.debug({ session: rec.info.id }, 'legacy session loaded from the store');
      })().finally(() => restoring.delete(wireId));
      restoring.set(wireId, pending);
    }
    await pending;
  }

  if (cluster) {
    cluster.link.on('stream-spill', async (body) => {
      const s = byHash.get(String(body.session));
      const transport = s ? legacyTransports.get(s.wireId) : undefined;
      const stream = String(body.stream);
      if (!transport?.spillNow(stream)) return { unknown: true };
      await cluster.streams?.flushed(stream);
      return {};
    });
    cluster.link.on('answer', (body) => {
      const s = byHash.get(String(body.session));
      const transport = s ? legacyTransports.get(s.wireId) : undefined;
      transport?.inject(body.message as JSONRPCMessage);
      return undefined;
    });
  }

  /**
   * Scale-out housekeeping, run by the face's sweeper: refresh `last_seen_at` of the sessions
   * this replica served, drop copies of sessions ended elsewhere (a missed NOTIFY), and end the
   * sessions no replica has seen for `idleMs` (each recorded by exactly one replica).
   */
  async function sweepCluster(idleMs: number, marginMs: number): Promise<number> {
    if (!cluster) return 0;
    await modernShared?.sweep();
    const active = new Set(seen);
    seen.clear();
    const mine = [...byHash.entries()];
    for (const [h, s] of mine) if (s.openStreams > 0) active.add(h);
    await cluster.directory.touch([...active]);
    for (const h of await cluster.directory.ended(mine.map(([h]) => h))) {
      const s = byHash.get(h);
      if (s) await (s.release ?? s.close)('ended on another replica');
    }
    const expired = await cluster.directory.expire(idleMs + marginMs);
    for (const info of expired) {
      await Promise.resolve(opts.hooks?.onSessionClose?.(info)).catch((err: unknown) =>
        opts.logger.error({ err: String(err), session: info.id }, 'session-close hook failed'),
      );
    }
    await cluster.directory.purge(24 * 3600_000);
    await cluster.streams?.purge(cluster.resumptionMaxAge);
    return expired.length;
  }

  return {
    async handle(r: McpRequest): Promise<void> {
      const sid = r.req.headers['mcp-session-id'];
      if (typeof sid === 'string' && sid.length > 0) {
        if (cluster && !opts.sessions.lookupAny(sid)) {
          try {
            await restore(sid, r.scope, r);
          } catch (err) {
            opts.logger.error({ err: String(err) }, 'legacy session could not be loaded from the store');
            sendRpcError(r.res, 503, -32000, 'session store unreachable; try again', {
              ...r.headers,
              'retry-after': '5',
            });
            return;
          }
        }
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
        if (r.req.method === 'GET') s.openGateway?.();
        if (s.idHash !== undefined) seen.add(s.idHash);
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
      // Scale-out: the principal's session is shared; a probe (server/discover) opens none.
      const probe = modernShared !== undefined && !modernSessions.has(r.scope.ownerKey) && isProbe(r.parsed);
      try {
        if (!probe) await modernShared?.ensure(r.scope, r.parsed);
      } catch (err) {
        opts.logger.error({ err: String(err) }, 'modern session could not be created or joined in the store');
        sendRpcError(r.res, 503, -32000, 'session store unreachable; try again', {
          ...r.headers,
          'retry-after': '5',
        });
        return;
      }
      const response = await (
        probe ? modernSessions.probeHandler() : modernSessions.handlerFor(r.scope)
      ).fetch(request, { parsedBody: r.parsed, authInfo: authInfoFor(r.scope) });
      if (isListenRequest(r.parsed) && response.ok && isEventStream(response)) {
        modernSessions.listen(r.scope, listenedResources(r.parsed), abort.signal);
      }
      await pumpResponse(response, r.res, r.headers);
    },
    sweepCluster,
    /** Scale-out: a client's cancellation another replica received; true if the call runs here. */
    cancelledElsewhere(idHash: string, requestId: string | number, reason: string | undefined): boolean {
      const s = byHash.get(idHash);
      return (s && legacyTransports.get(s.wireId)?.cancelHere(requestId, reason)) ?? false;
    },
    /** Scale-out: another replica ended a session; drop this replica's copy. */
    endedElsewhere(idHash: string): void {
      modernShared?.endedElsewhere(idHash);
      const s = byHash.get(idHash);
      if (s) void (s.release ?? s.close)('ended on another replica');
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
