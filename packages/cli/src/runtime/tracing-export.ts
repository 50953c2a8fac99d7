import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '@mcpgate/core';
import { spanCount, type CallRecord, type SpanEncoder } from './otlp-encode.js';

/** At most one "export failed" line per this many ms: a collector that is down must not flood the log. */
const QUIET_MS = 60_000;

export interface BatchOptions {
  /** Spans held at most; a full queue drops the newest call's spans rather than growing. */
  readonly maxQueueSpans: number;
  /** A batch goes out as soon as this many spans wait… */
  readonly maxBatchSpans: number;
  /** …and otherwise this long after its first call ended. */
  readonly delayMs: number;
}

export interface PostOptions {
  readonly url: string;
  readonly contentType: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly userAgent: string;
  /** One attempt may take this long. */
  readonly timeoutMs: number;
}

/** Sends one encoded ExportTraceServiceRequest; resolves with an error text, or undefined when accepted. */
export type Send = (body: Uint8Array) => Promise<string | undefined>;

/**
 * Ended calls are encoded a moment later (one macrotask, so a call's record dies young) and go out
 * in batches: one export at a time, off every call's path (a call only appends its record).
 * Traces are best effort: a failed export drops those spans, says so in the gateway's log (at
 * most once a minute) and never affects a call.
 */
export class BatchExporter {
  /** Ended, not yet encoded. */
  private pending: CallRecord[] = [];
  private encodeScheduled = false;
  /** Encoded requests waiting for their turn. */
  private ready: Array<{ body: Uint8Array; spans: number }> = [];
  /** Spans pending, in the encoder and ready: what the queue bound counts. */
  private queuedSpans = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastWarned = -Infinity;
  private dropped = 0;

  constructor(
    private readonly encoder: SpanEncoder,
    private readonly send: Send,
    private readonly options: BatchOptions,
    private readonly logger: Logger,
    private readonly endpoint: string,
  ) {}

  add(record: CallRecord): void {
    const n = spanCount(record);
    if (this.queuedSpans + n > this.options.maxQueueSpans) {
      this.lost(n, 'the export queue is full');
      return;
    }
    this.pending.push(record);
    this.queuedSpans += n;
    if (!this.encodeScheduled) {
      this.encodeScheduled = true;
      setImmediate(() => this.encodePending());
    }
  }

  /** Exports everything queued, then resolves. */
  async flush(): Promise<void> {
    this.encodePending();
    this.seal();
    while (this.inFlight || this.ready.length > 0) {
      this.pump();
      await this.inFlight;
    }
  }

  private encodePending(): void {
    this.encodeScheduled = false;
    const pending = this.pending;
    this.pending = [];
    for (const r of pending) {
      this.encoder.add(r);
      if (this.encoder.spans >= this.options.maxBatchSpans) this.seal();
    }
    this.pump();
  }

  /** What the encoder holds becomes a request of its own. */
  private seal(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const spans = this.encoder.spans;
    if (spans > 0) this.ready.push({ spans, body: this.encoder.take() });
  }

  /** Sends the next ready request, or makes sure the encoder's content goes out within the delay. */
  private pump(): void {
    if (this.inFlight) return; // its completion pumps again
    const next = this.ready.shift();
    if (next === undefined) {
      if (this.encoder.spans > 0 && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.seal();
          this.pump();
        }, this.options.delayMs);
        this.timer.unref();
      }
      return;
    }
    this.inFlight = (async () => {
      let error: string | undefined;
      try {
        error = await this.send(next.body);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      this.queuedSpans -= next.spans;
      if (error !== undefined) this.lost(next.spans, error);
    })().finally(() => {
      this.inFlight = undefined;
      this.pump();
    });
  }

  private lost(spans: number, error: string): void {
    this.dropped += spans;
    const now = Date.now();
    if (now - this.lastWarned < QUIET_MS) return;
    this.lastWarned = now;
    // The endpoint may carry no secret (headers hold those); the error names the cause.
    this.logger.warn(
      { endpoint: this.endpoint, droppedSpans: this.dropped, err: error },
      'trace export failed; spans dropped',
    );
    this.dropped = 0;
  }
}

/** Answers worth another try (OTLP/HTTP: the collector is busy or a proxy in front of it is). */
const RETRYABLE = new Set([429, 502, 503, 504]);
const ATTEMPTS = 3;
const BACKOFF_MS = 1000;

/** OTLP/HTTP: one POST per batch on a kept-alive connection, retried a few times when the collector says so. */
export function otlpHttpSender(o: PostOptions): Send {
  const url = new URL(o.url);
  const https = url.protocol === 'https:';
  const agent = https ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const post = (body: Uint8Array): Promise<{ status?: number; retryAfter?: string; error?: string }> =>
    new Promise((resolve) => {
      const req = (https ? httpsRequest : httpRequest)(url, {
        method: 'POST',
        agent,
        headers: {
          ...o.headers,
          'content-type': o.contentType,
          'content-length': body.length,
          'user-agent': o.userAgent,
        },
        timeout: o.timeoutMs,
      });
      req.on('response', (res: IncomingMessage) => {
        res.resume(); // the body (an ExportTraceServiceResponse) is not needed
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'] }));
        res.on('error', (err) => resolve({ error: err.message }));
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
      req.on('error', (err) => resolve({ error: err.message }));
      req.end(body);
    });
  return async (body) => {
    for (let attempt = 1; ; attempt++) {
      const res = await post(body);
      if (res.status !== undefined && res.status >= 200 && res.status < 300) return undefined;
      const again = res.error !== undefined || RETRYABLE.has(res.status!);
      if (!again || attempt >= ATTEMPTS) return res.error ?? `HTTP ${res.status}`;
      const hinted = Number(res.retryAfter) * 1000;
      const wait = Number.isFinite(hinted) && hinted > 0 ? Math.min(hinted, 10_000) : BACKOFF_MS * attempt;
      await new Promise((r) => setTimeout(r, wait).unref());
    }
  };
}
