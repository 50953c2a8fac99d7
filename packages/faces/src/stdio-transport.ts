import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/server';
import { DEFAULT_MAX_JSON_DEPTH, JsonFrameScanner } from '@mcpgate/core';
import { classifyFrame } from './jsonrpc-frame.js';

export interface StdioFaceTransportOptions {
  readonly stdin: Readable;
  readonly stdout: Writable;
  /** Largest accepted message in bytes; larger lines are refused and discarded without buffering them. */
  readonly maxMessageBytes: number;
  /** Deepest nesting accepted in one message (`limits.maxJsonDepth`). */
  readonly maxJsonDepth?: number;
  /** Told about every refused frame (for logs and the audit's compact record). */
  readonly onRejectedFrame?: (reason: string, code: number) => void;
  /** Called once when the connection ends (stdin closed or close()), after the SDK's own onclose. */
  readonly onClosed?: () => void;
  /** Sees every valid inbound message after the SDK has (the face watches `subscriptions/listen`). */
  readonly onInbound?: (message: JSONRPCMessage) => void;
  /**
   * After stdin ends, how long requests already received may take to be answered before the
   * connection closes anyway (default 30 s). A client that writes its requests and closes its end
   * (`printf … | mcpgate stdio`) still gets every answer.
   */
  readonly drainMs?: number;
}

/**
 * Newline-delimited JSON-RPC over stdio, stricter than the SDK's own transport: malformed JSON
 * gets -32700, a well-formed non-request gets -32600, and an oversized line is answered with an
 * error and skipped — the gateway keeps serving in every case. Memory is bounded by
 * maxMessageBytes: a line over the limit is dropped chunk by chunk, never accumulated.
 */
export class StdioFaceTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;

  private chunks: Buffer[] = [];
  private buffered = 0;
  private discarding = false;
  /** Scans the line being read as it arrives: its depth, and its id for answering a refusal. */
  private readonly scan = new JsonFrameScanner();
  private closed = false;
  private corked = false;
  /** Ids of client requests not answered yet. */
  private readonly unanswered = new Set<string | number>();
  private draining: NodeJS.Timeout | undefined;

  constructor(private readonly opts: StdioFaceTransportOptions) {}

  start(): Promise<void> {
    const { stdin } = this.opts;
    stdin.on('data', this.onData);
    stdin.on('end', this.onEnd);
    stdin.on('close', this.onEnd);
    stdin.on('error', this.onStreamError);
    this.opts.stdout.on('error', this.onStreamError);
    return Promise.resolve();
  }

  private readonly onData = (chunk: Buffer | string): void => {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    while (buf.length > 0) {
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        this.append(buf);
        return;
      }
      this.append(buf.subarray(0, nl));
      this.endLine();
      buf = buf.subarray(nl + 1);
    }
  };

  private append(part: Buffer): void {
    if (part.length === 0) return;
    // A discarded line is still scanned (constant memory), so its refusal can carry its id.
    this.scan.feed(part);
    if (this.discarding) return;
    if (this.buffered + part.length > this.opts.maxMessageBytes) {
      this.chunks = [];
      this.buffered = 0;
      this.discarding = true;
      return;
    }
    this.chunks.push(part);
    this.buffered += part.length;
  }

  private endLine(): void {
    const scan = this.scan.finish();
    if (this.discarding) {
      // Answered once the whole line has gone by: only then is its id known wherever it sits.
      this.discarding = false;
      this.reject(
        scan.id,
        -32600,
        `message exceeds the ${this.opts.maxMessageBytes}-byte limit and was discarded`,
      );
      scan.reset();
      return;
    }
    if (this.buffered === 0) {
      scan.reset();
      return;
    }
    const line = Buffer.concat(this.chunks, this.buffered).toString('utf8');
    this.chunks = [];
    this.buffered = 0;
    const frame = classifyFrame(line, this.opts.maxJsonDepth ?? DEFAULT_MAX_JSON_DEPTH, scan);
    scan.reset();
    if (frame.kind === 'message') {
      this.track(frame.message);
      this.onmessage?.(frame.message);
      this.opts.onInbound?.(frame.message);
    } else {
      this.reject(frame.id, frame.code, frame.message);
    }
  }

  private reject(id: string | number | null, code: number, message: string): void {
    this.opts.onRejectedFrame?.(message, code);
    void this.write({ jsonrpc: '2.0', id, error: { code, message } });
  }

  private track(message: JSONRPCMessage): void {
    const m = message as { method?: unknown; id?: unknown; params?: { requestId?: unknown } };
    if (typeof m.method !== 'string') return;
    if (typeof m.id === 'string' || typeof m.id === 'number') this.unanswered.add(m.id);
    else if (m.method === 'notifications/cancelled') {
      // A cancelled request gets no response: nothing to wait for.
      const id = m.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') this.forget(id);
    }
  }

  private forget(id: string | number): void {
    this.unanswered.delete(id);
    if (this.draining && this.unanswered.size === 0) void this.close();
  }

  /** stdin ended: close now, or once the requests already received are answered. */
  private readonly onEnd = (): void => {
    if (this.closed || this.draining) return;
    if (this.unanswered.size === 0) {
      void this.close();
      return;
    }
    this.draining = setTimeout(() => void this.close(), this.opts.drainMs ?? 30_000);
  };

  private readonly onStreamError = (err: Error): void => {
    this.onerror?.(err);
  };

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(message);
  }

  private write(message: unknown): Promise<void> {
    if (this.closed) return Promise.resolve();
    const out = this.opts.stdout;
    let data: string;
    try {
      data = JSON.stringify(message) + '\n';
    } catch (err) {
      // Unreachable for depth-checked data; if it ever happens, this message is lost, not the process.
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    // Coalesce responses written in this tick into one writev: under concurrency this turns N
    // syscalls into one, which is most of the face's cost. Notifications (progress above all) are
    // flushed at once instead: SDK clients drop a progress notification that arrives in the same
    // read as the response it precedes.
    if (isNotification(message)) {
      if (this.corked) {
        this.corked = false;
        out.uncork();
      }
    } else if (!this.corked) {
      this.corked = true;
      out.cork();
      process.nextTick(() => {
        if (!this.corked) return;
        this.corked = false;
        out.uncork();
      });
    }
    const written = out.write(data);
    const id = (message as { id?: unknown; method?: unknown }).id;
    if ((typeof id === 'string' || typeof id === 'number') && !('method' in (message as object))) {
      this.forget(id);
    }
    if (written) return Promise.resolve();
    // Backpressure: the caller waits until the client has drained what we wrote, so a slow
    // client cannot make the gateway buffer without bound.
    return new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    clearTimeout(this.draining);
    const { stdin } = this.opts;
    stdin.off('data', this.onData);
    stdin.off('end', this.onEnd);
    stdin.off('close', this.onEnd);
    stdin.off('error', this.onStreamError);
    this.onclose?.();
    this.opts.onClosed?.();
    return Promise.resolve();
  }
}

function isNotification(message: unknown): boolean {
  const m = message as { method?: unknown; id?: unknown };
  return typeof m.method === 'string' && m.id === undefined;
}
