import {
  ProtocolError,
  type Client,
  type Implementation,
  type McpSubscription,
  type PriorDiscovery,
} from '@modelcontextprotocol/client';
import {
  dispatchDirectly,
  GatewayError,
  type Era,
  type JsonObject,
  type Logger,
  type ProgressUpdate,
  type UpstreamConnection,
  type UpstreamRequestOptions,
  type UpstreamSpec,
} from '@mcpgate/core';
import {
  closedError,
  describeReason,
  describeStartError,
  mapRequestError,
  type CloseReason,
} from './errors.js';
import { Deadline, NO_SDK_TIMEOUT, outboundParams } from './request-shaping.js';
import { createClient, reap } from './client-factory.js';
import type { ConnectionEvents } from './events.js';
import { registerHandlers } from './handlers.js';
import { InFlight } from './inflight.js';
import { PASSTHROUGH } from './passthrough.js';
import { buildTransport, type BuiltTransport } from './transport.js';
import { withTraceHeaders } from './trace-headers.js';

/** What a connection reports to whoever supervises it. */
export interface ConnectionHooks extends ConnectionEvents {
  /** The connection ended without `close()` being called (child exited, stream dropped). */
  onLost(conn: McpUpstreamConnection, reason: CloseReason): void;
}

export interface OpenOptions {
  readonly spec: UpstreamSpec;
  readonly logger: Logger;
  readonly clientInfo: Implementation;
  /** Set for a per-session connection. */
  readonly sessionId?: string;
  readonly hooks: ConnectionHooks;
  /**
   * The era verdict of an earlier connection to the same upstream: skips the probe (for stdio, the
   * SDK's extra probe process) — used for per-session connections, whose upstream the main
   * connection has just probed.
   */
  readonly prior?: PriorDiscovery;
  /** Aborts a connect in progress (gateway shutdown): the child is reaped, `open` rejects. */
  readonly signal?: AbortSignal;
}

/**
 * One MCP client connection to one upstream, on the official SDK's `Client`. Requests go through
 * `client.request(…, PASSTHROUGH)`, so JSON-RPC ids are the SDK's own and results come back as the
 * upstream sent them; an `input_required` result of a modern upstream is returned as a plain result
 * (`allowInputRequired`, auto-fulfilment off) for the faces to relay.
 */
export class McpUpstreamConnection implements UpstreamConnection {
  readonly upstream: string;
  readonly sessionId: string | undefined;
  private readonly inflight: InFlight;
  private closeReason: CloseReason | undefined;
  private closing = false;
  private checking = false;
  /** When an oversized message was last discarded without knowing its request (legacy SSE stream). */
  private droppedOversizeAt = 0;
  /**
   * Progress is tracked here rather than through the SDK's `onprogress`: the SDK drops its progress
   * handler synchronously when the response arrives but dispatches notifications a microtask later,
   * so the final progress update that precedes a response on the same read is lost. Our handler is
   * removed only after the caller's await resumes, which is after that notification's microtask.
   */
  private readonly progressListeners = new Map<string, (update: ProgressUpdate) => void>();
  private progressSeq = 0;

  private constructor(
    private readonly spec: UpstreamSpec,
    private readonly client: Client,
    private readonly built: BuiltTransport,
    private readonly logger: Logger,
    private readonly hooks: ConnectionHooks,
    sessionId: string | undefined,
  ) {
    this.upstream = spec.name;
    this.sessionId = sessionId;
    this.inflight = new InFlight(spec.name, sessionId);
  }

