import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES } from '@mcpgate/core';
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

export interface SseEndpointOptions extends SessionOpener {
  readonly name: string;
  readonly version: string;
  readonly exchanges: InputExchangeRegistry;
  readonly sessions: LegacySessions;
  readonly keepAliveMs: number;
  readonly maxSessions: number;
  /** Path the POST endpoint is served at (announced to the client in the `endpoint` event). */
  readonly messagesPath: string;
}

/**
 * `/sse` + `/messages`: the legacy HTTP+SSE transport (2024-11-05) for clients that still use it.
 * The session is bound to its creator like a Streamable HTTP one.
 */
export function createSseEndpoint(opts: SseEndpointOptions) {
  const transports = new Map<string, SseServerTransport>();

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
      const lazy = new LazyGatewaySession(opts, newSessionInfo('sse', 'legacy', scope));
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
      const entry: LegacySession = {
        wireId,
        kind: 'sse',
        ownerKey: scope.ownerKey,
        info: lazy.info,
        lastSeen: Date.now(),
        openStreams: 1,
        close: (reason) =>
          (closing ??= (async () => {
            entry.openStreams = 0;
            opts.sessions.delete(wireId);
            transports.delete(wireId);
            await transport.close();
            await lazy.close();
            opts.logger.info({ session: lazy.info.id, reason }, 'sse session closed');
          })()),
      };
      server.onclose = () => void entry.close('stream closed');
      transports.set(wireId, transport);
      opts.sessions.add(entry);
      release();
      await server.connect(transport);
      // The session exists from the stream's first event (its id): recorded even without a call.
      // The client names itself only later, in `initialize`, so this record has no client name.
      lazy.start();
      opts.logger.info(
        { session: lazy.info.id, subject: scope.identity.subject, sourceIp: scope.sourceIp },
        'sse session opened',
      );
    },

    post(
      req: IncomingMessage,
      res: ServerResponse,
      url: URL,
      scope: RequestScope,
      parsed: unknown,
      headers: Record<string, string>,
    ): void {
      const wireId = url.searchParams.get('sessionId') ?? '';
      const s = opts.sessions.lookup(wireId, scope.ownerKey, 'sse');
      const transport = s ? transports.get(wireId) : undefined;
      if (!s || !transport) {
        const target = opts.sessions.foreign(wireId, scope.ownerKey, 'sse');
        if (target)
          opts.security?.sessionHijack(req, scope.sourceIp, url.pathname, scope.identity, target.info, 'sse');
        sendRpcError(res, 404, ERROR_CODES.session_not_found.jsonrpc, 'Session not found', headers);
        return;
      }
      s.lastSeen = Date.now();
      s.info.identity = scope.identity;
      const messages = Array.isArray(parsed) ? parsed : [parsed];
      for (const m of messages) {
        if (typeof m !== 'object' || m === null || (m as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
          sendRpcError(res, 400, -32600, 'Invalid Request: not a JSON-RPC 2.0 message', headers);
          return;
        }
      }
      for (const m of messages) transport.receive(m as JSONRPCMessage);
      sendJson(res, 202, { accepted: true }, headers);
    },
  };
}

export type SseEndpoint = ReturnType<typeof createSseEndpoint>;
