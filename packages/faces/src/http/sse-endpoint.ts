import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES, type Identity } from '@mcpgate/core';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';
import type { InputExchangeRegistry } from '../input-exchange.js';
import { applyClient, createSessionServer } from '../session-server.js';
import { sendJson, sendRpcError } from './node-io.js';
import {
  LazyGatewaySession,
  newSessionInfo,
  type LegacySession,
  type LegacySessions,
  type RequestScope,
  type SessionOpener,
} from './sessions.js';
import { SseServerTransport } from './sse-transport.js';
import type { ReplicaLink } from './replica-link.js';
import { sessionIdHash, type SessionDirectory } from './session-directory.js';
import { SSE_POST, SseForwarder, type SsePostBody } from './sse-forward.js';
import { dispatchDirectly } from '@mcpgate/core';

export interface SseEndpointOptions extends SessionOpener {
  readonly name: string;
  readonly version: string;
  readonly exchanges: InputExchangeRegistry;
  readonly sessions: LegacySessions;
  readonly keepAliveMs: number;
  readonly maxSessions: number;
  /** Path the POST endpoint is served at (announced to the client in the `endpoint` event). */
  readonly messagesPath: string;
  /**
   * Scale-out: each session is a row (`kind = 'sse'`) naming the replica that holds its stream, so
   * a `POST /messages` reaching another replica is checked there and handed to this one.
   */
  readonly cluster?: { readonly link: ReplicaLink; readonly directory: SessionDirectory };
}

/**
 * `/sse` + `/messages`: the legacy HTTP+SSE transport (2024-11-05) for clients that still use it.
 * The session is bound to its creator like a Streamable HTTP one.
 */
