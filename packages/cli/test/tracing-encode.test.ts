import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallContext, Logger, Outcome } from '@mcpgate/core';
import type { TracingSection } from '@mcpgate/config';
import { createTracing } from '../src/runtime/tracing.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-support.js';

/**
 * The gateway's own OTLP encoder and sender, driven in-process (the end-to-end test is
 * tracing.test.ts): both encodings read back by a receiver, across batch and length boundaries
 * (messages over 127 bytes and 16 KiB, more spans than one batch), sampling, and errors.
 */

const warnings: unknown[] = [];
const logger = {
  warn: (obj: unknown) => warnings.push(obj),
  child: () => logger,
} as unknown as Logger;

const PARENT_TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT_SPAN = 'b7ad6b7169203331';

function section(receiver: OtlpReceiver, over: Partial<TracingSection> = {}): TracingSection {
  return {
    enabled: true,
    endpoint: receiver.url,
    protocol: 'http/protobuf',
    headers: { authorization: 'Bearer collector-key' },
    sampleRatio: 1,
    serviceName: 'gw-encode',
    ...over,
  };
}

function ctxOf(i: number, meta?: Record<string, unknown>, session = 'sess-1'): CallContext {
  return {
    method: 'tools/call',
    session: { id: session },
    correlationId: `c_${i}`,
    params: { name: 'ev__echo', arguments: { message: 'secret-arg' }, ...(meta ? { _meta: meta } : {}) },
    target: { kind: 'tool', upstream: 'ev', exposedName: 'ev__echo' },
    notes: { steps: [], masking: [], extra: {}, decision: { action: 'allow', rule: 'r1' } },
  } as unknown as CallContext;
}

const ok: Outcome = { kind: 'result', result: { content: [] } };

/** One call through the tracer: two steps, an upstream round trip, the end. Returns the traceparent sent upstream. */
let lastTracestate: string | undefined;
function call(
  tracer: ReturnType<typeof createTracing>['tracer'],
  ctx: CallContext,
  outcome: Outcome = ok,
  upstreamError?: unknown,
): string {
  const t = tracer.startCall(ctx);
  const t0 = process.hrtime.bigint();
  t.step({ step: 'policy', phase: 'request', verdict: 'continue', micros: 1 }, t0, t0 + 1000n);
  const up = t.upstream('ev', 'tools/call');
  up.end(upstreamError);
  const t1 = process.hrtime.bigint();
  t.step({ step: 'mask', phase: 'response', verdict: 'mutate', micros: 2 }, t1, t1 + 2000n);
  t.end(outcome);
  lastTracestate = up.context.tracestate;
  return up.context.traceparent;
}

