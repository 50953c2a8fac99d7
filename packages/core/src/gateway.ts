import type { CallContext, CallIO, Decision, JsonObject, MaskingEvent, Outcome, StepTiming } from './call.js';
import { newNotes } from './call.js';
import { Catalog, type CatalogEntry, type CatalogKind, type UpstreamListing } from './catalog.js';
import { CONTINUE, runChain, type Interceptor } from './chain.js';
import { GatewayError, toGatewayError } from './errors.js';
import { newCorrelationId } from './ids.js';
import type { Logger } from './logger.js';
import type { NamingOptions } from './naming.js';
import type { SessionInfo } from './session.js';
import type { UpstreamEvent, UpstreamPool } from './upstream.js';
import { LIST_METHODS, resolveTarget, upstreamParams } from './router.js';
import { MCP_METHODS } from './methods.js';
import { callLink, relayInputRequired, relayInputResponses, relayProgress, type CallRelay } from './relay.js';
import { newUpstreamNotes, runUpstreamSide, type UpstreamMessage } from './upstream-side.js';
import { withTraceContext, type CallTracer } from './tracing.js';

/** How the gateway reaches a downstream session outside of any call (list_changed, resource updates, logs). */
export interface SessionPeer {
  notify(method: string, params?: JsonObject): Promise<void>;
}

/**
 * Scale-out: told about resource subscriptions and updates, so that replicas sharing one store
 * deliver an upstream's `resources/updated` to sessions whose stream another replica holds
 * (see the HTTP face's resource-updates.ts). Absent in a single process.
 */
export interface SubscriptionSharing {
  /** A session (un)subscribed through this process; awaited before the client gets its answer. */
  changed(session: SessionInfo, uri: string, subscribed: boolean): Promise<void>;
  /**
   * An upstream's `resources/updated` of no particular session passed the upstream side here:
   * `uri` as the upstream named it (what sessions subscribed to), `params` as the steps left them
   * (masked: what a client may be sent).
   */
  updated(upstream: string, uri: string, params: JsonObject): void;
}

/** Decides what a session may see in lists. Policy supplies one; default shows everything. */
export interface VisibilityFilter {
  visible(session: SessionInfo, kind: CatalogKind, entry: CatalogEntry): boolean;
}

/**
 * The chain around routing: `outer` steps see every request (even one naming a tool that does not
 * exist — so refusals are recorded), then the core `route` step resolves names, then `inner` steps
 * (authorize, approval, masking, audit-ahead…) see the routed call.
 */
export interface ChainSteps {
  readonly outer: readonly Interceptor[];
  readonly inner: readonly Interceptor[];
}

/**
 * A notification or server→client request that passed through the gateway, described compactly
 * (the audit trail records these; shape matches the audit recorder's `recordNotification`).
 */
export interface TrafficNote {
  readonly kind: 'notification' | 'server_request';
  readonly direction: 'to_client' | 'from_client' | 'to_upstream' | 'from_upstream';
  readonly method: string;
  readonly sessionId?: string;
  readonly correlationId?: string;
  readonly upstream?: string;
  readonly summary?: Readonly<Record<string, unknown>>;
  /** Upstream side: the payload as it travelled (masked), or the masked audit copy of an answer. */
  readonly payload?: unknown;
  readonly masking?: readonly MaskingEvent[];
  readonly decision?: Decision;
  /** Upstream side: why a step refused the message (code and safe message). */
  readonly refused?: { readonly code: string; readonly message: string };
  readonly steps?: readonly StepTiming[];
}

export interface GatewayOptions {
  readonly pool: UpstreamPool;
  /**
   * Told about traffic that is no chain message: the client cancelling a call, and the gateway's own
   * requests to the client (a `confirm` question). What upstreams start is recorded by the chain.
   */
  readonly onTraffic?: (note: TrafficNote) => void;
  readonly steps: ChainSteps;
  readonly naming: NamingOptions;
  readonly logger: Logger;
  readonly visibility?: VisibilityFilter;
  /** Makes every call a trace (`tracing.enabled`); absent when tracing is off. */
  readonly tracer?: CallTracer;
}