export function createSseEndpoint(opts: SseEndpointOptions) {
  const transports = new Map<string, SseServerTransport>();
  const cluster = opts.cluster;
  /** Scale-out: this replica's sessions by the hash of their wire id (how other replicas name them). */
  const byHash = new Map<string, LegacySession>();
  /** Scale-out: ends a session whose end another replica already stored and recorded. */
  const ended = new Map<string, (reason: string) => Promise<void>>();
  const forwarder = cluster && new SseForwarder(cluster.link, cluster.directory, opts.logger);
  cluster?.link.on(SSE_POST, (raw) => {
    const body = raw as SsePostBody;
    const s = byHash.get(body.session);
    const transport = s ? transports.get(s.wireId) : undefined;
    // The replica that forwarded checked the owner; checked again where the session lives.
    if (!s || !transport || s.ownerKey !== body.ownerKey) return { unknown: true };
    s.lastSeen = Date.now();
    s.info.identity = body.identity as unknown as Identity;
    for (const m of body.messages) transport.receive(m as unknown as JSONRPCMessage);
    return {};
  });

  return {
    async open(
      req: IncomingMessage,
      res: ServerResponse,
      scope: RequestScope,
      headers: Record<string, string>,
    ) {
      const release = opts.sessions.reserve(opts.maxSessions);
      if (!release) {
        sendRpcError(res, 503, -32000, 'too many open sessions; try again later', {
          ...headers,
          'retry-after': '5',
        });
        return;
      }
      const wireId = randomUUID();
      const idHash = cluster ? sessionIdHash(wireId) : undefined;
      const lazy = new LazyGatewaySession(opts, newSessionInfo('sse', 'legacy', scope));
      if (cluster && idHash) {
        // Stored before the stream announces the session id: the first POST may reach any replica.
        try {
          await cluster.directory.create(idHash, {
            kind: 'sse',
            ownerKey: scope.ownerKey,
            info: lazy.info,
            init: {},
            pinnedTo: cluster.link.tag,
          });
        } catch (err) {
          release();
          opts.logger.error({ err: String(err), session: lazy.info.id }, 'sse session could not be stored');
          sendRpcError(res, 503, -32000, 'session store unreachable; try again', {
            ...headers,
            'retry-after': '5',
          });
          return;
        }
        if (res.destroyed) {
          // The client left while the row was written: nothing was announced, nothing to keep.
          release();
          void cluster.directory.end(idHash, 'stream closed').catch(() => undefined);
          return;
        }
      }
      const transport = new SseServerTransport({
        res,
        endpoint: `${opts.messagesPath}?sessionId=${wireId}`,
        keepAliveMs: opts.keepAliveMs,
        headers,
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
      const finish = (reason: string, record: boolean): Promise<void> =>
        (closing ??= (async () => {
          entry.openStreams = 0;
          opts.sessions.delete(wireId);
          transports.delete(wireId);
          if (idHash !== undefined) {
            byHash.delete(idHash);
            ended.delete(idHash);
            if (record) {
              await cluster?.directory
                .end(idHash, reason)
                .catch((err: unknown) =>
                  opts.logger.warn({ err: String(err), session: lazy.info.id }, 'session end not stored'),
                );
            }
          }
          await transport.close();
          await lazy.close(record);
          opts.logger.info({ session: lazy.info.id, reason }, 'sse session closed');
        })());
      const entry: LegacySession = {
        wireId,
        kind: 'sse',
        ownerKey: scope.ownerKey,
        info: lazy.info,
        ...(idHash !== undefined && { idHash }),
        lastSeen: Date.now(),
        openStreams: 1,
        close: (reason) => finish(reason, true),
      };
      server.onclose = () => void entry.close('stream closed');
      transports.set(wireId, transport);
      if (idHash !== undefined) {
        byHash.set(idHash, entry);
        ended.set(idHash, (reason) => finish(reason, false));
      }
      opts.sessions.add(entry);
      release();
      await server.connect(transport);
      dispatchDirectly(server, transport);
      // The session exists from the stream's first event (its id): recorded even without a call.
      // The client names itself only later, in `initialize`, so this record has no client name.
      lazy.start();
      opts.logger.info(
        { session: lazy.info.id, subject: scope.identity.subject, sourceIp: scope.sourceIp },
        'sse session opened',
      );
    },

    async post(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      scope: RequestScope,
      parsed: unknown,
      headers: Record<string, string>,
    ): Promise<void> {
      const wireId = url.searchParams.get('sessionId') ?? '';
      const messages = Array.isArray(parsed) ? parsed : [parsed];
      for (const m of messages) {
        if (typeof m !== 'object' || m === null || (m as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
          sendRpcError(res, 400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message', headers);
          return;
        }
      }
      const notFound = (): void =>
        sendRpcError(res, 404, ERROR_CODES.session_not_found.jsonrpc, 'Session not found', headers);
      const s = opts.sessions.lookup(wireId, scope.ownerKey, 'sse');
      const transport = s ? transports.get(wireId) : undefined;
      if (!s || !transport) {
        const target = opts.sessions.foreign(wireId, scope.ownerKey, 'sse');
        if (target)
          opts.security?.sessionHijack(req, scope.sourceIp, url.pathname, scope.identity, target.info, 'sse');
        if (target || !forwarder || !wireId || opts.sessions.lookupAny(wireId)) return notFound();
        // Scale-out: the stream may be held by another replica.
        let outcome: Awaited<ReturnType<SseForwarder['forward']>>;
        try {
          outcome = await forwarder.forward(sessionIdHash(wireId), scope, messages as JSONRPCMessage[]);
        } catch (err) {
          opts.logger.error({ err: String(err) }, 'sse message could not be forwarded');
          sendRpcError(res, 503, -32000, 'session store unreachable; try again', {
            ...headers,
            'retry-after': '5',
          });
          return;
        }
        if (outcome.kind === 'foreign') {
          opts.security?.sessionHijack(
            req,
            scope.sourceIp,
            url.pathname,
            scope.identity,
            outcome.record.info,
            'sse',
          );
        }
        if (outcome.kind !== 'accepted') return notFound();
        sendJson(res, 202, { accepted: true }, headers);
        return;
      }
      s.lastSeen = Date.now();
      s.info.identity = scope.identity;
      for (const m of messages) transport.receive(m as JSONRPCMessage);
      sendJson(res, 202, { accepted: true }, headers);
    },

    /**
     * Scale-out housekeeping (the face's sweeper): an open stream keeps its row alive on every
     * replica's idle clock, and a row ended elsewhere (its store expiry, a missed NOTIFY) ends the
     * stream here, so the client reconnects.
     */
    async sweepCluster(): Promise<void> {
      if (!cluster) return;
      const mine = [...byHash.keys()];
      await cluster.directory.touch(mine);
      for (const h of await cluster.directory.ended(mine)) await ended.get(h)?.('ended in the store');
    },

    /** Scale-out: a session ended on some replica (NOTIFY). */
    endedElsewhere(idHash: string): void {
      forwarder?.forget(idHash);
      void ended.get(idHash)?.('ended on another replica');
    },
  };
}

export type SseEndpoint = ReturnType<typeof createSseEndpoint>;
