import { hostname, userInfo } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { Server } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import {
  dispatchDirectly,
  newId,
  type Gateway,
  type GatewaySession,
  type Identity,
  type Logger,
  type SessionInfo,
} from '@mcpgate/core';
import type { SecurityEvent } from './http/security-events.js';
import { InputExchangeRegistry } from './input-exchange.js';
import { listenedResources } from './listen.js';
import { applyClient, createSessionServer, describeMessage } from './session-server.js';
import { StdioFaceTransport } from './stdio-transport.js';

export interface SessionHooks {
  onSessionOpen?(info: SessionInfo): void | Promise<void>;
  onSessionClose?(info: SessionInfo): void | Promise<void>;
  /** HTTP face: an authentication failure or hijack attempt, already aggregated and rate-limited. */
  onSecurityEvent?(event: SecurityEvent): void | Promise<void>;
}

export interface StdioFaceOptions {
  readonly gateway: Gateway;
  readonly logger: Logger;
  readonly name: string;
  readonly version: string;
  readonly maxMessageBytes: number;
  /** `limits.maxJsonDepth` (default 64). */
  readonly maxJsonDepth?: number;
  readonly stdin?: Readable;
  readonly stdout?: Writable;
  /**
   * Who the client is. stdio has no proof of identity beyond the OS: the process that spawned us
   * runs as this user. Default: the OS user, `local:<user>`, no groups.
   */
  readonly identity?: Identity;
  readonly hooks?: SessionHooks;
}

export interface StdioFaceHandle {
  /** Resolves when the client closed stdin (or close() was called) and the session is torn down. */
  readonly closed: Promise<void>;
  close(): Promise<void>;
}

function osUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // Containers may run as a uid with no passwd entry; the uid then identifies the user.
    return `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}

function osIdentity(): Identity {
  const user = osUserName();
  return { subject: `local:${user}`, name: user, groups: [], authMethod: 'local' };
}

/**
 * The stdio face: one client (the process that spawned us) = one gateway session. The client
 * decides the era with its first message; the SDK pins one server instance per connection.
 */
export function serveGatewayStdio(opts: StdioFaceOptions): StdioFaceHandle {
  const stdin = opts.stdin ?? process.stdin;
  const stdout = opts.stdout ?? process.stdout;
  const log = opts.logger.child({ face: 'stdio' });
  const identity = opts.identity ?? osIdentity();
  const exchanges = new InputExchangeRegistry();
  let session: GatewaySession | undefined;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const info: SessionInfo = {
    id: newId('s_'),
    face: 'stdio',
    era: 'legacy',
    identity,
    host: hostname(),
    pid: process.pid,
    osUser: identity.name ?? identity.subject,
    startedAt: new Date(),
  };

  // The session record starts with the client's first message (its `initialize`, or a modern
  // request), not at its first call: a client that connects and leaves is on the record too.
  let started = false;
  const start = (): void => {
    if (started || closing) return;
    started = true;
    void Promise.resolve(opts.hooks?.onSessionOpen?.(info)).catch((err: unknown) =>
      log.error({ err: String(err) }, 'session-open hook failed'),
    );
    log.info({ session: info.id, subject: identity.subject }, 'stdio session opened');
  };

  const ensureSession = (server: Server): GatewaySession => {
    if (session) return session;
    session = opts.gateway.openSession(info, {
      notify: (method, params) => server.notification({ method, params: params ?? {} }),
    });
    start();
    return session;
  };

  let closing: Promise<void> | undefined;
  let pinned: Server | undefined;
  const listens = new AbortController();
  const transport = new StdioFaceTransport({
    onInbound: (message) => {
      if (!started) {
        const described = describeMessage(message);
        if (described) applyClient(info, described);
        start();
      }
      const uris = listenedResources(message);
      if (!uris) return;
      // After the SDK has taken the message (and pinned its server instance for this connection).
      setImmediate(() => {
        if (pinned) void ensureSession(pinned).subscribeResources(uris, listens.signal);
      });
    },
    onClosed: () => void teardown(),
    stdin,
    stdout,
    maxMessageBytes: opts.maxMessageBytes,
    ...(opts.maxJsonDepth === undefined ? {} : { maxJsonDepth: opts.maxJsonDepth }),
    onRejectedFrame: (reason, code) => log.warn({ code, reason }, 'rejected a malformed or oversized frame'),
  });

  const teardown = (): Promise<void> => {
    closing ??= (async () => {
      listens.abort();
      await session?.close();
      if (started) {
        await Promise.resolve(opts.hooks?.onSessionClose?.(info)).catch((err: unknown) =>
          log.error({ err: String(err) }, 'session-close hook failed'),
        );
        log.info({ session: info.id }, 'stdio session closed');
      }
      resolveClosed();
    })();
    return closing;
  };

  const handle = serveStdio(
    () => {
      const server = createSessionServer({
        name: opts.name,
        version: opts.version,
        exchanges,
        session: (s, client) => {
          applyClient(info, client);
          return ensureSession(s);
        },
      });
      server.onclose = () => void teardown();
      // The SDK connects this instance to its own per-connection channel; once it has, that
      // channel's messages reach the server without the Protocol's classifier (dispatchDirectly).
      const connect = server.connect.bind(server);
      server.connect = async (channel) => {
        await connect(channel);
        dispatchDirectly(server, channel);
      };
      pinned = server;
      return server;
    },
    { transport, onerror: (err) => log.warn({ err: err.message }, 'stdio protocol error') },
  );

  return {
    closed,
    close: async () => {
      await handle.close();
      await teardown();
    },
  };
}
