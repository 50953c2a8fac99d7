import {
  newId,
  type Gateway,
  type GatewaySession,
  type Identity,
  type JsonObject,
  type Logger,
  type SessionInfo,
} from '@mcpgate/core';
import type { McpHttpHandler, Server, ServerEvent } from '@modelcontextprotocol/server';
import type { SessionHooks } from '../stdio-face.js';
import { applyClient, type ClientDescription } from '../session-server.js';
import type { SecurityEvents } from './security-events.js';

type Notify = (method: string, params?: JsonObject) => Promise<void>;

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
  /** Where hijack attempts (a session id presented by another identity) are reported. */
  readonly security?: SecurityEvents;
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
 * rejected handshakes open nothing) and closed exactly once. Its record (the session hooks) is
 * separate: `start()` records it when the session begins on the wire — a legacy session when its
 * id is issued, even if it never makes a call — and `get()` at the latest; `close()` records the
 * end of every session whose start was recorded.
 */
export class LazyGatewaySession {
  private session: GatewaySession | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly opener: SessionOpener,
    readonly info: SessionInfo,
    /** Scale-out: another replica opened this session and recorded its start. */
    restored = false,
  ) {
    this.started = restored;
  }

  /** Records the session's start (once). */
  start(): void {
    if (this.started || this.closing) return;
    this.started = true;
    void Promise.resolve(this.opener.hooks?.onSessionOpen?.(this.info)).catch((err: unknown) =>
      this.opener.logger.error({ err: String(err), session: this.info.id }, 'session-open hook failed'),
    );
  }

  /**
   * `server` is where session-level notifications go, or `notify` when a session spans many
   * per-request servers (the modern era).
   */
  get(server: Server | Notify): GatewaySession {
    if (this.session) return this.session;
    this.session = this.opener.gateway.openSession(this.info, {
      notify:
        typeof server === 'function'
          ? server
          : (method, params) => server.notification({ method, params: params ?? {} }),
    });
    this.start();
    return this.session;
  }

  get opened(): boolean {
    return this.session !== undefined;
  }

  /** `record: false` drops only this replica's copy (the session goes on elsewhere). */
  close(record = true): Promise<void> {
    this.closing ??= (async () => {
      await this.session?.close();
      if (!this.started || !record) return;
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
  /** Scale-out: the SHA-256 of the wire id (how the store and other replicas name the session). */
  readonly idHash?: string;
  lastSeen: number;
  /** Requests and event streams of this session still open: a session with one is not idle. */
  openStreams: number;
  /**
   * Opens the session's gateway session on this replica if no request has yet: a replica holding
   * the session's GET stream must hear the notifications meant for it.
   */
  openGateway?(): void;
  /** Ends the session for good (its end is recorded). */
  close(reason: string): Promise<void>;
  /**
   * Scale-out: drops only this replica's copy — the session lives on in the shared store and any
   * replica may serve its next request. Absent where the session exists only here.
   */
  release?(reason: string): Promise<void>;
}

/**
 * The legacy sessions of one HTTP face. Lookups take the caller's owner key: a session id
 * presented by anyone but its creator is indistinguishable from an unknown id (404), so ids
 * cannot be probed across principals.
 */
export class LegacySessions {
  private readonly byId = new Map<string, LegacySession>();
  private reserved = 0;

  /**
   * Holds a place for a session being opened, if open sessions plus held places stay under
   * `max`; returns the function that gives the place back (call it once the session is added or
   * refused), or undefined when the gateway is full.
   */
  reserve(max: number): (() => void) | undefined {
    if (this.byId.size + this.reserved >= max) return undefined;
    this.reserved++;
    let held = true;
    return () => {
      if (held) this.reserved--;
      held = false;
    };
  }

  add(s: LegacySession): void {
    this.byId.set(s.wireId, s);
  }

  lookup(wireId: string, ownerKey: string, kind: LegacySession['kind']): LegacySession | undefined {
    const s = this.byId.get(wireId);
    if (!s || s.ownerKey !== ownerKey || s.kind !== kind) return undefined;
    return s;
  }

  /** The session `wireId` names on this replica, whoever owns it. */
  lookupAny(wireId: string): LegacySession | undefined {
    return this.byId.get(wireId);
  }

  /** The session `wireId` names when it exists but belongs to someone else (a hijack attempt). */
  foreign(wireId: string, ownerKey: string, kind: LegacySession['kind']): LegacySession | undefined {
    const s = this.byId.get(wireId);
    return s && s.kind === kind && s.ownerKey !== ownerKey ? s : undefined;
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
    await Promise.allSettled(idle.map((s) => (s.release ? s.release('idle here') : s.close('idle'))));
    return idle.length;
  }

  /** Every session of this replica: ended, or only released where other replicas go on serving it. */
  async closeAll(reason: string): Promise<void> {
    await Promise.allSettled(
      [...this.byId.values()].map((s) => (s.release ? s.release(reason) : s.close(reason))),
    );
  }

  /** Every session of this replica (the scale-out sweeper refreshes and re-checks them). */
  all(): IterableIterator<LegacySession> {
    return this.byId.values();
  }
}

interface ModernEntry {
  readonly lazy: LazyGatewaySession;
  /** The per-request servers of this principal that are still open (calls in progress). */
  readonly servers: Set<Server>;
  /** This principal's SDK handler: its event bus feeds only this principal's listen streams. */
  readonly handler: McpHttpHandler;
  readonly notify: Notify;
  /** `subscriptions/listen` streams open: a principal with one is not idle. */
  listening: number;
  lastSeen: number;
}

/**
 * Modern (2026-07-28) traffic has no protocol session, but the gateway keeps one gateway session
 * per principal (owner key) across its stateless requests: per-session upstreams, the audit's
 * session record and multi-round exchanges then span requests instead of being opened and
 * closed for every call. Each principal has its own SDK handler, so change notifications
 * (`list_changed`, `resources/updated`) published on its event bus reach that principal's
 * `subscriptions/listen` streams and nobody else's; other session notifications go to the
 * principal's requests in progress. Idle entries are swept like legacy sessions.
 */
export class ModernSessions {
  private readonly byOwner = new Map<string, ModernEntry>();
  private probes: McpHttpHandler | undefined;
  /**
   * Scale-out: the principal's session is one row shared by the replicas (modern-directory.ts).
   * Idle and shutdown then drop only this replica's copy; the store records the end once.
   */
  private shared = false;

  constructor(
    private readonly opener: SessionOpener,
    private readonly newHandler: () => McpHttpHandler,
  ) {}

  markShared(): void {
    this.shared = true;
  }

  /** Whether this replica holds a session of the principal. */
  has(ownerKey: string): boolean {
    return this.byOwner.has(ownerKey);
  }

  /**
   * Scale-out: this replica's copy of the principal's shared session, under the shared `info`
   * (`restored`: another replica opened it and recorded its start). Nothing if a copy exists.
   */
  seed(scope: RequestScope, info: SessionInfo, restored: boolean): LazyGatewaySession {
    return this.entry(scope, new LazyGatewaySession(this.opener, info, restored)).lazy;
  }

  /** This replica's copies: session id, and whether used since `since` (or still in use). */
  *copies(since: number): IterableIterator<{ ownerKey: string; id: string; active: boolean }> {
    for (const [ownerKey, e] of this.byOwner) {
      const active = e.servers.size > 0 || e.listening > 0 || e.lastSeen >= since;
      yield { ownerKey, id: e.lazy.info.id, active };
    }
  }

  /** Scale-out: the principal's session ended in the store; drop this replica's copy unrecorded. */
  async drop(ownerKey: string): Promise<void> {
    const e = this.byOwner.get(ownerKey);
    if (!e) return;
    this.byOwner.delete(ownerKey);
    await closeEntry(e, false);
  }

  /** `seed`: scale-out, the copy of a shared session to create if this replica holds none. */
  private entry(scope: RequestScope, seed?: LazyGatewaySession): ModernEntry {
    let entry = this.byOwner.get(scope.ownerKey);
    if (!entry) {
      const servers = new Set<Server>();
      const handler = this.newHandler();
      entry = {
        lazy: seed ?? new LazyGatewaySession(this.opener, newSessionInfo('http', 'modern', scope)),
        servers,
        handler,
        notify: async (method, params) => {
          const event = busEvent(method, params);
          if (event) {
            handler.bus.publish(event);
            return;
          }
          await Promise.allSettled(
            [...servers].map((srv) => srv.notification({ method, params: params ?? {} })),
          );
        },
        listening: 0,
        lastSeen: Date.now(),
      };
      this.byOwner.set(scope.ownerKey, entry);
    }
    // Identity is re-proven on every request: keep the newest (groups or expiry may have changed).
    entry.lazy.info.identity = scope.identity;
    entry.lastSeen = Date.now();
    return entry;
  }

  /**
   * Scale-out: the handler for a `server/discover` of a principal this replica holds no
   * session for. It opens nothing, so a probe neither creates the shared session nor a local one.
   */
  probeHandler(): McpHttpHandler {
    return (this.probes ??= this.newHandler());
  }

  /** The SDK handler a modern request of this principal goes to. */
  handlerFor(scope: RequestScope): McpHttpHandler {
    return this.entry(scope).handler;
  }

  /**
   * A `subscriptions/listen` stream of the principal was accepted and stays open until `closed`
   * aborts. The principal's gateway session opens now, so list changes reach the stream even
   * before any call; resources the filter names are subscribed upstream on its behalf (through
   * the chain, like any call: policy and audit apply).
   */
  listen(scope: RequestScope, uris: readonly string[] | undefined, closed: AbortSignal): void {
    if (closed.aborted) return;
    const e = this.entry(scope);
    e.listening++;
    closed.addEventListener(
      'abort',
      () => {
        e.listening--;
        e.lastSeen = Date.now();
      },
      { once: true },
    );
    const session = e.lazy.get(e.notify);
    if (uris) void session.subscribeResources(uris, closed);
  }

  /** The principal's session for one request's server; call the returned function when it closes. */
  attach(
    scope: RequestScope,
    server: Server,
  ): { session: (s: Server, client: ClientDescription) => GatewaySession; release: () => void } {
    const e = this.entry(scope);
    e.servers.add(server);
    return {
      session: (_srv, client) => {
        applyClient(e.lazy.info, client);
        return e.lazy.get(e.notify);
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

  /** Closes principals' sessions with no open request or listen stream for `idleMs`. */
  async sweep(now: number, idleMs: number): Promise<number> {
    const idle = [...this.byOwner.entries()].filter(
      ([, e]) => e.servers.size === 0 && e.listening === 0 && now - e.lastSeen > idleMs,
    );
    for (const [key] of idle) this.byOwner.delete(key);
    await Promise.allSettled(idle.map(([, e]) => closeEntry(e, !this.shared)));
    return idle.length;
  }

  async closeAll(): Promise<void> {
    const all = [...this.byOwner.values()];
    this.byOwner.clear();
    await this.probes?.close();
    await Promise.allSettled(all.map((e) => closeEntry(e, !this.shared)));
  }
}

async function closeEntry(e: ModernEntry, record: boolean): Promise<void> {
  await e.handler.close();
  await e.lazy.close(record);
}

/** The change notifications the SDK routes to listen streams by their filter; others are not. */
function busEvent(method: string, params: JsonObject | undefined): ServerEvent | undefined {
  switch (method) {
    case 'notifications/tools/list_changed':
      return { kind: 'tools_list_changed' };
    case 'notifications/prompts/list_changed':
      return { kind: 'prompts_list_changed' };
    case 'notifications/resources/list_changed':
      return { kind: 'resources_list_changed' };
    case 'notifications/resources/updated': {
      if (typeof params?.uri !== 'string') return undefined;
      // The router stamps its own subscription id into _meta; the upstream's is not the client's.
      const { _meta: _ignored, ...rest } = params;
      return { kind: 'resource_updated', uri: params.uri, params: rest };
    }
    default:
      return undefined;
  }
}