/** The notification that tells clients a catalog kind changed (templates share resources'). */
const LIST_CHANGED: Readonly<Record<CatalogKind, string | undefined>> = {
  ...(Object.fromEntries(
    MCP_METHODS.filter((m) => m.listChanged).map((m) => [m.listChanged!, m.method]),
  ) as Record<'tools' | 'prompts' | 'resources', string>),
  resourceTemplates: 'notifications/resources/list_changed',
};

/**
 * The data path's orchestrator: resolves a request to its upstream, runs it through the chain,
 * forwards it, and fans upstream notifications out to sessions. Knows nothing of wires (faces) or
 * of policy/audit internals (steps).
 */
export class Gateway {
  private catalog = new Catalog();
  private readonly sessions = new Map<string, GatewaySession>();
  private steps: readonly Interceptor[] = [];
  private visibility: VisibilityFilter | undefined;
  /** @internal */
  sharing: SubscriptionSharing | undefined;
  /** Upstream-side messages of no call are handled in arrival order (log lines stay in order). */
  private upstreamQueue: Promise<void> = Promise.resolve();
  /** @internal The upstream-side relay of each running call (set by its session). */
  readonly relays = new WeakMap<CallContext, CallRelay>();
  readonly logger: Logger;

  constructor(private readonly opts: GatewayOptions) {
    this.setSteps(opts.steps, opts.visibility);
    this.logger = opts.logger;
    opts.pool.onEvent((e) => this.onUpstreamEvent(e));
  }

  /** Starts upstreams and builds the first catalog. A name collision is fatal here (startup error). */
  async start(): Promise<void> {
    await this.opts.pool.start();
    this.catalog = this.buildCatalog();
  }

  /** Swap the chain (hot reload): calls already running finish on the chain they started with. */
  setSteps(steps: ChainSteps, visibility?: VisibilityFilter): void {
    const route: Interceptor = {
      name: 'route',
      // Synchronous unless there are answers to relay: the chain awaits only a promise.
      onRequest: (ctx) => {
        ctx.target = resolveTarget(this.catalog, ctx.method, ctx.params, ctx.correlationId);
        // A modern client's retry carries answers for the upstream: they pass the upstream side
        // (narrowed, audit copy masked) before the request side records and forwards the call.
        const relay = this.relays.get(ctx);
        if (relay && ctx.params?.inputResponses !== undefined)
          return relayInputResponses(relay).then(() => CONTINUE);
        return CONTINUE;
      },
    };
    this.steps = [...steps.outer, route, ...steps.inner];
    this.visibility = visibility;
  }

  /**
   * Tells every session its lists may have changed (after a policy reload changed what is
   * visible, or another replica's upstream announced a change), so clients re-list instead of
   * calling what they can no longer see.
   */
  announceListsChanged(
    kinds: readonly ('tools' | 'prompts' | 'resources')[] = ['tools', 'prompts', 'resources'],
  ): void {
    for (const s of this.sessions.values())
      for (const kind of kinds) s.notifySafe(`notifications/${kind}/list_changed`);
  }

  /** Scale-out: report subscriptions and updates to the replicas' shared registry. */
  shareSubscriptions(sharing: SubscriptionSharing | undefined): void {
    this.sharing = sharing;
  }

  /**
   * Scale-out: another replica's upstream announced a resource changed (`params` as that
   * replica's upstream-side steps left them), and the shared registry says these sessions
   * subscribed through that replica: tell those this process holds.
   */
  deliverResourceUpdated(params: JsonObject, sessionIds: Iterable<string>): void {
    for (const id of sessionIds) this.sessions.get(id)?.notifySafe('notifications/resources/updated', params);
  }

  /**
   * Scale-out: a session's subscription to `uri` ended, or moved to another replica: this
   * process no longer delivers its own upstream's updates of `uri` to that session.
   */
  forgetSubscription(sessionId: string, uri: string): void {
    this.sessions.get(sessionId)?.forget(uri);
  }

  /** Names of the chain's steps in order (for docs, `mcpgate validate` and tests). */
  stepNames(): string[] {
    return this.steps.map((s) => s.name);
  }

  get pool(): UpstreamPool {
    return this.opts.pool;
  }

  /** @internal */
  get tracer(): CallTracer | undefined {
    return this.opts.tracer;
  }

