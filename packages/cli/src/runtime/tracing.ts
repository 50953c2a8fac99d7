import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type HrTime,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
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
import { LoggingExporter } from './tracing-export.js';

export interface Tracing {
  readonly tracer: CallTracer;
  /** Exports what is still buffered, then stops. Call after the gateway closed (calls ended). */
  shutdown(): Promise<void>;
}

/**
 * The OpenTelemetry side of core's CallTracer port (docs/decisions/0003-opentelemetry.md). A
 * tracer provider of its own — never registered as the process-wide global, so nothing else in the
 * process starts tracing because the gateway does — with a batch processor and the OTLP/HTTP
 * exporter. Parents are passed explicitly (no context manager, no async hooks).
 *
 * What a span may say is fixed here and nowhere else: method, tool name, upstream, decision, rule
 * id, error code, session and correlation ids. Never an argument, a result, a URI or a credential.
 */
export function createTracing(section: TracingSection, version: string, logger: Logger): Tracing {
  const Exporter = section.protocol === 'http/json' ? JsonExporter : ProtobufExporter;
  const exporter = new Exporter({
    url: section.endpoint,
    headers: { ...section.headers },
    timeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': section.serviceName, 'service.version': version }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(section.sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor(new LoggingExporter(exporter, logger, section.endpoint), BATCHING),
    ],
  });
  const tracer = provider.getTracer('mcpgate', version);
  const clock = hrClock();
  return {
    tracer: { startCall: (ctx) => startCall(tracer, clock, ctx) },
    shutdown: () => boundedShutdown(provider, logger),
  };
}

/**
 * A call makes about 14 spans: at a few thousand calls a second the SDK's defaults (a 2048-span
 * queue, 512-span batches every 5 s) drop spans. A deeper queue and bigger, more frequent batches
 * keep up (bounded memory: a full queue still drops rather than grows).
 */
const BATCHING = { maxQueueSize: 16_384, maxExportBatchSize: 2048, scheduledDelayMillis: 1000 };

/** One export may take this long; a collector that does not answer must not hold spans forever. */
const EXPORT_TIMEOUT_MS = 5000;
/** How long stopping waits for the last spans to go out: a dead collector must not delay exit. */
const SHUTDOWN_WAIT_MS = 3000;

async function boundedShutdown(provider: BasicTracerProvider, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), SHUTDOWN_WAIT_MS);
    timer.unref();
  });
  const done = provider.shutdown().then(
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

/** `process.hrtime.bigint()` readings (what the chain times steps with) → epoch HrTime. */
type Clock = (t: bigint) => HrTime;

function hrClock(): Clock {
  // One offset between the monotonic clock and the wall clock, taken once: spans stay ordered
  // exactly as the chain measured them.
  const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
  return (t) => {
    const ns = t + offset;
    return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
  };
}

/** The client's trace context: `_meta.traceparent` / `tracestate` (the HTTP face maps headers there). */
function parentOf(ctx: CallContext): Context {
  const meta = ctx.params?._meta;
  if (meta === null || typeof meta !== 'object') return ROOT_CONTEXT;
  const carrier = meta as Record<string, unknown>;
  if (typeof carrier.traceparent !== 'string') return ROOT_CONTEXT;
  // The propagator validates the format; a malformed value leaves the root context.
  return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

function startCall(tracer: Tracer, clock: Clock, ctx: CallContext): CallTrace {
  const span = tracer.startSpan(
    ctx.method,
    {
      kind: SpanKind.SERVER,
      startTime: clock(process.hrtime.bigint()),
      attributes: {
        'mcp.method.name': ctx.method,
        'mcp.session.id': ctx.session.id,
        'mcpgate.correlation_id': ctx.correlationId,
      },
    },
    parentOf(ctx),
  );
  const recording = span.isRecording();
  const parent = trace.setSpan(ROOT_CONTEXT, span);
  return {
    step(timing: StepTiming, start: bigint, end: bigint): void {
      if (!recording) return;
      tracer
        .startSpan(
          `${timing.step} ${timing.phase}`,
          {
            startTime: clock(start),
            attributes: {
              'mcpgate.step': timing.step,
              'mcpgate.step.phase': timing.phase,
              'mcpgate.step.verdict': timing.verdict,
            },
          },
          parent,
        )
        .end(clock(end));
    },
    upstream(upstream: string, method: string): UpstreamTrace {
      const child = tracer.startSpan(
        `upstream ${method}`,
        {
          kind: SpanKind.CLIENT,
          startTime: clock(process.hrtime.bigint()),
          attributes: { 'mcp.method.name': method, 'mcpgate.upstream': upstream },
        },
        parent,
      );
      return {
        context: contextOf(child),
        end(error?: unknown): void {
          if (error !== undefined) failed(child, toGatewayError(error).code);
          child.end(clock(process.hrtime.bigint()));
        },
      };
    },
    end(outcome: Outcome): void {
      if (recording) describeCall(span, ctx, outcome);
      span.end(clock(process.hrtime.bigint()));
    },
  };
}

/** The W3C headers of a span, as they go upstream. */
function contextOf(span: Span): TraceContext {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return {
    traceparent: carrier.traceparent ?? '',
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** What the chain made of the call, from names the gateway itself resolved (never client text). */
function describeCall(span: Span, ctx: CallContext, outcome: Outcome): void {
  const { target, notes } = ctx;
  const attrs: Attributes = {};
  if (target.upstream) attrs['mcpgate.upstream'] = target.upstream;
  if (target.kind === 'tool' && target.exposedName) {
    attrs['gen_ai.tool.name'] = target.exposedName;
    span.updateName(`${ctx.method} ${target.exposedName}`);
  }
  if (notes.decision) {
    attrs['mcpgate.decision'] = notes.decision.action;
    if (notes.decision.rule) attrs['mcpgate.rule'] = notes.decision.rule;
  }
  span.setAttributes(attrs);
  if (outcome.kind === 'error') failed(span, outcome.error.code);
  else if (outcome.result.isError === true) failed(span, 'tool_error');
}

function failed(span: Span, code: string): void {
  span.setAttribute('error.type', code);
  // The status message stays empty: an error message may quote what the call carried.
  span.setStatus({ code: SpanStatusCode.ERROR });
}
