import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Gateway, Identity, Logger, SqlClient } from '@mcpgate/core';
import { InputExchangeRegistry } from '../input-exchange.js';
import type { SessionHooks } from '../stdio-face.js';
import {
  allowedHostSet,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  hostName,
  isLoopback,
  originAllowed,
  sourceIp,
} from './guards.js';
import { refuseTooDeep } from './depth-guard.js';
import { createMcpEndpoint, type Cluster } from './mcp-endpoint.js';
import { SharedStreams } from './shared-streams.js';
import { shareListChanges } from './list-changes.js';
import { ReplicaLink } from './replica-link.js';
import { ResourceUpdates } from './resource-updates.js';
import { SessionDirectory } from './session-directory.js';
import { SharedCancellations } from './cancellations.js';
import { ADMIN_PREFIX, MCP_PATH, MESSAGES_PATH, PROBE_PATHS, SSE_PATH } from './routes.js';
import type { GatewayMetrics } from './metrics.js';
import {
  BodyTimeout,
  BodyTooLarge,
  drainAfterAnswer,
  readBody,
  RPC,
  sendJson,
  sendRpcError,
} from './node-io.js';
import { LegacySessions, type RequestScope } from './sessions.js';
import { Drain } from './drain.js';
import { SecurityEvents } from './security-events.js';
import { createSseEndpoint } from './sse-endpoint.js';
import { bridgeTraceHeaders } from './trace-headers.js';

/** The result of checking one request's credential (the shape `@mcpgate/auth`'s Authenticator returns). */
export type HttpAuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | {
      readonly ok: false;
      readonly status: 400 | 401 | 403 | 503;
      readonly error: string;
      readonly description: string;
      readonly wwwAuthenticate?: string;
    };

export interface HttpAuthenticator {
  authenticate(headers: Readonly<Record<string, string | string[] | undefined>>): Promise<HttpAuthResult>;
}

/** The `server` config section as the face uses it (TLS material already read). */
export interface HttpFaceSettings {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly trustProxy: boolean | readonly string[];
  readonly allowedOrigins: readonly string[];
  readonly allowedHosts: readonly string[];
  readonly bodyLimit: number;
  readonly maxMessageBytes: number;
  /** `limits.maxJsonDepth` (default 64). */
  readonly maxJsonDepth?: number;
  readonly sessionIdleTimeout: number;
  readonly maxSessions: number;
  readonly keepAlive: number;
  readonly resumptionBuffer: number;
  /** Scale-out: how long spilled resumption events stay in the store (default 10 min). */
  readonly resumptionMaxAge?: number;
  /** Time allowed for the request line and headers (default 20 s). */
  readonly headersTimeout?: number;
  /** Time allowed for a request body once the headers arrived (default 30 s). */
  readonly bodyTimeout?: number;
  /** Idle keep-alive connections are closed after this long (default 65 s). */
  readonly keepAliveTimeout?: number;
}

export interface ReadyReport {
  readonly ready: boolean;
  readonly checks: Readonly<Record<string, unknown>>;
}

export interface HttpFaceOptions {
  readonly gateway: Gateway;
  readonly logger: Logger;
  readonly name: string;
  readonly version: string;
  readonly settings: HttpFaceSettings;
  readonly auth: HttpAuthenticator;
  /** Stable principal key for binding legacy sessions (`identityKey` from @mcpgate/auth). */
  readonly ownerKey: (identity: Identity) => string;
  /** `auth.resource`, for the default Host allow-list. */
  readonly resource?: string;
  /** RFC 9728 document and the paths it is served at. */
  readonly resourceMetadata?: { readonly paths: readonly string[]; readonly document: unknown };
  readonly hooks?: SessionHooks;
  readonly metrics?: GatewayMetrics;
  /**
   * What `/metrics` answers, when not `metrics.render()`: `serve` with several workers answers
   * with every worker's metrics, collected through the cluster primary.
   */
  readonly metricsText?: () => Promise<string>;
  /** `/readyz`: the runtime's readiness (store reachable, upstreams). Default: always ready. */
  readonly ready?: () => Promise<ReadyReport>;
  /**
   * Handlers for `/admin/…` (approvals API, …), called after authentication with the caller's
   * identity; each answers and returns true, or returns false to let the next one try.
   */
  readonly adminHandlers?: readonly AdminRequestHandler[];
  /**
   * Handlers that authenticate on their own (the web console: `/console/…` pages and cookie
   * sessions on `/admin/…`), called after the Host check and before CORS and bearer
   * authentication; each answers and returns true, or returns false to let the face go on.
   */
  readonly routes?: readonly RouteHandler[];
  /**
   * Scale-out: replicas sharing this Postgres serve each other's legacy sessions and input
   * exchanges (see docs/decisions/0004-session-mobility.md). Only for a shared Postgres store.
   */
  readonly scaleOut?: {
    readonly sql: SqlClient;
    /** Some upstream is `sharing: per-session`: sessions stay on the replica that opened them. */
    readonly pinSessions: boolean;
  };
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export type AdminRequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  identity: Identity,
) => Promise<boolean>;

