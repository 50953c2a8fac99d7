import type { ServerResponse } from 'node:http';

/** How long a POST stream may hold its first bytes back hoping the response completes it. */
export const COALESCE_MS = 20;

/**
 * One `text/event-stream` response written straight to Node's ServerResponse. Events written
 * while the stream is held are buffered; the common POST (one request, one response event)
 * then leaves as headers + event + end in a single write, instead of three. A held stream is
 * released by a timer (COALESCE_MS) so progress and server→client requests of a long call still
 * reach the client promptly; `immediate` streams (GET) send their headers at once. Keep-alive
 * comments start with the stream's first bytes.
 */
export class SseWriter {
  private pending = '';
  private started = false;
  /** When this stream began to be held (performance.now()), while it is. */
  heldSince: number | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly keepAliveMs: number,
    immediate: boolean,
  ) {
    if (immediate) this.begin();
    res.once('close', () => this.stopTimers());
  }

  /** True once the client went away or the stream was ended. */
  get closed(): boolean {
    return this.ended || this.res.destroyed;
  }

  event(data: string, id?: string): void {
    this.write(`event: message\n${id !== undefined ? `id: ${id}\n` : ''}data: ${data}\n\n`);
  }

  /** An event id with no data: lets the client resume this stream if it is cut (2025-11-25+). */
  prime(id: string): void {
    this.write(`id: ${id}\ndata: \n\n`);
  }

  write(text: string): void {
    if (this.closed) return;
    if (this.started) {
      this.res.write(text);
      return;
    }
    this.pending += text;
    if (this.heldSince === undefined) hold(this);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.stopTimers();
    if (this.res.writableEnded || this.res.destroyed) return;
    // Never started: the whole body is known, so it goes with a length instead of chunked framing.
    if (!this.started)
      this.res.writeHead(200, { ...this.headers, 'content-length': String(Buffer.byteLength(this.pending)) });
    this.res.end(this.pending);
    this.pending = '';
  }

  /** Sends the headers and what is held, and writes through from now on. */
  begin(): void {
    if (this.started || this.closed) return;
    this.started = true;
    unhold(this);
    this.res.writeHead(200, this.headers);
    if (this.pending) this.res.write(this.pending);
    else this.res.flushHeaders();
    this.pending = '';
    // Keep-alive comments matter only on a stream that has started: a held one begins within
    // COALESCE_MS anyway. Most POST streams end held, so they never pay for an interval timer.
    if (this.keepAliveMs > 0 && !this.ended) {
      this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), this.keepAliveMs);
      this.keepAlive.unref();
    }
  }

  private stopTimers(): void {
    unhold(this);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}

/**
 * Held streams share one timer, armed for the oldest one's deadline: a timer per POST (created,
 * then cleared when the response completed the stream, as nearly every one does) was a visible
 * share of the gateway's CPU per call under load.
 */
const held = new Set<SseWriter>();
let wheel: NodeJS.Timeout | undefined;

function hold(w: SseWriter): void {
  w.heldSince = performance.now();
  held.add(w);
  wheel ??= setTimeout(releaseDue, COALESCE_MS);
}

function unhold(w: SseWriter): void {
  if (w.heldSince === undefined) return;
  w.heldSince = undefined;
  held.delete(w);
}

/** Starts every stream held for COALESCE_MS; re-arms for the next deadline if any remain. */
function releaseDue(): void {
  wheel = undefined;
  const now = performance.now();
  let next = Infinity;
  for (const w of held) {
    const due = (w.heldSince ?? now) + COALESCE_MS;
    if (due <= now + 1) {
      unhold(w);
      w.begin();
    } else next = Math.min(next, due);
  }
  if (next !== Infinity) wheel = setTimeout(releaseDue, Math.max(1, next - now));
}