  currentCatalog(): Catalog {
    return this.catalog;
  }

  openSession(info: SessionInfo, peer: SessionPeer): GatewaySession {
    const s = new GatewaySession(this, info, peer);
    this.sessions.set(info.id, s);
    return s;
  }

  /** @internal */
  traffic(note: TrafficNote): void {
    try {
      this.opts.onTraffic?.(note);
    } catch (err) {
      this.logger.warn({ err: String(err), method: note.method }, 'traffic observer failed');
    }
  }

  /** @internal */
  forgetSession(id: string): void {
    this.sessions.delete(id);
  }

  sessionCount(): number {
    return this.sessions.size;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.close()));
    await this.opts.pool.close();
  }

  /** @internal */
  chain(): readonly Interceptor[] {
    return this.steps;
  }

  /** @internal */
  isVisible(session: SessionInfo, kind: CatalogKind, entry: CatalogEntry): boolean {
    return this.visibility ? this.visibility.visible(session, kind, entry) : true;
  }

  private buildCatalog(): Catalog {
    const listings: UpstreamListing[] = this.opts.pool.names().map((name) => ({
      name,
      prefix: this.opts.pool.prefix(name),
      catalog: this.opts.pool.catalog(name),
    }));
    const catalog = Catalog.build(listings, this.opts.naming);
    for (const w of catalog.warnings) this.logger.warn({ catalog: w }, 'catalog warning');
    return catalog;
  }

  private onUpstreamEvent(e: UpstreamEvent): void {
    if (e.type === 'list_changed') {
      try {
        this.catalog = this.buildCatalog();
      } catch (err) {
        // A collision appearing at runtime must not take the gateway down: keep the last good
        // catalog and say why loudly.
        this.logger.error(
          { err: toGatewayError(err).message, upstream: e.upstream },
          'catalog rebuild failed',
        );
        return;
      }
    }
    const steps = this.steps;
    this.upstreamQueue = this.upstreamQueue
      .then(() => this.relayEvent(steps, e))
      .catch((err: unknown) =>
        this.logger.error({ err: String(err), upstream: e.upstream }, 'upstream message relay failed'),
      );
  }

  /** An upstream notification outside any call's back channel: through the upstream side, then out. */
  private async relayEvent(steps: readonly Interceptor[], e: UpstreamEvent): Promise<void> {
    const cause = e.type === 'log' && e.correlationId ? this.findCall(e.correlationId) : undefined;
    const sessionId = cause?.session.id ?? (e.type === 'list_changed' ? undefined : e.sessionId);
    const msg: UpstreamMessage = {
      kind: 'notification',
      method: notificationMethod(e),
      upstream: e.upstream,
      ...(cause ? { cause } : {}),
      ...(sessionId ? { sessionId } : {}),
      params: notificationParams(e),
      notes: newUpstreamNotes(),
    };
    await runUpstreamSide(steps, msg, (step, err) =>
      this.logger.warn({ step, err: String(err), method: msg.method }, 'fail-open step errored; continuing'),
    );
    if (msg.refused) return;
    if (e.type === 'resource_updated' && !sessionId)
      this.sharing?.updated(e.upstream, e.uri, msg.params ?? {});
    for (const s of this.sessions.values()) {
      if (sessionId && s.info.id !== sessionId) continue;
      if (e.type === 'resource_updated' && !s.isSubscribed(e.uri)) continue;
      s.notifySafe(msg.method, e.type === 'list_changed' ? undefined : msg.params);
    }
  }

  private findCall(correlationId: string): CallContext | undefined {
    for (const s of this.sessions.values()) {
      const c = s.activeCall(correlationId);
      if (c) return c;
    }
    return undefined;
  }
}

function notificationMethod(e: UpstreamEvent): string {
  switch (e.type) {
    case 'list_changed':
      return LIST_CHANGED[e.kind] ?? 'notifications/resources/list_changed';
    case 'resource_updated':
      return 'notifications/resources/updated';
    case 'log':
      return 'notifications/message';
  }
}

function notificationParams(e: UpstreamEvent): JsonObject | undefined {
  switch (e.type) {
    case 'list_changed':
      return undefined;
    case 'resource_updated':
      return { uri: e.uri };
    case 'log':
      return { ...e.params, logger: prefixLogger(e.upstream, e.params.logger) };
  }
}

