import { randomFillSync } from 'node:crypto';
import { defaultTextMapGetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  toGatewayError,
  type CallContext,
  type CallTrace,
  type CallTracer,
  type Logger,
  type Outcome,
  type StepTiming,
  type TraceContext,
  type UpstreamTrace,
} from '@mcpgate/core';
import type { TracingSection } from '@mcpgate/config';
import { jsonEncoder, protobufEncoder, type CallRecord, type Resource } from './otlp-encode.js';
import { BatchExporter, otlpHttpSender } from './tracing-export.js';

export interface Tracing {
  readonly tracer: CallTracer;
  /** Exports what is still buffered, then stops. Call after the gateway closed (calls ended). */
  shutdown(): Promise<void>;
}

/**
 * Core's CallTracer port, exporting OTLP/HTTP (decisions 0003 and 0005). A call is recorded as
 * the chain measured it — the clock readings of its steps and of the upstream round trip — and
 * its spans are encoded only when its batch is exported: no span object lives during the call.
 * The W3C `traceparent` parsing is OpenTelemetry's; parents are passed explicitly (no context
 * manager, no async hooks, nothing registered process-wide).
 *
 * What a span may say is fixed here and in otlp-encode.ts: method, tool name, upstream, decision,
 * rule id, error code, session and correlation ids. Never an argument, a result, a URI or a
 * credential.
 */
export function createTracing(section: TracingSection, version: string, logger: Logger): Tracing {
  const resource: Resource = {
    serviceName: section.serviceName,
    serviceVersion: version,
    scopeName: 'mcpgate',
    // One offset between the monotonic clock and the wall clock, taken once: spans stay ordered
    // exactly as the chain measured them.
    clockOffset: BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint(),
  };
  const json = section.protocol === 'http/json';
  const exporter = new BatchExporter(
    json ? jsonEncoder(resource) : protobufEncoder(resource),
    otlpHttpSender({
      url: section.endpoint,
      contentType: json ? 'application/json' : 'application/x-protobuf',
      headers: { ...section.headers },
      userAgent: `mcpgate/${version}`,
      timeoutMs: EXPORT_TIMEOUT_MS,
    }),
    BATCHING,
    logger,
    section.endpoint,
  );
  const sampler = ratioSampler(section.sampleRatio);
  return {
    tracer: { startCall: (ctx) => startCall(ctx, sampler, exporter) },
    shutdown: () => boundedShutdown(exporter, logger),
  };
}

/**
 * A call makes about 14 spans: at a few thousand calls a second a 2048-span queue would drop
 * spans. A deeper queue and batches of up to 2048 spans at least every second keep up (bounded
 * memory: a full queue still drops rather than grows).
 */
const BATCHING = { maxQueueSpans: 16_384, maxBatchSpans: 2048, delayMs: 1000 };

/** One export attempt may take this long; a collector that does not answer must not hold spans forever. */
const EXPORT_TIMEOUT_MS = 5000;
/** How long stopping waits for the last spans to go out: a dead collector must not delay exit. */
const SHUTDOWN_WAIT_MS = 3000;

async function boundedShutdown(exporter: BatchExporter, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), SHUTDOWN_WAIT_MS);
    timer.unref();
  });
  const done = exporter.flush().then(
    () => 'done' as const,
    (err: unknown) => {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'tracing shutdown failed');
      return 'done' as const;
    },
  );
  if ((await Promise.race([done, late])) === 'late') {
    logger.warn({ waitedMs: SHUTDOWN_WAIT_MS }, 'the last spans were not exported before exit');
  }
  clearTimeout(timer);
}

const propagator = new W3CTraceContextPropagator();

/**
 * Trace-id ratio sampling of new traces: decided by the trace id's own random bits (bytes 8–11),
 * once per trace; what the upstream receives then carries the decision in its sampled flag.
 */
function ratioSampler(ratio: number): (ids: Buffer) => boolean {
  if (ratio >= 1) return () => true;
  if (ratio <= 0) return () => false;
  const bound = Math.floor(ratio * 0x1_0000_0000);
  return (ids) => ids.readUInt32BE(8) < bound;
}

/**
 * Ids come from the CSPRNG 32 bytes a call (trace id, call span id, upstream span id), drawn
 * 4 KiB at a time. A call keeps a view of its bytes: a chunk is never refilled, a new one is drawn.
 */
const ID_BYTES = 32;
const CHUNK = 4096;
let chunk = Buffer.alloc(0);
let chunkAt = CHUNK;

