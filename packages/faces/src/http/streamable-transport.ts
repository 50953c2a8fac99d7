import type { IncomingMessage, ServerResponse } from 'node:http';
import { ERROR_CODES } from '@mcpgate/core';
import {
  DEFAULT_NEGOTIATED_PROTOCOL_VERSION,
  isInitializeRequest,
  isJsonContentType,
  SUPPORTED_PROTOCOL_VERSIONS,
  type AuthInfo,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type Transport,
} from '@modelcontextprotocol/server';
import { isRequest, isResponse, parseMessage } from '../jsonrpc-shape.js';
import type { BoundedEventStore } from './event-store.js';
import { RPC, sendRpcError } from './node-io.js';
import { SseWriter } from './sse-writer.js';
import { SharedStreams, type SharedTail, type StreamEvent } from './shared-streams.js';

type RequestId = string | number;
type SendOptions = Parameters<Transport['send']>[1];

/** JSON-RPC batches larger than this are refused (the SDK's own transport uses the same bound). */
const MAX_BATCH = 100;
const STANDALONE = '_GET_stream';
/** The priming event's place in the buffer: it makes a stream resumable but is never replayed. */
const PRIMING = Object.freeze({}) as JSONRPCMessage;
/** A buffered event as the store keeps it: the priming event has no message. */
function asStored([id, message]: [string, JSONRPCMessage]): StreamEvent {
  return [id, message === PRIMING ? undefined : message];
}

/** The id of a replayed `initialize` (see restore): no client request can carry it. */
const RESTORE_ID = '\u0000mcpgate-restore';

export interface StreamableTransportOptions {
  readonly sessionId: string;
  readonly keepAliveMs: number;
  /** Resumption buffer; without one, event ids are not sent and nothing can be resumed. */
  readonly events?: BoundedEventStore;
  /**
   * The session's `initialize` was accepted (the session now exists). A returned promise holds
   * the answer (which carries the session id) until it settles: scale-out stores the session
   * first, so the client's next request may reach any replica. If it rejects, the client gets an
   * error instead and `onInitFailed` runs.
   */
  readonly onInitialized?: (params: Record<string, unknown>) => void | Promise<void>;
  readonly onInitFailed?: (err: unknown) => void;
  /** The client ended the session with DELETE. */
  readonly onDelete?: () => void | Promise<void>;
  /**
   * Scale-out: this replica's tag. Ids of the gateway's requests to the client (elicitation,
   * sampling, roots) then carry it, so the client's answer — which a load balancer may send to
   * any replica — finds its way back to the replica waiting for it.
   */
  readonly replicaTag?: string;
  /** An answer to another replica's request arrived here: hand it to that replica. */
  readonly forwardAnswer?: (replicaTag: string, message: JSONRPCMessage) => void;
  /**
   * Scale-out: the client cancelled a request this replica is not running (another replica
   * received it): announce it to the others, the one running it cancels it.
   */
  readonly forwardCancel?: (requestId: RequestId, reason: string | undefined) => void;
  /**
   * Scale-out resumption (see SharedStreams): event ids name this replica; a stream whose
   * connection drops before it is over is spilled to the store, and a Last-Event-ID written by
   * another replica is served from the store.
   */
  readonly shared?: {
    readonly tag: string;
    persist(stream: string, events: readonly StreamEvent[], final: boolean): void;
    open(lastEventId: string): Promise<SharedTail | undefined>;
  };
}

/** `m.<replica tag>.<original id>`: an id this gateway gave one of its requests to the client. */
const TAGGED_ID = /^m\.([0-9a-z]+)\.(.+)$/;

/** One POST's response stream: open until every request it carried is answered. */
interface PostStream {
  writer: SseWriter | undefined;
  readonly unanswered: Set<RequestId>;
}

/**
 * The server side of a legacy (2025) Streamable HTTP session, written against Node's own
 * request/response objects. The SDK's transport speaks web Request/Response, and converting
 * every call into them (headers, abort signals, a ReadableStream per response) cost a large share
 * of the gateway's CPU per call; this one writes the common POST — one request, one response —
 * as a single socket write. Behaviour follows the SDK's transport: Accept / Content-Type /
 * protocol-version checks, 202 for notification-only POSTs, one SSE stream per POST, a standalone
 * GET stream (one at a time), priming events and `Last-Event-ID` replay from a bounded buffer,
 * DELETE to end the session.
 */