  /** Spawns/connects and negotiates the era; rejects (with the child reaped) if that fails or times out. */
  static async open(opts: OpenOptions): Promise<McpUpstreamConnection> {
    const { spec } = opts;
    const logger = opts.logger.child({
      upstream: spec.name,
      ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
    });
    const client = createClient(spec, opts.clientInfo, opts.hooks);
    // The transport is built before the connection that owns it; the limiter reports back late-bound.
    const owner: { conn?: McpUpstreamConnection } = {};
    const built = buildTransport(spec, logger, () => owner.conn?.noteDroppedOversize());
    const conn = new McpUpstreamConnection(spec, client, built, logger, opts.hooks, opts.sessionId);
    owner.conn = conn;
    conn.wire();
    const connecting = client.connect(built.transport, {
      timeout: spec.startTimeoutMs,
      ...(opts.prior ? { prior: opts.prior } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await Promise.race([
        connecting,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no handshake within the start timeout of ${spec.startTimeoutMs} ms`)),
            spec.startTimeoutMs,
          );
          onAbort = () => reject(new Error('the gateway is shutting down'));
          if (opts.signal?.aborted) onAbort();
          else opts.signal?.addEventListener('abort', onAbort, { once: true });
        }),
      ]);
    } catch (err) {
      conn.closing = true;
      // Read before reaping: an end that reaping causes is not the cause.
      const ended = built.endedNow();
      await reap(client, connecting, spec.startTimeoutMs);
      // The real cause first: how the process ended and what it said. The handshake error
      // ("connection closed during the probe") is only the symptom, so it comes last.
      const tail = built.stderrTail();
      if (tail.length === 0 && ended === undefined) throw err;
      const cause = [
        ended === undefined ? undefined : `the process ended (${ended})`,
        tail.length === 0 ? undefined : `its last stderr lines: ${tail.join(' | ')}`,
      ].filter((p): p is string => p !== undefined);
      throw new Error(`${cause.join('; ')} — during start: ${describeStartError(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
      if (onAbort) opts.signal?.removeEventListener('abort', onAbort);
    }
    logger.info(
      { era: conn.era, protocolVersion: client.getNegotiatedProtocolVersion() },
      'upstream connected',
    );
    built.watchExit();
    // The child's messages arrive on a plain onmessage field (remote transports carry the depth
    // guard's accessor there, which this must not wrap).
    if (spec.transport === 'stdio') dispatchDirectly(client, built.transport);
    const sub = client.autoOpenedSubscription;
    if (sub) conn.watchSubscription(sub);
    return conn;
  }

  /**
   * Modern upstreams deliver list changes on a `subscriptions/listen` stream. Over HTTP that stream
   * can drop while the connection itself stays usable (modern HTTP has no session), so re-listen —
   * and refetch everything, since changes may have been missed in between.
   */
  private watchSubscription(sub: McpSubscription): void {
    void sub.closed.then(async (why) => {
      if (why !== 'remote' || this.closing) return;
      this.logger.warn({}, 'upstream subscription stream dropped; listening again');
      for (let attempt = 1; attempt <= 5 && !this.closing; attempt++) {
        await new Promise((r) => setTimeout(r, 200 * attempt).unref());
        if (this.closing) return;
        try {
          const next = await this.client.listen(sub.honoredFilter, {
            timeout: Math.min(5000, this.spec.requestTimeoutMs),
          });
          this.watchSubscription(next);
          for (const kind of ['tools', 'prompts', 'resources'] as const) this.hooks.onListChanged(kind);
          return;
        } catch (err) {
          this.logger.warn({ err: describeStartError(err), attempt }, 'listening again failed');
        }
      }
      if (!this.closing) void this.checkRemote();
    });
  }

  get era(): Era | undefined {
    return this.client.getProtocolEra();
  }

  /** This connection's era verdict, reusable as `prior` for further connections to the same upstream. */
  verdict(): PriorDiscovery | undefined {
    const discover = this.client.getDiscoverResult();
    if (this.era === 'modern' && discover) return { kind: 'modern', discover };
    if (this.era === 'legacy') return { kind: 'legacy' };
    return undefined;
  }

  get protocolVersion(): string | undefined {
    return this.client.getNegotiatedProtocolVersion();
  }

  /** @internal Called by the transport's size limiter. */
  noteDroppedOversize(): void {
    this.droppedOversizeAt = Date.now();
    this.logger.error(
      { limitBytes: this.spec.maxMessageBytes },
      'dropped an upstream message over the size limit',
    );
  }

  /** The stdio child's pid (undefined for remotes or once it is gone). */
  pid(): number | undefined {
    return this.built.pid();
  }

  get alive(): boolean {
    return this.closeReason === undefined;
  }

  capabilities(): JsonObject | undefined {
    return this.client.getServerCapabilities();
  }

  async request(
    method: string,
    params: JsonObject | undefined,
    opts: UpstreamRequestOptions,
  ): Promise<JsonObject> {
    if (this.closeReason) throw closedError(this.upstream, method, this.closeReason);
    let fail: (err: GatewayError) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => (fail = reject));
    const done = this.inflight.add(method, opts.link, fail);
    const startedAt = Date.now();
    // Our own deadline (reset by progress) and our own progress token: see `progressListeners`.
    const deadline = new Deadline(this.spec.requestTimeoutMs, opts.signal);
    const token = opts.onProgress ? `mcpgate-${++this.progressSeq}` : undefined;
    if (token !== undefined && opts.onProgress) {
      const onProgress = opts.onProgress;
      this.progressListeners.set(token, (update) => {
        deadline.reset();
        onProgress(update);
      });
    }
    try {
      // A traced call's context also goes out as HTTP headers (stdio has only `_meta`).
      const trace = this.spec.transport === 'stdio' ? undefined : opts.trace;
      const pending = withTraceHeaders(trace, () =>
        this.client.request({ method, params: outboundParams(params, token) }, PASSTHROUGH, {
          signal: deadline.signal,
          timeout: NO_SDK_TIMEOUT,
          allowInputRequired: true,
        }),
      );
      const result = await Promise.race([pending, failed]);
      // The SDK settles the response before it dispatches a progress notification read in the
      // same chunk just ahead of it; let this read's dispatches run, so the caller has every update
      // before it answers its client.
      if (token !== undefined) await new Promise<void>((r) => setImmediate(r));
      return result;
    } catch (err) {
      if (deadline.expired && this.droppedOversizeAt >= startedAt) {
        throw new GatewayError(
          'message_too_large',
          `upstream "${this.upstream}" sent a message larger than ${this.spec.maxMessageBytes} bytes while ` +
            `${method} was in flight; it was dropped and the call timed out`,
          { data: { upstream: this.upstream, method, limitBytes: this.spec.maxMessageBytes } },
        );
      }
      if (deadline.expired) {
        throw new GatewayError(
          'upstream_timeout',
          `upstream "${this.upstream}" did not answer ${method} within ${this.spec.requestTimeoutMs} ms`,
          { data: { upstream: this.upstream, method, timeoutMs: this.spec.requestTimeoutMs } },
        );
      }
      const mapped = mapRequestError(err, this.upstream, method, this.spec.requestTimeoutMs, opts.signal);
      if (mapped.code === 'upstream_unavailable' && this.spec.transport !== 'stdio') void this.checkRemote();
      throw mapped;
    } finally {
      deadline.dispose();
      if (token !== undefined) this.progressListeners.delete(token);
      done();
    }
  }

  /** Fetches every page of a list method (following `nextCursor`) for the catalog. */
  async listAll(method: string, key: string, signal: AbortSignal): Promise<JsonObject[]> {
    const items: JsonObject[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    for (;;) {
      const page = await this.request(method, cursor === undefined ? {} : { cursor }, { signal });
      const list = page[key];
      if (Array.isArray(list)) {
        for (const item of list)
          if (typeof item === 'object' && item !== null) items.push(item as JsonObject);
      }
      const next = page.nextCursor;
      if (typeof next !== 'string' || next === '') return items;
      if (seen.has(next)) {
        throw new GatewayError(
          'upstream_error',
          `upstream "${this.upstream}" repeated cursor "${next}" in ${method}`,
          {
            data: { upstream: this.upstream, method },
          },
        );
      }
      seen.add(next);
      cursor = next;
    }
  }

  /** Closes deliberately: fails in-flight calls, ends the child (stdin close, SIGTERM, then SIGKILL). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.settle({ kind: 'closed' });
    await this.client
      .close()
      .catch((err: unknown) => this.logger.warn({ err }, 'closing upstream connection failed'));
  }

  /** The connection is gone without anyone asking: fail its calls, let the supervisor restart it. */
  private lose(reason: CloseReason): void {
    if (this.closing) return;
    this.closing = true;
    this.settle(reason);
    this.logger.error({ reason: describeReason(reason) }, 'upstream connection lost');
    this.hooks.onLost(this, reason);
    void this.client.close().catch(() => undefined);
  }

  /**
   * HTTP transports have no process to watch: a remote that went away only shows as failing
   * requests. After such a failure one ping decides whether the connection is dead (then it is
   * replaced like a crashed child) or the failure was local to that request.
   */
  private async checkRemote(): Promise<void> {
    if (this.checking || this.closing) return;
    this.checking = true;
    try {
      await this.client.request({ method: 'ping' }, PASSTHROUGH, {
        timeout: Math.min(5000, this.spec.requestTimeoutMs),
      });
    } catch (err) {
      if (!(err instanceof ProtocolError)) {
        this.lose({ kind: 'lost', detail: `the remote stopped answering (${describeStartError(err)})` });
      }
    } finally {
      this.checking = false;
    }
  }

  private settle(reason: CloseReason): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    this.inflight.failAll((method) => closedError(this.upstream, method, reason));
  }

  private wire(): void {
    let lastError: string | undefined;
    this.client.onerror = (err: Error) => {
      lastError = err.message;
      if (/ReadBuffer exceeded maximum size/.test(err.message)) {
        // The SDK is closing the transport; fail the calls now rather than after the child exits.
        this.logger.error({ limitBytes: this.spec.maxMessageBytes }, 'upstream message over the size limit');
        this.settle({ kind: 'too_large', limit: this.spec.maxMessageBytes });
        return;
      }
      // While closing (shutdown, restart), answers that can no longer be delivered ("Not
      // connected") and late responses are expected: debug, not warnings.
      const expected = this.closing || /\bNot connected\b/.test(err.message);
      this.logger[expected ? 'debug' : 'warn']({ err: err.message }, 'upstream connection error');
    };
    this.client.onclose = () => {
      if (this.closing) return;
      const last = lastError ? ` (last error: ${lastError})` : '';
      this.lose(
        this.closeReason ??
          (this.spec.transport === 'stdio'
            ? { kind: 'crashed', detail: `its process exited${exitedHow(this.built)}${last}` }
            : { kind: 'lost', detail: `the connection closed${last}` }),
      );
    };

    registerHandlers(this.client, {
      upstream: this.upstream,
      sessionId: this.sessionId,
      logger: this.logger,
      hooks: this.hooks,
      inflight: this.inflight,
      progressListeners: this.progressListeners,
    });
  }
}

function exitedHow(built: BuiltTransport): string {
  const how = built.exitDescription();
  return how ? ` (${how})` : '';
}
