import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { JsonFrameScanner, jsonDepth, tooDeepMessage, type Logger } from '@mcpgate/core';
import { TOO_LARGE_MARKER } from './size-limit.js';

/** Marker in the `data` of the JSON-RPC error we substitute for an over-deep upstream response. */
export const TOO_DEEP_MARKER = 'mcpgateMessageTooDeep';

type Id = string | number;

/** What to do with an upstream message the gateway refuses, by what kind of message it was. */
export interface RefusalSink {
  /** The upstream sent a request: answer it with an error instead of relaying it. */
  answerRequest(id: Id, message: string): void;
  /** A notification, or a frame whose id could not be read: it is dropped (and logged). */
  dropped(message: string, why: 'size' | 'depth'): void;
}

/**
 * Replaces the SDK stdio transport's read buffer (same three methods). The SDK's closes the whole
 * transport when one line passes `maxBufferSize` — ending the shared connection and failing every
 * call in flight on it, then a restart window where calls find the upstream unavailable. This one
 * discards an oversized line chunk by chunk (memory stays bounded by the limit) and refuses only
 * the message it was: the response's request fails with `message_too_large`, a request from the
 * upstream is answered with an error. A line nested deeper than `limits.maxJsonDepth` is refused
 * the same way, before it is parsed. The id is read by a constant-memory scan as the line passes.
 */
export class BoundedLineReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private discarding = false;
  private readonly scan = new JsonFrameScanner();
  private readonly queue: Array<{ readonly line: string } | { readonly message: JSONRPCMessage }> = [];

  constructor(
    private readonly limitBytes: number,
    private readonly maxDepth: number,
    private readonly sink: RefusalSink,
  ) {}

  append(chunk: Buffer): void {
    let buf = chunk;
    while (buf.length > 0) {
      const nl = buf.indexOf(0x0a);
      const part = nl < 0 ? buf : buf.subarray(0, nl);
      this.take(part);
      if (nl < 0) return;
      this.endLine();
      buf = buf.subarray(nl + 1);
    }
  }

  private take(part: Buffer): void {
    if (part.length === 0) return;
    this.scan.feed(part);
    if (this.discarding) return;
    if (this.buffered + part.length > this.limitBytes) {
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
      this.refuse(scan, `upstream message exceeds the ${this.limitBytes}-byte limit`, {
        [TOO_LARGE_MARKER]: this.limitBytes,
      });
    } else if (scan.maxDepth > this.maxDepth) {
      this.refuse(scan, `upstream ${tooDeepMessage(this.maxDepth, scan.maxDepth, true)}`, {
        [TOO_DEEP_MARKER]: this.maxDepth,
      });
    } else if (this.buffered > 0) {
      this.queue.push({ line: Buffer.concat(this.chunks, this.buffered).toString('utf8') });
    }
    this.chunks = [];
    this.buffered = 0;
    this.discarding = false;
    scan.reset();
  }

  private refuse(scan: JsonFrameScanner, message: string, data: Record<string, unknown>): void {
    const id = scan.id;
    if (id === null) this.sink.dropped(message, TOO_LARGE_MARKER in data ? 'size' : 'depth');
    else if (scan.hasMethod) this.sink.answerRequest(id, message);
    else {
      // Queued in order with the lines around it: the SDK sees the error where the message was.
      this.queue.push({ message: { jsonrpc: '2.0', id, error: { code: -32600, message, data } } });
    }
  }

  /**
   * Next message, or null. Like the SDK's: a line that is not JSON is skipped, and one that is not
   * a JSON-RPC 2.0 object is an error (the transport reports it and reads on).
   */
  readMessage(): JSONRPCMessage | null {
    for (let item = this.queue.shift(); item !== undefined; item = this.queue.shift()) {
      if ('message' in item) return item.message;
      let value: unknown;
      try {
        value = JSON.parse(item.line.endsWith('\r') ? item.line.slice(0, -1) : item.line);
      } catch (err) {
        if (err instanceof SyntaxError) continue;
        throw err;
      }
      return jsonRpcObject(value);
    }
    return null;
  }

  clear(): void {
    this.chunks = [];
    this.buffered = 0;
    this.discarding = false;
    this.queue.length = 0;
    this.scan.reset();
  }
}

/**
 * The SDK's `deserializeMessage` runs the whole JSON-RPC union schema over every line (a zod parse
 * that copies the message), and then the SDK's Protocol classifies the same message again with
 * the same four schemas before it acts on it: a message no schema accepts is reported as
 * "Unknown message type" there, and a result is parsed once more by its request's result schema.
 * So the line is parsed once here, checked only for the envelope every handler reads (a JSON
 * object with `jsonrpc: "2.0"`), and the schema checks happen once, in the Protocol.
 */
function jsonRpcObject(value: unknown): JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('upstream sent a line that is not a JSON-RPC message (not a JSON object)');
  if ((value as { jsonrpc?: unknown }).jsonrpc !== '2.0')
    throw new Error('upstream sent a line that is not a JSON-RPC 2.0 message ("jsonrpc" is not "2.0")');
  return value as JSONRPCMessage;
}

/**
 * For transports whose framing the SDK owns (Streamable HTTP, SSE): every inbound message is
 * checked against `limits.maxJsonDepth` after parsing (the parse itself is iterative) and before
 * the SDK or the gateway walks it. An over-deep response becomes an error for its request only;
 * an over-deep request from the upstream is answered with an error; a notification is dropped.
 */
export function guardInboundDepth(transport: Transport, maxDepth: number, logger: Logger): void {
  let handler: Transport['onmessage'];
  const wrapped: NonNullable<Transport['onmessage']> = (message, extra) => {
    const depth = jsonDepth(message, maxDepth);
    if (depth <= maxDepth) return handler?.(message, extra);
    const text = `upstream ${tooDeepMessage(maxDepth, depth, false)}`;
    const m = message as { id?: unknown; method?: unknown };
    const id = typeof m.id === 'string' || typeof m.id === 'number' ? m.id : undefined;
    if (id !== undefined && typeof m.method === 'string') {
      void transport
        .send({ jsonrpc: '2.0', id, error: { code: -32600, message: `Invalid Request: ${text}` } })
        .catch(() => undefined);
    } else if (id !== undefined) {
      handler?.(
        { jsonrpc: '2.0', id, error: { code: -32600, message: text, data: { [TOO_DEEP_MARKER]: maxDepth } } },
        extra,
      );
      return;
    }
    logger.error({ maxJsonDepth: maxDepth }, 'refused an upstream message over the depth limit');
  };
  // The SDK transports keep `onmessage` as a plain instance field the Client assigns on connect;
  // an accessor on the instance lets the check sit in front of whatever handler it assigns.
  Object.defineProperty(transport, 'onmessage', {
    configurable: true,
    enumerable: true,
    get: () => (handler ? wrapped : undefined),
    set: (h: Transport['onmessage']) => {
      handler = h;
    },
  });
}