describe('tracing export (own OTLP encoder)', () => {
  let receiver: OtlpReceiver;
  beforeEach(async () => {
    receiver = await startOtlpReceiver();
    warnings.length = 0;
  });
  afterEach(async () => {
    await receiver.close();
  });

  for (const protocol of ['http/protobuf', 'http/json'] as const) {
    it(`exports every span of every call, ${protocol}`, async () => {
      const tracing = createTracing(section(receiver, { protocol }), '9.9.9', logger);
      // A session id over 127 bytes (two-byte lengths) and 700 calls: 2,800 spans, more than one
      // 2,048-span batch, each request over 16 KiB (three-byte lengths).
      const long = 's'.repeat(300);
      const sent = Array.from({ length: 700 }, (_, i) => call(tracing.tracer, ctxOf(i, undefined, long)));
      await tracing.shutdown();
      expect(warnings).toEqual([]);
      expect(receiver.spans).toHaveLength(700 * 4);
      expect(receiver.raw.length).toBeGreaterThan(1);
      expect(receiver.contentTypes[0]).toBe(
        protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      );
      expect(receiver.headers[0]!.authorization).toBe('Bearer collector-key');

      const tp = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/.exec(sent[0]!)!;
      const spans = receiver.spans.filter((s) => s.traceId === tp[1]);
      expect(spans).toHaveLength(4);
      const root = spans.find((s) => s.kind === 2)!;
      expect(root).toMatchObject({
        name: 'tools/call ev__echo',
        service: 'gw-encode',
        attributes: {
          'mcp.method.name': 'tools/call',
          'mcp.session.id': long,
          'mcpgate.correlation_id': 'c_0',
          'mcpgate.upstream': 'ev',
          'gen_ai.tool.name': 'ev__echo',
          'mcpgate.decision': 'allow',
          'mcpgate.rule': 'r1',
        },
      });
      expect(root.parentSpanId).toBeUndefined();
      const children = spans.filter((s) => s.parentSpanId === root.spanId);
      expect(children.map((s) => s.name).sort()).toEqual([
        'mask response',
        'policy request',
        'upstream tools/call',
      ]);
      // The upstream was told the round trip's span: the CLIENT span.
      expect(children.find((s) => s.kind === 3)!.spanId).toBe(tp[2]);
      expect(children.find((s) => s.name === 'mask response')!.attributes).toEqual({
        'mcpgate.step': 'mask',
        'mcpgate.step.phase': 'response',
        'mcpgate.step.verdict': 'mutate',
      });
      // Every span its own id; every call its own trace.
      expect(new Set(receiver.spans.map((s) => s.spanId)).size).toBe(700 * 4);
      expect(new Set(receiver.spans.map((s) => s.traceId)).size).toBe(700);
      expect(receiver.raw.join('\n')).not.toContain('secret-arg');
    });
  }

  it("continues a client's sampled trace, with its tracestate, and records errors", async () => {
    const tracing = createTracing(section(receiver), '9.9.9', logger);
    const meta = { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01`, tracestate: 'vendor=abc' };
    const err = { kind: 'error', error: { code: 'upstream_timeout' } } as unknown as Outcome;
    // A non-ASCII value takes the encoder's UTF-8 path.
    const tp = call(tracing.tracer, ctxOf(1, meta, 'sess-é'), err, new Error('the upstream timed out'));
    await tracing.shutdown();
    expect(tp).toMatch(new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-01$`));
    expect(lastTracestate).toBe('vendor=abc');
    const root = receiver.spans.find((s) => s.kind === 2)!;
    expect(root.traceId).toBe(PARENT_TRACE);
    expect(root.parentSpanId).toBe(PARENT_SPAN);
    expect(root.attributes['mcp.session.id']).toBe('sess-é');
    expect(root.attributes['error.type']).toBe('upstream_timeout');
    expect(root.status?.code).toBe(2);
    const up = receiver.spans.find((s) => s.kind === 3)!;
    expect(up.status?.code).toBe(2);
    expect(up.attributes['error.type']).toBe('internal');
    expect(receiver.raw.join('\n')).not.toContain('timed out');
  });

  it('records nothing for an unsampled call but still passes the trace context on', async () => {
    const tracing = createTracing(section(receiver, { sampleRatio: 0 }), '9.9.9', logger);
    const fresh = call(tracing.tracer, ctxOf(1));
    const meta = { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-00` };
    const continued = call(tracing.tracer, ctxOf(2, meta));
    // A client's sampled flag wins over the ratio.
    const sampled = call(tracing.tracer, ctxOf(3, { traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` }));
    await tracing.shutdown();
    expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
    expect(continued).toMatch(new RegExp(`^00-${PARENT_TRACE}-[0-9a-f]{16}-00$`));
    expect(sampled).toMatch(/-01$/);
    expect(receiver.spans).toHaveLength(4);
    expect(new Set(receiver.spans.map((s) => s.traceId))).toEqual(new Set([PARENT_TRACE]));
  });

  it('ignores a malformed traceparent: the call starts a trace of its own', async () => {
    const tracing = createTracing(section(receiver), '9.9.9', logger);
    const tp = call(tracing.tracer, ctxOf(1, { traceparent: `00-${PARENT_TRACE}-zz-01` }));
    await tracing.shutdown();
    expect(tp).not.toContain(PARENT_TRACE);
    expect(receiver.spans.find((s) => s.kind === 2)!.parentSpanId).toBeUndefined();
  });

  it('says in the log, once, when the collector refuses, and drops those spans', async () => {
    const tracing = createTracing(
      section(receiver, { endpoint: receiver.url.replace('/v1/traces', '/nope') }),
      '9.9.9',
      logger,
    );
    for (let i = 0; i < 3; i++) call(tracing.tracer, ctxOf(i));
    await tracing.shutdown();
    expect(warnings).toEqual([
      { endpoint: expect.stringContaining('/nope'), droppedSpans: 12, err: 'HTTP 404' },
    ]);
  });

  it('tries again when the collector is busy (503), and the spans arrive', async () => {
    const answers = [503, 200];
    const seen: number[] = [];
    const busy = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const status = answers.shift() ?? 200;
        seen.push(status);
        res.writeHead(status, { 'retry-after': '0' }).end();
      });
    });
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}/v1/traces`;
      const tracing = createTracing(section(receiver, { endpoint: url }), '9.9.9', logger);
      call(tracing.tracer, ctxOf(1));
      await tracing.shutdown();
      expect(seen).toEqual([503, 200]);
      expect(warnings).toEqual([]);
    } finally {
      await new Promise((r) => busy.close(r));
    }
  });
});
