import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Logger } from '@mcpgate/core';
import { spanCount, type CallRecord } from './otlp-encode.js';

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
 * Ended calls wait here and go out in batches: one export at a time, off every call's path (a
 * call only appends its record). Traces are best effort: a failed export drops those spans, says
 * so in the gateway's log (at most once a minute) and never affects a call.
 */
export class BatchExporter {
  private queue: CallRecord[] = [];
  private queuedSpans = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private lastWarned = -Infinity;
  private dropped = 0;
  private lastError = '';

  constructor(
    private readonly encode: (records: readonly CallRecord[]) => Uint8Array,
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
    this.queue.push(record);
    this.queuedSpans += n;
    if (this.inFlight) return; // its completion looks at the queue
    if (this.queuedSpans >= this.options.maxBatchSpans) this.exportNext();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        if (!this.inFlight) this.exportNext();
      }, this.options.delayMs);
      this.timer.unref();
    }
  }

  /** Exports everything queued (in batches), then resolves. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.inFlight || this.queue.length > 0) {
      if (!this.inFlight) this.exportNext();
      await this.inFlight;
    }
  }

  private exportNext(): void {
    const batch = this.take();
    if (batch.length === 0) return;
    const spans = batch.reduce((n, r) => n + spanCount(r), 0);
    this.inFlight = (async () => {
      let error: string | undefined;
      try {
        error = await this.send(this.encode(batch));
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      if (error !== undefined) this.lost(spans, error);
    })().finally(() => {
      this.inFlight = undefined;
      if (this.queuedSpans >= this.options.maxBatchSpans) this.exportNext();
      else if (this.queue.length > 0 && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (!this.inFlight) this.exportNext();
        }, this.options.delayMs);
        this.timer.unref();
      }
    });
  }

  /** The oldest calls, up to a batch's worth of spans (at least one call). */
  private take(): CallRecord[] {
    let spans = 0;
    let i = 0;
    while (i < this.queue.length) {
      const n = spanCount(this.queue[i]!);
      if (i > 0 && spans + n > this.options.maxBatchSpans) break;
      spans += n;
      i++;
    }
    const batch = this.queue.slice(0, i);
    this.queue = this.queue.slice(i);
    this.queuedSpans -= spans;
    return batch;
  }

  private lost(spans: number, error: string): void {
    this.dropped += spans;
    this.lastError = error;
    const now = Date.now();
    if (now - this.lastWarned < QUIET_MS) return;
    this.lastWarned = now;
    // The endpoint may carry no secret (headers hold those); the error names the cause.
    this.logger.warn(
      { endpoint: this.endpoint, droppedSpans: this.dropped, err: this.lastError },
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