export interface HttpFaceHandle {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Open legacy sessions (Streamable HTTP and HTTP+SSE). */
  sessionCount(): number;
  /**
   * Graceful stop (see ./drain.ts): `/readyz` turns 503 and requests are still served for
   * `drainDelayMs` (a load balancer stops sending meanwhile), then new connections are refused,
   * in-flight requests get up to `graceMs` to finish, and every legacy session is ended (or, in
   * a scale-out deployment, handed over to the other replicas) and every connection closed.
   */
  close(graceMs?: number, drainDelayMs?: number): Promise<void>;
}

const PROBES: ReadonlySet<string> = new Set(PROBE_PATHS);

/** Upload left unread when an answer goes out early, read and discarded before closing (16 MiB). */
export const DRAIN_BYTES = 16 * 1024 * 1024;

/** Starts the HTTP face: `/mcp` (both eras), `/sse` + `/messages`, probes, metrics, RFC 9728 metadata. */
export async function startHttpFace(opts: HttpFaceOptions): Promise<HttpFaceHandle> {
  const { settings, logger } = opts;
  const headersTimeout = settings.headersTimeout ?? 20_000;
  const bodyTimeout = settings.bodyTimeout ?? 30_000;
  const keepAliveTimeout = settings.keepAliveTimeout ?? 65_000;
  // What is left of an upload answered early is read and discarded up to this much (and for at most
  // server.bodyTimeout): enough for any client that sent a body somewhat over the limit to read the
  // answer, little enough that nobody can keep a connection busy by streaming into it.
  const drainBytes = Math.max(DRAIN_BYTES, settings.bodyLimit);
  const log = logger.child({ face: 'http' });
  const sessions = new LegacySessions();
  let cluster: Cluster | undefined;
  if (opts.scaleOut) {
    const link = new ReplicaLink(opts.scaleOut.sql, log.child({ component: 'replicas' }));
    await link.start();
    const directory = new SessionDirectory(opts.scaleOut.sql, log);
    const streams =
      settings.resumptionBuffer > 0
        ? new SharedStreams(opts.scaleOut.sql, link, log, settings.resumptionBuffer)
        : undefined;
    await streams?.start();
    cluster = {
      link,
      directory,
      cancels: new SharedCancellations(opts.scaleOut.sql, link.tag, log),
      pinSessions: opts.scaleOut.pinSessions,
      resumptionMaxAge: settings.resumptionMaxAge ?? 600_000,
      ...(streams && { streams }),
    };
    log.info(
      { replica: link.tag, pinSessions: opts.scaleOut.pinSessions },
      'scale-out: sessions shared through the store',
    );
  }
  const exchanges = new InputExchangeRegistry(undefined, cluster?.link, log);
  const onSecurityEvent = opts.hooks?.onSecurityEvent?.bind(opts.hooks);
  const security = new SecurityEvents(log, onSecurityEvent);
  const common = {
    security,
    gateway: opts.gateway,
    logger: log,
    name: opts.name,
    version: opts.version,
    exchanges,
    sessions,
    keepAliveMs: settings.keepAlive,
    maxSessions: settings.maxSessions,
    ...(opts.hooks && { hooks: opts.hooks }),
  };
  const mcp = createMcpEndpoint({
    ...common,
    bodyLimit: settings.bodyLimit,
    resumptionBuffer: settings.resumptionBuffer,
    ...(cluster && { cluster }),
  });
  const sse = createSseEndpoint({ ...common, messagesPath: MESSAGES_PATH, ...(cluster && { cluster }) });
  await cluster?.directory.start((idHash) => {
    mcp.endedElsewhere(idHash);
    sse.endedElsewhere(idHash);
  });
  await cluster?.cancels?.start((idHash, id, reason) => mcp.cancelledElsewhere(idHash, id, reason));
  const stopListChanges =
    cluster && opts.scaleOut
      ? await shareListChanges(opts.scaleOut.sql, cluster.link.tag, opts.gateway, log)
      : undefined;
  const resourceUpdates =
    cluster && opts.scaleOut
      ? new ResourceUpdates(opts.scaleOut.sql, cluster.link.tag, opts.gateway, log)
      : undefined;
  await resourceUpdates?.start();
  const hosts = allowedHostSet(settings.allowedHosts, settings.host, opts.resource);
  const originPolicy = { origins: settings.allowedOrigins, allowLoopbackOrigins: isLoopback(settings.host) };
  const metadataPaths = new Set(opts.resourceMetadata?.paths ?? []);
  const drain = new Drain();

  opts.metrics?.addGauge({
    name: 'mcpgate_sessions',
    help: 'Open legacy sessions by transport.',
    collect: () => [
      { labels: { transport: 'streamable-http' }, value: sessions.count('streamable') },
      { labels: { transport: 'sse' }, value: sessions.count('sse') },
    ],
  });
  opts.metrics?.addGauge({
    name: 'mcpgate_gateway_sessions',
    help: "Gateway sessions open: legacy sessions plus modern principals' sessions.",
    collect: () => [{ labels: {}, value: opts.gateway.sessionCount() }],
  });
  opts.metrics?.addGauge({
    name: 'mcpgate_upstream_up',
    help: 'Upstream health: 1 when ready, by upstream and state.',
    collect: () =>
      opts.gateway.pool.status().map((s) => ({
        labels: { upstream: s.name, state: s.state },
        value: s.state === 'ready' ? 1 : 0,
      })),
  });

  const route = (path: string): string =>
    path === MCP_PATH ||
    path === SSE_PATH ||
    path === MESSAGES_PATH ||
    path === '/healthz' ||
    path === '/readyz' ||
    path === '/metrics'
      ? path
      : metadataPaths.has(path)
        ? 'metadata'
        : 'other';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    const path = url.pathname;
    if (opts.metrics) {
      const r = route(path);
      res.once('finish', () => opts.metrics?.httpRequests.inc({ route: r, status: String(res.statusCode) }));
    }
    const probe = PROBES.has(path);

    // DNS rebinding: a browser tricked into calling us under an attacker's name sends that Host.
    if (hosts && !probe && !hosts.has(hostName(req.headers.host ?? ''))) {
      sendJson(res, 403, { error: 'forbidden', error_description: 'Host header is not allowed' });
      return;
    }
    if (!probe) for (const route of opts.routes ?? []) if (await route(req, res)) return;
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const allowed = originAllowed(origin, originPolicy);
    if (allowed === false) {
      log.warn({ origin, path }, 'refused a request from a disallowed Origin');
      sendJson(res, 403, { error: 'forbidden', error_description: 'Origin is not allowed' });
      return;
    }
    const headers: Record<string, string> =
      allowed === true && origin
        ? {
            'access-control-allow-origin': origin,
            vary: 'Origin',
            'access-control-expose-headers': CORS_EXPOSE_HEADERS,
          }
        : {};
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...headers,
        'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }

    if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const report = drain.unready
        ? { ready: false, checks: { draining: true } }
        : opts.ready
          ? await opts.ready().catch((err: unknown) => ({ ready: false, checks: { error: String(err) } }))
          : { ready: true, checks: {} };
      return sendJson(res, report.ready ? 200 : 503, report);
    }
    if (path === '/metrics') {
      if (!opts.metrics) return sendJson(res, 404, { error: 'not_found' });
      const text = opts.metricsText ? await opts.metricsText() : opts.metrics.render();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    if (metadataPaths.has(path) && req.method === 'GET') {
      return sendJson(res, 200, opts.resourceMetadata?.document, {
        ...headers,
        'cache-control': 'max-age=300',
      });
    }
    const admin = path.startsWith(ADMIN_PREFIX);
    if (path !== MCP_PATH && path !== SSE_PATH && path !== MESSAGES_PATH && !admin) {
      return sendJson(res, 404, { error: 'not_found' }, headers);
    }
    if (drain.refusing) {
      return sendRpcError(res, 503, -32000, 'gateway is shutting down', {
        ...headers,
        connection: 'close',
        'retry-after': '5',
      });
    }

    // Identity on every request: nothing is trusted from an earlier request of the same session.
    const auth = await opts.auth.authenticate(req.headers);
    if (!auth.ok) {
      const h: Record<string, string> = { ...headers };
      if (auth.wwwAuthenticate) h['www-authenticate'] = auth.wwwAuthenticate;
      if (auth.status === 503) h['retry-after'] = '5';
      log.info({ path, status: auth.status, reason: auth.description }, 'request refused by authentication');
      // 503 is the gateway's own trouble (IdP or key store unreachable), not the caller's failure.
      if (auth.status !== 503) security.authFailed(req, sourceIp(req, settings.trustProxy), path, auth);
      return sendJson(res, auth.status, { error: auth.error, error_description: auth.description }, h);
    }
    if (admin) {
      for (const handle of opts.adminHandlers ?? []) if (await handle(req, res, auth.identity)) return;
      return sendJson(res, 404, { error: 'not_found' }, headers);
    }
    const ip = sourceIp(req, settings.trustProxy);
    const ua = req.headers['user-agent'];
    const scope: RequestScope = {
      identity: auth.identity,
      ownerKey: opts.ownerKey(auth.identity),
      ...(ip !== undefined && { sourceIp: ip }),
      ...(typeof ua === 'string' && { userAgent: ua }),
    };

    if (path === SSE_PATH) {
      if (req.method !== 'GET')
        return sendJson(res, 405, { error: 'method_not_allowed' }, { ...headers, allow: 'GET' });
      await sse.open(req, res, scope, headers);
      return;
    }

    let body: string | undefined;
    let parsed: unknown;
    if (req.method === 'POST') {
      try {
        body = await readBody(req, settings.bodyLimit, bodyTimeout);
      } catch (err) {
        // No `Connection: close` here: the listener drains what is left of the upload (bounded) so
        // the client reads this answer instead of a reset; a body that ends keeps the connection.
        if (err instanceof BodyTooLarge) {
          return sendRpcError(
            res,
            413,
            RPC.invalidRequest,
            `request body exceeds ${settings.bodyLimit} bytes`,
            headers,
          );
        }
        if (err instanceof BodyTimeout) {
          log.info({ path, timeoutMs: bodyTimeout }, 'request body too slow; connection closed');
          return sendRpcError(
            res,
            408,
            RPC.invalidRequest,
            `request body not received within ${bodyTimeout} ms (server.bodyTimeout)`,
            { ...headers, connection: 'close' },
          );
        }
        throw err;
      }
      if (refuseTooDeep(res, body, settings.maxJsonDepth, headers)) return;
      try {
        parsed = JSON.parse(body);
      } catch {
        return sendRpcError(res, 400, RPC.parseError, 'Parse error: body is not JSON', headers);
      }
      const messages = Array.isArray(parsed) ? parsed : [parsed];
      for (const m of messages) {
        if (messages.length > 1 && Buffer.byteLength(JSON.stringify(m)) > settings.maxMessageBytes) {
          return sendRpcError(
            res,
            413,
            RPC.invalidRequest,
            `a message exceeds ${settings.maxMessageBytes} bytes`,
            headers,
          );
        }
      }
      if (messages.length === 1 && Buffer.byteLength(body) > settings.maxMessageBytes) {
        return sendRpcError(
          res,
          413,
          RPC.invalidRequest,
          `message exceeds ${settings.maxMessageBytes} bytes`,
          headers,
        );
      }
      bridgeTraceHeaders(req.headers, messages);
    } else if (path === MESSAGES_PATH) {
      return sendJson(res, 405, { error: 'method_not_allowed' }, { ...headers, allow: 'POST' });
    }

    if (path === MESSAGES_PATH) return sse.post(req, res, url, scope, parsed, headers);

    await mcp.handle({ req, res, url, scope, body, parsed, headers });
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    // Long-lived GET streams are not "in flight": draining waits for requests that produce results.
    const counted = req.method !== 'GET';
    drain.begin(res, counted);
    // An answer sent before the body was read (401, 403, 404, 413…): read the rest, bounded.
    // Not after a 408: that client is the slow one, it is cut at once.
    res.once('finish', () => {
      if (res.statusCode !== 408) drainAfterAnswer(req, drainBytes, bodyTimeout);
    });
    handle(req, res).catch((err: unknown) => {
      log.error(
        { err: err instanceof Error ? err.message : String(err), path: req.url },
        'HTTP request failed',
      );
      if (!res.headersSent) sendRpcError(res, 500, RPC.internal, 'internal error');
      else res.end();
    });
  };

  // Every phase of receiving a request is bounded; sending the response is not (event streams and
  // long calls are responses). Node's own requestTimeout — headers plus body, checked every second
  // — backs up the face's precise body timer for bodies read elsewhere (the admin API); it stops
  // counting once a request is fully received, so streams are unaffected.
  const timeouts = {
    headersTimeout,
    requestTimeout: headersTimeout + bodyTimeout,
    keepAliveTimeout,
    connectionsCheckingInterval: Math.min(1000, headersTimeout),
  };
  const server: Server = settings.tls
    ? createHttpsServer({ cert: settings.tls.cert, key: settings.tls.key, ...timeouts }, listener)
    : createHttpServer(timeouts, listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `${settings.tls ? 'https' : 'http'}://${shownHost}:${port}`;

  const sweepEvery = Math.max(1000, Math.min(settings.sessionIdleTimeout / 2, 30_000));
  const sweeper = setInterval(() => {
    void sessions.sweep(Date.now(), settings.sessionIdleTimeout).then((n) => {
      if (n > 0) log.info({ sessions: n }, 'ended idle legacy sessions');
    });
    void mcp.sweepModern(Date.now(), settings.sessionIdleTimeout).then((n) => {
      if (n > 0) log.info({ principals: n }, 'ended idle modern sessions');
    });
    if (cluster) {
      void sse
        .sweepCluster()
        .catch((err: unknown) => log.warn({ err: String(err) }, 'scale-out sse session sweep failed'));
      // The store's idle clock lags this replica's by at most one sweep: allow for it.
      void mcp.sweepCluster(settings.sessionIdleTimeout, sweepEvery).then(
        (n) => {
          if (n > 0) log.info({ sessions: n }, 'ended legacy sessions idle on every replica');
        },
        (err: unknown) => log.warn({ err: String(err) }, 'scale-out session sweep failed'),
      );
      void resourceUpdates
        ?.sweep()
        .catch((err: unknown) => log.warn({ err: String(err) }, 'subscription sweep failed'));
    }
  }, sweepEvery);
  sweeper.unref();

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    sessionCount: () => sessions.size,
    close: (graceMs = 10_000, drainDelayMs = 0) =>
      (closing ??= (async () => {
        await drain.announce(drainDelayMs, log);
        clearInterval(sweeper);
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await drain.refuse(graceMs, log);
        await sessions.closeAll('shutdown');
        await mcp.close();
        await stopListChanges?.();
        await resourceUpdates?.close();
        await cluster?.directory.close();
        await cluster?.cancels?.close();
        await cluster?.streams?.close();
        await cluster?.link.close();
        security.close();
        server.closeAllConnections();
        await stopped;
      })()),
  };
}