export class StreamableHttpServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  readonly sessionId: string;
  private versions: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
  private initialized = false;
  private closed = false;
  private streamSeq = 0;
  private readonly streams = new Map<string, PostStream>();
  private readonly streamOfRequest = new Map<RequestId, string>();
  private standalone: SseWriter | undefined;
  /** Stream ids carry the replica's tag in a scale-out deployment: `<tag>.p3`. */
  private readonly prefix: string;
  private readonly standaloneId: string;
  /** Streams whose events go to the store too (their connection dropped before they were over). */
  private readonly spilled = new Set<string>();

  constructor(private readonly opts: StreamableTransportOptions) {
    this.sessionId = opts.sessionId;
    this.prefix = opts.shared && opts.events ? `${opts.shared.tag}.` : '';
    this.standaloneId = `${this.prefix}${STANDALONE}`;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  /** Called by the SDK server on connect with the versions it speaks. */
  setSupportedProtocolVersions(versions: string[]): void {
    this.versions = versions;
  }

  get isInitialized(): boolean {
    return this.initialized;
  }

  /**
   * Scale-out: this replica serves a session another replica opened. The client's `initialize`
   * (from the shared store) is replayed into the connected server so it knows the negotiated
   * version and the client's capabilities; the replayed answer goes nowhere.
   */
  async restore(init: Record<string, unknown>): Promise<void> {
    this.initialized = true;
    const answered = new Promise<void>((resolve) => (this.restoring = resolve));
    this.onmessage?.({
      jsonrpc: '2.0',
      id: RESTORE_ID,
      method: 'initialize',
      params: init,
    });
    await answered;
  }

  private restoring: (() => void) | undefined;
  private initGate: { readonly id: RequestId; readonly promise: Promise<void> } | undefined;

  /** A client's answer to this replica's request, forwarded by the replica that received it. */
  inject(message: JSONRPCMessage): void {
    if (this.closed) return;
    this.onmessage?.(this.untag(message));
  }

  /**
   * Scale-out: a cancellation of `requestId` received by another replica. Delivered (as the
   * client's own notification) only if the request runs here; true when it did.
   */
  cancelHere(requestId: RequestId, reason: string | undefined): boolean {
    if (this.closed || !this.streamOfRequest.has(requestId)) return false;
    this.onmessage?.({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId, ...(reason !== undefined && { reason }) },
    });
    return true;
  }

  /** Routes a client's answer: to this replica's server (id untagged), or to the replica that asked. */
  private deliver(m: JSONRPCMessage, extra: MessageExtraInfo): void {
    if (this.opts.forwardCancel && 'method' in m && m.method === 'notifications/cancelled') {
      const p = (m as { params?: { requestId?: unknown; reason?: unknown } }).params;
      const id = p?.requestId;
      if ((typeof id === 'string' || typeof id === 'number') && !this.streamOfRequest.has(id)) {
        this.opts.forwardCancel(id, typeof p?.reason === 'string' ? p.reason : undefined);
        return;
      }
    }
    if (this.opts.replicaTag && isResponse(m)) {
      const tagged = typeof m.id === 'string' ? TAGGED_ID.exec(m.id) : null;
      if (tagged && tagged[1] !== this.opts.replicaTag && this.opts.forwardAnswer) {
        this.opts.forwardAnswer(tagged[1]!, m);
        return;
      }
      this.onmessage?.(this.untag(m), extra);
      return;
    }
    this.onmessage?.(m, extra);
  }

  private untag(m: JSONRPCMessage): JSONRPCMessage {
    if (!('id' in m) || typeof m.id !== 'string' || 'method' in m) return m;
    const tagged = TAGGED_ID.exec(m.id);
    if (!tagged) return m;
    const raw = tagged[2]!;
    return { ...m, id: /^\d+$/.test(raw) ? Number(raw) : raw };
  }

  /** One HTTP request of this session: `parsed` is the POST body, already read and parsed. */
  async handle(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: unknown,
    authInfo: AuthInfo,
    headers: Readonly<Record<string, string>>,
  ): Promise<void> {
    if (this.closed)
      return sendRpcError(res, 404, ERROR_CODES.session_not_found.jsonrpc, 'Session not found', headers);
    if (req.method === 'POST') return this.post(req, res, parsed, authInfo, headers);
    if (req.method === 'GET') return this.get(req, res, headers);
    if (req.method === 'DELETE') return this.delete(req, res, headers);
    sendRpcError(res, 405, -32000, 'Method not allowed.', { ...headers, allow: 'GET, POST, DELETE' });
  }

  private versionError(req: IncomingMessage, res: ServerResponse, headers: Record<string, string>): boolean {
    const v = req.headers['mcp-protocol-version'];
    if (typeof v !== 'string' || this.versions.includes(v)) return false;
    sendRpcError(
      res,
      400,
      -32000,
      `Bad Request: Unsupported protocol version: ${v} (supported versions: ${this.versions.join(', ')})`,
      headers,
    );
    return true;
  }

  private sseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
    return {
      ...headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      // nginx and similar proxies buffer responses by default, which would hold events back.
      'x-accel-buffering': 'no',
      'mcp-session-id': this.sessionId,
    };
  }

  private post(
    req: IncomingMessage,
    res: ServerResponse,
    parsed: unknown,
    authInfo: AuthInfo,
    headers: Record<string, string>,
  ): void {
    const accept = req.headers.accept ?? '';
    if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
      return sendRpcError(
        res,
        406,
        -32000,
        'Not Acceptable: Client must accept both application/json and text/event-stream',
        headers,
      );
    }
    if (!isJsonContentType(req.headers['content-type'] ?? null)) {
      return sendRpcError(
        res,
        415,
        -32000,
        'Unsupported Media Type: Content-Type must be application/json',
        headers,
      );
    }
    if (Array.isArray(parsed) && parsed.length > MAX_BATCH) {
      return sendRpcError(
        res,
        400,
        RPC.invalidRequest,
        `Invalid Request: Batch must not exceed ${MAX_BATCH} messages`,
        headers,
      );
    }
    let messages: JSONRPCMessage[];
    try {
      messages = (Array.isArray(parsed) ? parsed : [parsed]).map((m) => parseMessage(m));
    } catch {
      return sendRpcError(res, 400, RPC.parseError, 'Parse error: Invalid JSON-RPC message', headers);
    }
    // The method test first: the schema parse behind isInitializeRequest cost ~20 µs on every
    // call, and only a message whose method is "initialize" can pass it.
    const init = messages.find(
      (m): m is JSONRPCRequest =>
        (m as { method?: unknown }).method === 'initialize' && isInitializeRequest(m),
    );
    if (init) {
      if (this.initialized) {
        return sendRpcError(
          res,
          400,
          RPC.invalidRequest,
          'Invalid Request: Server already initialized',
          headers,
        );
      }
      if (messages.length > 1) {
        return sendRpcError(
          res,
          400,
          RPC.invalidRequest,
          'Invalid Request: Only one initialization request is allowed',
          headers,
        );
      }
      this.initialized = true;
      const gate = this.opts.onInitialized?.(init.params ?? {});
      if (gate) this.initGate = { id: (init as { id: RequestId }).id, promise: gate };
    } else {
      if (!this.initialized)
        return sendRpcError(res, 400, -32000, 'Bad Request: Server not initialized', headers);
      if (this.versionError(req, res, headers)) return;
    }
    const extra: MessageExtraInfo = { authInfo };
    if (!messages.some((m) => isRequest(m))) {
      for (const m of messages) this.deliver(m, extra);
      res.writeHead(202, headers);
      res.end();
      return;
    }

    const streamId = `${this.prefix}p${++this.streamSeq}`;
    const writer = new SseWriter(res, this.sseHeaders(headers), this.opts.keepAliveMs, false);
    const stream: PostStream = { writer, unanswered: new Set() };
    for (const m of messages) {
      if (!isRequest(m)) continue;
      stream.unanswered.add(m.id);
      this.streamOfRequest.set(m.id, streamId);
    }
    this.streams.set(streamId, stream);
    // A dropped connection is not a cancellation in this era: the call goes on, its events are
    // buffered, and the client may resume the stream with Last-Event-ID.
    res.once('close', () => {
      if (stream.writer !== writer) return;
      stream.writer = undefined;
      // Still running: the client may resume it on another replica.
      if (this.streams.get(streamId) === stream && !this.closed) this.spill(streamId);
    });
    const version = init
      ? (init.params as { protocolVersion: string }).protocolVersion
      : ((req.headers['mcp-protocol-version'] as string | undefined) ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION);
    // Empty-data priming events are understood from 2025-11-25 on (the SDK applies the same rule).
    if (this.opts.events && this.versions.includes(version) && version >= '2025-11-25') {
      writer.prime(this.opts.events.put(streamId, PRIMING));
    }
    for (const m of messages) this.deliver(m, extra);
  }

  private get(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string>,
  ): void | Promise<void> {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) {
      return sendRpcError(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream', headers);
    }
    if (!this.initialized)
      return sendRpcError(res, 400, -32000, 'Bad Request: Server not initialized', headers);
    if (this.versionError(req, res, headers)) return;
    const last = req.headers['last-event-id'];
    if (this.opts.events && typeof last === 'string' && last.length > 0) {
      if (this.opts.shared && this.prefix && SharedStreams.ownerOf(last) !== this.opts.shared.tag)
        return this.resumeShared(last, res, headers);
      return this.resume(last, res, headers);
    }
    if (this.standalone && !this.standalone.closed) {
      return sendRpcError(res, 409, -32000, 'Conflict: Only one SSE stream is allowed per session', headers);
    }
    this.attachStandalone(new SseWriter(res, this.sseHeaders(headers), this.opts.keepAliveMs, true), res);
  }

  private attachStandalone(writer: SseWriter, res: ServerResponse): void {
    this.standalone = writer;
    res.once('close', () => {
      if (this.standalone !== writer) return;
      this.standalone = undefined;
      if (!this.closed) this.spill(this.standaloneId);
    });
  }

  /**
   * Scale-out: from now on this stream's events go to the store as well, starting with what the
   * buffer holds, so any replica can resume it. Streams are spilled only when their connection
   * drops early (or another replica asks): a client that stays connected costs no store write.
   */
  private spill(streamId: string): boolean {
    const shared = this.opts.shared;
    if (!shared || !this.prefix || !this.opts.events || this.spilled.has(streamId)) return false;
    const events = this.opts.events.of(streamId);
    const live = streamId === this.standaloneId || this.streams.has(streamId);
    if (events.length === 0 && !live) return false;
    this.spilled.add(streamId);
    shared.persist(streamId, events.map(asStored), !live);
    return true;
  }

  /**
   * Another replica received a Last-Event-ID of this stream: the client is there now. Detach the
   * stream's connection here (if this replica still thinks it is open) and spill it.
   */
  spillNow(streamId: string): boolean {
    if (this.spilled.has(streamId)) return true;
    if (streamId === this.standaloneId) {
      const w = this.standalone;
      this.standalone = undefined;
      w?.end();
    } else {
      const post = this.streams.get(streamId);
      const w = post?.writer;
      if (post) post.writer = undefined;
      w?.end();
    }
    return this.spill(streamId);
  }

  /**
   * Scale-out, this replica stopping while the session goes on elsewhere: the standalone GET
   * stream's buffered events go to the store marked final, so the client's reconnection with its
   * Last-Event-ID, on any other replica, replays what it missed and that replica carries the
   * stream on. Returns the stream spilled (to wait for its write), if any.
   */
  handOver(): string | undefined {
    const shared = this.opts.shared;
    if (!shared || !this.prefix || !this.opts.events || this.spilled.has(this.standaloneId)) return undefined;
    if (!this.standalone || this.standalone.closed) return undefined;
    const events = this.opts.events.of(this.standaloneId);
    // No event sent: the client has no Last-Event-ID and simply opens a new stream elsewhere.
    if (events.length === 0) return undefined;
    this.spilled.add(this.standaloneId);
    shared.persist(this.standaloneId, events.map(asStored), true);
    return this.standaloneId;
  }

  /** GET with a Last-Event-ID another replica wrote (or this one no longer buffers): from the store. */
  private async resumeShared(
    last: string,
    res: ServerResponse,
    headers: Record<string, string>,
  ): Promise<void> {
    const tail = await this.opts.shared!.open(last);
    if (!tail) {
      return sendRpcError(res, 400, -32000, 'Last-Event-ID is unknown or no longer buffered', headers);
    }
    const writer = new SseWriter(res, this.sseHeaders(headers), this.opts.keepAliveMs, true);
    const write = (events: readonly StreamEvent[]): void => {
      for (const [id, message] of events)
        if (message !== undefined) writer.event(JSON.stringify(message), id);
    };
    write(tail.events);
    if (tail.final) {
      // Only a handed-over standalone stream ends that way (see handOver): this replica carries it on.
      const standalone = SharedStreams.streamOf(last)?.endsWith(`.${STANDALONE}`) === true;
      if (standalone && !(this.standalone && !this.standalone.closed)) this.attachStandalone(writer, res);
      else writer.end();
      return;
    }
    res.once('close', () => tail.stop());
    tail.follow((events, final) => {
      write(events);
      if (final) writer.end();
    });
  }

  /** GET with Last-Event-ID: what the stream missed, then the stream itself if it is still live. */
  private resume(last: string, res: ServerResponse, headers: Record<string, string>): void {
    const found = this.opts.events?.after(last);
    if (!found) {
      // This replica may have dropped its copy of the session since: the store may still have it.
      if (this.opts.shared && this.prefix) return void this.resumeShared(last, res, headers);
      return sendRpcError(res, 400, -32000, 'Last-Event-ID is unknown or no longer buffered', headers);
    }
    const post = this.streams.get(found.streamId);
    const live = found.streamId === this.standaloneId ? this.standalone : post?.writer;
    if (live && !live.closed) {
      return sendRpcError(res, 409, -32000, 'Conflict: Stream already has an active connection', headers);
    }
    const writer = new SseWriter(res, this.sseHeaders(headers), this.opts.keepAliveMs, true);
    for (const [id, message] of found.events) {
      if (message !== PRIMING) writer.event(JSON.stringify(message), id);
    }
    if (found.streamId === this.standaloneId) this.attachStandalone(writer, res);
    else if (post) {
      post.writer = writer;
      res.once('close', () => {
        if (post.writer === writer) post.writer = undefined;
      });
    } else writer.end(); // every request of that stream was answered: nothing more will come
  }

  private async delete(
    req: IncomingMessage,
    res: ServerResponse,
    headers: Record<string, string>,
  ): Promise<void> {
    if (this.versionError(req, res, headers)) return;
    try {
      await this.opts.onDelete?.();
      res.writeHead(200, headers);
      res.end();
    } finally {
      await this.close();
    }
  }

  send(outgoing: JSONRPCMessage, options?: SendOptions): Promise<void> {
    if (this.closed) return Promise.resolve();
    // The gateway's own requests to the client carry this replica's tag (see replicaTag).
    const message: JSONRPCMessage =
      this.opts.replicaTag && isRequest(outgoing)
        ? { ...outgoing, id: `m.${this.opts.replicaTag}.${String(outgoing.id)}` }
        : outgoing;
    const response = isResponse(message);
    if (response && message.id === RESTORE_ID && this.restoring) {
      this.restoring();
      this.restoring = undefined;
      return Promise.resolve();
    }
    if (response && this.initGate && message.id === this.initGate.id) {
      const gate = this.initGate;
      this.initGate = undefined;
      const id = message.id;
      return gate.promise.then(
        () => this.send(message, options),
        async (err: unknown) => {
          await this.send(
            {
              jsonrpc: '2.0',
              id,
              error: { code: -32000, message: 'the session could not be stored; try again' },
            },
            options,
          );
          this.opts.onInitFailed?.(err);
        },
      );
    }
    const requestId = response ? message.id : options?.relatedRequestId;
    if (requestId === undefined) {
      if (response) {
        return Promise.reject(new Error('Cannot send a response on a standalone SSE stream'));
      }
      const id = this.opts.events?.put(this.standaloneId, message);
      this.standalone?.event(JSON.stringify(message), id);
      if (id !== undefined && this.spilled.has(this.standaloneId))
        this.opts.shared?.persist(this.standaloneId, [[id, message]], false);
      return Promise.resolve();
    }
    const streamId = this.streamOfRequest.get(requestId);
    const stream = streamId === undefined ? undefined : this.streams.get(streamId);
    if (streamId === undefined || !stream) {
      return Promise.reject(new Error(`No connection established for request ID: ${String(requestId)}`));
    }
    const id = this.opts.events?.put(streamId, message);
    stream.writer?.event(JSON.stringify(message), id);
    let over = false;
    if (response) {
      stream.unanswered.delete(requestId);
      this.streamOfRequest.delete(requestId);
      if (stream.unanswered.size === 0) {
        over = true;
        stream.writer?.end();
        this.streams.delete(streamId);
      }
    }
    if (id !== undefined && this.spilled.has(streamId)) {
      this.opts.shared?.persist(streamId, [[id, message]], over);
      if (over) this.spilled.delete(streamId);
    }
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const s of this.streams.values()) s.writer?.end();
    this.standalone?.end();
    this.streams.clear();
    this.streamOfRequest.clear();
    this.standalone = undefined;
    this.onclose?.();
    return Promise.resolve();
  }
}