function prefixLogger(upstream: string, logger: unknown): string {
  return typeof logger === 'string' && logger.length > 0 ? `${upstream}/${logger}` : upstream;
}

export class GatewaySession {
  private readonly subscriptions = new Set<string>();
  private readonly active = new Map<string, CallContext>();
  private closed = false;

  constructor(
    private readonly gw: Gateway,
    readonly info: SessionInfo,
    private readonly peer: SessionPeer,
  ) {}

  /** @internal A call of this session still running (to link an upstream's log line to it). */
  activeCall(correlationId: string): CallContext | undefined {
    return this.active.get(correlationId);
  }

  isSubscribed(uri: string): boolean {
    return this.subscriptions.has(uri);
  }

  /** @internal The subscription ended or moved on another replica (see Gateway.forgetSubscription). */
  forget(uri: string): void {
    this.subscriptions.delete(uri);
  }

  notifySafe(method: string, params?: JsonObject): void {
    if (this.closed) return;
    this.peer.notify(method, params).catch((err: unknown) => {
      this.gw.logger.debug(
        { err: String(err), session: this.info.id, method },
        'notification to client failed',
      );
    });
  }

  /**
   * Handles one client request. Resolves with the result to send, or rejects with a GatewayError
   * that carries the correlation id (the face turns it into a JSON-RPC error).
   */
  async handle(
    method: string,
    params: JsonObject | undefined,
    io: CallIO,
    signal: AbortSignal,
  ): Promise<JsonObject> {
    const correlationId = newCorrelationId();
    const ctx: CallContext = {
      correlationId,
      session: this.info,
      method,
      params,
      target: { kind: 'gateway' },
      receivedAt: new Date(),
      signal,
      io: this.observedIO(io, correlationId, () => ctx.target.upstream),
      notes: newNotes(),
    };
    const tracer = this.gw.tracer;
    if (tracer) ctx.trace = tracer.startCall(ctx);
    const steps = this.gw.chain();
    this.gw.relays.set(ctx, {
      steps,
      ctx,
      io,
      onStepError: (step, err) =>
        this.gw.logger.warn(
          { correlationId, step, phase: 'upstream', err: String(err) },
          'fail-open step errored; continuing',
        ),
    });
    this.active.set(correlationId, ctx);
    try {
      const outcome = await runChain(steps, ctx, (c) => this.forward(c), {
        onStepError: (step, phase, err) =>
          this.gw.logger.warn(
            { correlationId, step, phase, err: String(err) },
            'fail-open step errored; continuing',
          ),
      });
      ctx.trace?.end(outcome);
      if (outcome.kind === 'error') throw outcome.error;
      return outcome.result;
    } finally {
      this.active.delete(correlationId);
    }
  }

  /**
   * A modern client asked, through `subscriptions/listen`, to hear about these resources: the
   * gateway subscribes upstream on its behalf — each as a `resources/subscribe` call through the
   * chain (policy decides, the audit records), so a URI the caller may not read is not followed.
   * Updates then reach the client through its listen stream. Failures are logged, not thrown.
   */
  async subscribeResources(uris: readonly string[], signal: AbortSignal): Promise<void> {
    const io: CallIO = {
      progress: () => Promise.resolve(),
      request: (method) =>
        Promise.reject(
          new GatewayError(
            'cannot_route_server_request',
            `${method} cannot be sent during a listen subscription`,
          ),
        ),
      clientCapabilities: undefined,
    };
    for (const uri of uris) {
      if (this.subscriptions.has(uri)) continue;
      try {
        await this.handle('resources/subscribe', { uri }, io, signal);
      } catch (err) {
        this.gw.logger.warn(
          { session: this.info.id, uri, err: toGatewayError(err).message },
          'listen: resource not subscribed',
        );
      }
    }
  }