function newIds(): Buffer {
  if (chunkAt + ID_BYTES > chunk.length) {
    chunk = Buffer.allocUnsafeSlow(CHUNK);
    randomFillSync(chunk);
    chunkAt = 0;
  }
  const ids = chunk.subarray(chunkAt, chunkAt + ID_BYTES);
  chunkAt += ID_BYTES;
  return ids;
}

interface Parent {
  readonly spanId: Buffer;
  readonly sampled: boolean;
  readonly traceState: string | undefined;
}

/**
 * The client's trace context: `_meta.traceparent` / `tracestate` (the HTTP face maps headers
 * there). Writes its trace id over the call's. The propagator validates the format; a malformed
 * value leaves a new trace.
 */
function parentOf(ctx: CallContext, ids: Buffer): Parent | undefined {
  const meta = ctx.params?._meta;
  if (meta === null || typeof meta !== 'object') return undefined;
  const carrier = meta as Record<string, unknown>;
  if (typeof carrier.traceparent !== 'string') return undefined;
  const sc = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  if (sc === undefined) return undefined;
  ids.write(sc.traceId, 0, 16, 'hex');
  return {
    spanId: Buffer.from(sc.spanId, 'hex'),
    sampled: (sc.traceFlags & 1) === 1,
    traceState: sc.traceState?.serialize() || undefined,
  };
}

function startCall(ctx: CallContext, sampler: (ids: Buffer) => boolean, exporter: BatchExporter): CallTrace {
  const ids = newIds();
  const parent = parentOf(ctx, ids);
  // Parent-based: a client's sampled flag decides; the ratio applies to traces that start here.
  const sampled = parent ? parent.sampled : sampler(ids);
  if (!sampled) return unrecorded(ids, parent);
  const record: CallRecord = {
    ids,
    parentSpanId: parent?.spanId,
    traceState: parent?.traceState,
    name: ctx.method,
    start: process.hrtime.bigint(),
    end: 0n,
    attrs: [
      'mcp.method.name',
      ctx.method,
      'mcp.session.id',
      ctx.session.id,
      'mcpgate.correlation_id',
      ctx.correlationId,
    ],
    error: undefined,
    steps: [],
    stepTimes: [],
    upstream: undefined,
  };
  return {
    step(timing: StepTiming, start: bigint, end: bigint): void {
      record.steps.push(timing);
      record.stepTimes.push(start, end);
    },
    upstream(upstream: string, method: string): UpstreamTrace {
      const up = {
        upstream,
        method,
        start: process.hrtime.bigint(),
        end: 0n,
        error: undefined as string | undefined,
      };
      record.upstream = up;
      return {
        context: contextOf(ids, true, record.traceState),
        end(error?: unknown): void {
          up.end = process.hrtime.bigint();
          if (error !== undefined) up.error = toGatewayError(error).code;
        },
      };
    },
    end(outcome: Outcome): void {
      record.end = process.hrtime.bigint();
      // A round trip still open (the call gave up waiting) has no end to show: it is left out.
      if (record.upstream?.end === 0n) record.upstream = undefined;
      describeCall(record, ctx, outcome);
      exporter.add(record);
    },
  };
}

/**
 * A call not sampled records nothing, but still passes trace context on: the upstream continues
 * the same trace, told not to record it either.
 */
function unrecorded(ids: Buffer, parent: Parent | undefined): CallTrace {
  return {
    step(): void {},
    upstream(): UpstreamTrace {
      return { context: contextOf(ids, false, parent?.traceState), end(): void {} };
    },
    end(): void {},
  };
}

/** The W3C headers of the upstream round trip's span, as they go upstream. */
function contextOf(ids: Buffer, sampled: boolean, traceState: string | undefined): TraceContext {
  const traceparent = `00-${ids.toString('hex', 0, 16)}-${ids.toString('hex', 24, 32)}-${sampled ? '01' : '00'}`;
  return traceState ? { traceparent, tracestate: traceState } : { traceparent };
}

/** What the chain made of the call, from names the gateway itself resolved (never client text). */
function describeCall(record: CallRecord, ctx: CallContext, outcome: Outcome): void {
  const { target, notes } = ctx;
  const attrs = record.attrs;
  if (target.upstream) attrs.push('mcpgate.upstream', target.upstream);
  if (target.kind === 'tool' && target.exposedName) {
    attrs.push('gen_ai.tool.name', target.exposedName);
    record.name = `${ctx.method} ${target.exposedName}`;
  }
  if (notes.decision) {
    attrs.push('mcpgate.decision', notes.decision.action);
    if (notes.decision.rule) attrs.push('mcpgate.rule', notes.decision.rule);
  }
  if (outcome.kind === 'error') record.error = outcome.error.code;
  else if (outcome.result.isError === true) record.error = 'tool_error';
}
