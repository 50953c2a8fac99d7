import {
  newId,
  type Gateway,
  type GatewaySession,
  type Identity,
  type JsonObject,
  type Logger,
  type SessionInfo,
} from '@mcpgate/core';
import type { Server } from '@modelcontextprotocol/server';
import type { SessionHooks } from '../stdio-face.js';
import { applyClient, type ClientDescription } from '../session-server.js';

/** Who is asking, proven on this request (never the credential itself). */
export interface RequestScope {
  readonly identity: Identity;
  /** Binds legacy sessions to their creator: the same principal maps to the same key. */
  readonly ownerKey: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
}

export interface SessionOpener {
  readonly gateway: Gateway;
  readonly logger: Logger;
  readonly hooks?: SessionHooks;
}

/** A fresh SessionInfo for a downstream session opened by `scope` on `face`. */
export function newSessionInfo(
  face: 'http' | 'sse',
  era: 'legacy' | 'modern',
  scope: RequestScope,
): SessionInfo {
  return {
    id: newId('s_'),
    face,
    era,
    identity: scope.identity,
    ...(scope.sourceIp !== undefined && { sourceIp: scope.sourceIp }),
    ...(scope.userAgent !== undefined && { userAgent: scope.userAgent }),
    startedAt: new Date(),
  };
}

/**
 * A gateway session opened lazily (at the first relayed request, so `server/discover` probes and
 * rejected handshakes open nothing) and closed exactly once, with the session hooks around it.
 */
export class LazyGatewaySession {
  private session: GatewaySession | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly opener: SessionOpener,
    readonly info: SessionInfo,
  ) {}

  /**
   * `notify` overrides where session-level notifications go (a modern session spans many
   * per-request servers); by default they go to the server that opened the session.
   */
  get(server: Server, notify?: (method: string, params?: JsonObject) => Promise<void>): GatewaySession {
    if (this.session) return this.session;
    this.session = this.opener.gateway.openSession(this.info, {
      notify: notify ?? ((method, params) => server.notification({ method, params: params ?? {} })),
    });
    void Promise.resolve(this.opener.hooks?.onSessionOpen?.(this.info)).catch((err: unknown) =>
      this.opener.logger.error({ err: String(err), session: this.info.id }, 'session-open hook failed'),
    );
    return this.session;
  }

  get opened(): boolean {
    return this.session !== undefined;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const s = this.session;
      if (!s) return;
      await s.close();
      await Promise.resolve(this.opener.hooks?.onSessionClose?.(this.info)).catch((err: unknown) =>
        this.opener.logger.error({ err: String(err), session: this.info.id }, 'session-close hook failed'),
      );
    })();
    return this.closing;
  }
}

/** One legacy session (Streamable HTTP with `Mcp-Session-Id`, or HTTP+SSE), keyed by its wire id. */
export interface LegacySession {
  readonly wireId: string;
  readonly kind: 'streamable' | 'sse';
  readonly ownerKey: string;
  readonly info: SessionInfo;
  lastSeen: number;
  /** Requests and event streams of this session still open: a session with one is not idle. */
  openStreams: number;
  close(reason: string): Promise<void>;
}

/**
 * The legacy sessions of one HTTP face. Lookups take the caller's owner key: a session id
 * presented by anyone but its creator is indistinguishable from an unknown id (404), so ids
 * cannot be probed across principals.
 */
export class LegacySessions {
  private readonly byId = new Map<string, LegacySession>();

  add(s: LegacySession): void {
    this.byId.set(s.wireId, s);
  }

  lookup(wireId: string, ownerKey: string, kind: LegacySession['kind']): LegacySession | undefined {
    const s = this.byId.get(wireId);
    if (!s || s.ownerKey !== ownerKey || s.kind !== kind) return undefined;
    return s;
  }

  delete(wireId: string): void {
    this.byId.delete(wireId);
  }

  get size(): number {
    return this.byId.size;
  }

  count(kind: LegacySession['kind']): number {
    let n = 0;
    for (const s of this.byId.values()) if (s.kind === kind) n++;
    return n;
  }

  /** Ends sessions with no request and no open stream for `idleMs`. */
  async sweep(now: number, idleMs: number): Promise<number> {
    const idle = [...this.byId.values()].filter((s) => s.openStreams === 0 && now - s.lastSeen > idleMs);
    await Promise.allSettled(idle.map((s) => s.close('idle')));
    return idle.length;
  }

  async closeAll(reason: string): Promise<void> {
    await Promise.allSettled([...this.byId.values()].map((s) => s.close(reason)));
  }
}

interface ModernEntry {
  readonly lazy: LazyGatewaySession;
  /** The per-request servers of this principal that are still open (a listen stream keeps one). */
  readonly servers: Set<Server>;
  lastSeen: number;
}

/**
 * Modern (2026-07-28) traffic has no protocol session, but the gateway keeps one gateway session
 * per principal (owner key) across its stateless requests: per-session upstreams, the audit's
 * session record and multi-round exchanges then span requests instead of being opened and
 * closed for every call. Session notifications go to every open request of the principal (in
 * practice its `subscriptions/listen` stream). Idle entries are swept like legacy sessions.
 */
export class ModernSessions {
  private readonly byOwner = new Map<string, ModernEntry>();

  constructor(private readonly opener: SessionOpener) {}

  /** The principal's session for one request's server; call the returned function when it closes. */
  attach(
    scope: RequestScope,
    server: Server,
  ): { session: (s: Server, client: ClientDescription) => GatewaySession; release: () => void } {
    let entry = this.byOwner.get(scope.ownerKey);
    if (!entry) {
      entry = {
        lazy: new LazyGatewaySession(this.opener, newSessionInfo('http', 'modern', scope)),
        servers: new Set(),
        lastSeen: Date.now(),
      };
      this.byOwner.set(scope.ownerKey, entry);
    }
    // Identity is re-proven on every request: keep the newest (groups or expiry may have changed).
    entry.lazy.info.identity = scope.identity;
    entry.servers.add(server);
    entry.lastSeen = Date.now();
    const e = entry;
    const notify = async (method: string, params?: JsonObject): Promise<void> => {
      await Promise.allSettled(
        [...e.servers].map((srv) => srv.notification({ method, params: params ?? {} })),
      );
    };
    return {
      session: (srv, client) => {
        applyClient(e.lazy.info, client);
        return e.lazy.get(srv, notify);
      },
      release: () => {
        e.servers.delete(server);
        e.lastSeen = Date.now();
      },
    };
  }

  get size(): number {
    return this.byOwner.size;
  }

  /** Closes principals' sessions with no open request for `idleMs`. */
  async sweep(now: number, idleMs: number): Promise<number> {
    const idle = [...this.byOwner.entries()].filter(
      ([, e]) => e.servers.size === 0 && now - e.lastSeen > idleMs,
    );
    for (const [key] of idle) this.byOwner.delete(key);
    await Promise.allSettled(idle.map(([, e]) => e.lazy.close()));
    return idle.length;
  }

  async closeAll(): Promise<void> {
    const all = [...this.byOwner.values()];
    this.byOwner.clear();
    await Promise.allSettled(all.map((e) => e.lazy.close()));
  }
}