  /** Wraps the call's back channel so server→client requests are on the record. */
  private observedIO(io: CallIO, correlationId: string, upstream: () => string | undefined): CallIO {
    return {
      progress: (p) => io.progress(p),
      clientCapabilities: io.clientCapabilities,
      request: async (method, params, signal) => {
        const note = (outcome: string): TrafficNote => ({
          kind: 'server_request',
          direction: 'to_client',
          method,
          sessionId: this.info.id,
          correlationId,
          ...(upstream() ? { upstream: upstream() } : {}),
          summary: { outcome },
        });
        try {
          const result = await io.request(method, params, signal);
          this.gw.traffic(note(typeof result.action === 'string' ? `answered:${result.action}` : 'answered'));
          return result;
        } catch (err) {
          this.gw.traffic(note('failed'));
          throw err;
        }
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.gw.forgetSession(this.info.id);
    await this.gw.pool.closeSession(this.info.id);
  }

  private async forward(ctx: CallContext): Promise<Outcome> {
    const { method, target } = ctx;
    const list = LIST_METHODS[method];
    if (list) return { kind: 'result', result: { [list.key]: this.visibleList(list.kind) } };
    if (method === 'logging/setLevel') {
      await this.broadcastSetLevel(ctx);
      return { kind: 'result', result: {} };
    }
    if (!target.upstream) throw new GatewayError('internal', `no upstream resolved for ${method}`);
    const relay = this.gw.relays.get(ctx);
    if (!relay) throw new GatewayError('internal', `no upstream-side relay for ${method}`);
    const conn = await this.gw.pool.connection(target.upstream, this.info, callLink(relay));
    ctx.notes.forwardedAt = new Date();
    // Progress is relayed in order and fully sent before the result: a client drops progress
    // that arrives after the response it belongs to.
    let progressSent: Promise<void> = Promise.resolve();
    // The round trip's span, whose trace context the upstream receives (see tracing.ts).
    const span = ctx.trace?.upstream(target.upstream, method);
    const result = await conn
      .request(method, span ? withTraceContext(upstreamParams(ctx), span.context) : upstreamParams(ctx), {
        signal: ctx.signal,
        ...(span && { trace: span.context }),
        onProgress: (p) => {
          progressSent = progressSent
            .then(async () => {
              const relayed = await relayProgress(relay, p);
              if (relayed) await relay.io.progress(relayed);
            })
            .catch(() => undefined);
        },
        link: callLink(relay),
      })
      .catch((err: unknown) => {
        span?.end(err);
        if (ctx.signal.aborted) {
          this.gw.traffic({
            kind: 'notification',
            direction: 'from_client',
            method: 'notifications/cancelled',
            sessionId: this.info.id,
            correlationId: ctx.correlationId,
            upstream: target.upstream,
          });
        }
        throw err;
      });
    span?.end();
    await progressSent;
    if (method === 'resources/subscribe' && target.uri) this.subscriptions.add(target.uri);
    if (method === 'resources/unsubscribe' && target.uri) this.subscriptions.delete(target.uri);
    if ((method === 'resources/subscribe' || method === 'resources/unsubscribe') && target.uri)
      await this.gw.sharing?.changed(this.info, target.uri, method === 'resources/subscribe');
    return { kind: 'result', result: await relayInputRequired(relay, result) };
  }

  private visibleList(kind: CatalogKind): JsonObject[] {
    const cat = this.gw.currentCatalog();
    const out: JsonObject[] = [];
    if (kind === 'resourceTemplates') {
      for (const t of cat.templates) {
        const entry: CatalogEntry = {
          upstream: t.upstream,
          name: t.template,
          exposedName: t.template,
          exposed: t.exposed,
          original: t.exposed,
        };
        if (this.gw.isVisible(this.info, kind, entry)) out.push(t.exposed);
      }
      return out;
    }
    const map = kind === 'tools' ? cat.tools : kind === 'prompts' ? cat.prompts : cat.resources;
    for (const entry of map.values()) if (this.gw.isVisible(this.info, kind, entry)) out.push(entry.exposed);
    return out;
  }

  private async broadcastSetLevel(ctx: CallContext): Promise<void> {
    const pool = this.gw.pool;
    await Promise.allSettled(
      pool
        .status()
        .filter((s) => s.state === 'ready')
        .map(async (s) => {
          const conn = await pool.connection(s.name, this.info);
          const caps = conn.capabilities();
          if (!caps?.logging) return;
          await conn.request('logging/setLevel', ctx.params, { signal: ctx.signal });
        }),
    );
  }
}
