import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage, MessageExtraInfo, Transport } from '@modelcontextprotocol/server';
import { SseWriter } from './sse-writer.js';

export interface SseTransportOptions {
  /** The GET /sse response this session's server→client messages are written to. */
  readonly res: ServerResponse;
  /** Path the client POSTs its messages to, with the session id (`/messages?sessionId=…`). */
  readonly endpoint: string;
  readonly keepAliveMs: number;
  /** Extra response headers (CORS). */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The legacy HTTP+SSE server transport (protocol 2024-11-05), dropped from the v2 SDK: one
 * long-lived `text/event-stream` response carries every server→client message; the client POSTs
 * its messages to the `endpoint` announced as the stream's first event. Each message goes on the
 * one stream only.
 */
export class SseServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;
  private writer: SseWriter | undefined;
  private closed = false;

  constructor(private readonly opts: SseTransportOptions) {}

  start(): Promise<void> {
    const { res } = this.opts;
    this.writer = new SseWriter(
      res,
      {
        ...this.opts.headers,
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        // nginx and similar proxies buffer responses by default, which would hold events back.
        'x-accel-buffering': 'no',
      },
      this.opts.keepAliveMs,
      true,
    );
    this.writer.write(`event: endpoint\ndata: ${this.opts.endpoint}\n\n`);
    res.on('close', () => void this.close());
    return Promise.resolve();
  }

  /** Hands a POSTed client message to the server. */
  receive(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    if (this.closed) return;
    this.onmessage?.(message, extra);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed || !this.writer || this.writer.closed)
      return Promise.reject(new Error('SSE stream is closed'));
    this.writer.event(JSON.stringify(message));
    return Promise.resolve();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.writer?.end();
    this.onclose?.();
    return Promise.resolve();
  }
}
