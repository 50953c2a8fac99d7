import type { IncomingMessage, ServerResponse } from 'node:http';

/** JSON-RPC error codes the face answers with itself, before any server instance is involved. */
export const RPC = { parseError: -32700, invalidRequest: -32600, internal: -32603 } as const;

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
  }
}

export class BodyTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`request body not received within ${timeoutMs} ms`);
  }
}

/**
 * Reads a request body up to `limit` bytes within `timeoutMs`. A declared Content-Length over the
 * limit is refused before reading; a chunked body is cut off as soon as it crosses the limit (never
 * buffered whole); a body still incomplete after `timeoutMs` is refused (a client that never
 * finishes its body must not hold the connection).
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs?: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLarge(limit));
  // Plain events rather than `for await`: the async iterator costs a measurable share of a small
  // call's CPU, and most bodies arrive in one chunk.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const timer =
      timeoutMs !== undefined && timeoutMs > 0
        ? setTimeout(() => {
            cleanup();
            reject(new BodyTimeout(timeoutMs));
          }, timeoutMs)
        : undefined;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      cleanup();
      reject(new Error('client closed the connection before the body was read'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * RFC 9112 §9.6: a server that answers before it has read the whole request (413, 401, 403, 404…)
 * and then closes at once makes the client's kernel reset the connection while it is still
 * uploading, and many clients (fetch) then report EPIPE or ECONNRESET instead of the answer. So
 * once such an answer is sent, the rest of the body is read and discarded — at most `maxBytes`
 * more, for at most `maxMs` — and only a client that exceeds either bound is cut off. A body that
 * ends within the bounds leaves the connection usable for the next request.
 */
export function drainAfterAnswer(req: IncomingMessage, maxBytes: number, maxMs: number): void {
  if (req.complete || req.destroyed) return;
  const socket = req.socket;
  // An answer marked `Connection: close` (by us or because the client asked) makes Node end the
  // socket and destroy it once the answer is flushed. The FIN still goes out (the client sees the
  // answer end); the destroy waits until the body is read or a bound is hit (a lingering close).
  const closing = socket.writableEnded;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- the very listener Node registered
  if (closing) socket.removeListener('finish', socket.destroy);
  let left = maxBytes;
  const cut = () => {
    stop();
    socket.destroy();
  };
  const timer = setTimeout(cut, maxMs);
  timer.unref();
  const onData = (chunk: Buffer) => {
    left -= chunk.length;
    if (left < 0) cut();
  };
  const onEnd = () => {
    stop();
    if (closing) socket.destroy();
  };
  const stop = () => {
    clearTimeout(timer);
    req.off('data', onData).off('end', onEnd).off('close', stop);
  };
  req.on('data', onData).once('end', onEnd).once('close', stop);
  req.resume();
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** A JSON-RPC error body with no id (the request was refused before it was read as a message). */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
  data?: Record<string, unknown>,
): void {
  sendJson(
    res,
    status,
    { jsonrpc: '2.0', id: null, error: { code, message, ...(data && { data }) } },
    headers,
  );
}

/** The web-standard Request the SDK's HTTP handlers take, built from an already-read body. */
export function toWebRequest(
  req: IncomingMessage,
  url: URL,
  body: string | undefined,
  signal: AbortSignal,
): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) headers.append(k, one);
    else headers.set(k, v);
  }
  const method = req.method ?? 'GET';
  return new Request(url, {
    method,
    headers,
    signal,
    ...(body !== undefined && method !== 'GET' && method !== 'HEAD' ? { body } : {}),
  });
}

/**
 * Writes a web Response to the Node response, streaming SSE bodies as they come. When the client
 * goes away the body reader is cancelled, which the SDK sees as the stream closing (cancel).
 */
export async function pumpResponse(
  response: Response,
  res: ServerResponse,
  extraHeaders: Record<string, string>,
): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders };
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  if ((headers['content-type'] ?? '').startsWith('text/event-stream')) headers['x-accel-buffering'] = 'no';
  res.writeHead(response.status, headers);
  // Node holds headers back until the first body byte; a standalone event stream (GET) may be
  // silent for a long while, so its headers go out at once. A POST's stream usually carries one
  // event and ends: headers, event and end then leave in one write (see flushSoon).
  if (res.req.method === 'GET' && headers['x-accel-buffering']) res.flushHeaders();
  if (!response.body) {
    res.end();
    return;
  }
  const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
  // Coalesce what is written within one turn of the event loop into one syscall: an event and the
  // end of the response that follows it right away cost one write instead of three.
  let corked = false;
  const flushSoon = () => {
    if (corked) return;
    corked = true;
    res.cork();
    setImmediate(() => {
      corked = false;
      res.uncork();
    });
  };
  const onClose = () => void reader.cancel().catch(() => undefined);
  res.once('close', onClose);
  try {
    for (;;) {
      const chunk: { done: boolean; value?: Uint8Array } = await reader.read();
      if (chunk.done) break;
      if (!chunk.value) continue;
      flushSoon();
      if (!res.write(chunk.value)) await new Promise<void>((r) => res.once('drain', r).once('close', r));
      if (res.destroyed) break;
    }
  } catch {
    // The client disconnected or the stream was cancelled; nothing left to write to.
  } finally {
    res.off('close', onClose);
    if (!res.writableEnded) res.end();
  }
}
