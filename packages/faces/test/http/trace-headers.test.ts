import { describe, expect, it } from 'vitest';
import { bridgeTraceHeaders } from '../../src/http/trace-headers.js';

const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const call = (params?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  ...(params && { params }),
});

describe('bridgeTraceHeaders (HTTP trace headers → params._meta)', () => {
  it("puts the headers' context in each request's _meta, keeping what else is there", () => {
    const a = call({ name: 'x', _meta: { progressToken: 7 } });
    const b = { jsonrpc: '2.0', id: 2, method: 'ping' };
    bridgeTraceHeaders({ traceparent: TP, tracestate: 'vendor=1' }, [a, b]);
    expect(a.params).toEqual({
      name: 'x',
      _meta: { progressToken: 7, traceparent: TP, tracestate: 'vendor=1' },
    });
    expect((b as { params?: unknown }).params).toEqual({
      _meta: { traceparent: TP, tracestate: 'vendor=1' },
    });
  });

  it("leaves a message's own trace context alone (it is the more specific)", () => {
    const own = '00-11111111111111111111111111111111-2222222222222222-01';
    const m = call({ name: 'x', _meta: { traceparent: own } });
    bridgeTraceHeaders({ traceparent: TP, tracestate: 'vendor=1' }, [m]);
    expect(m.params?._meta).toEqual({ traceparent: own });
  });

  it('joins repeated tracestate headers into one list', () => {
    const m = call({ name: 'x' });
    bridgeTraceHeaders({ traceparent: TP, tracestate: ['a=1', 'b=2'] }, [m]);
    expect(m.params?._meta).toEqual({ traceparent: TP, tracestate: 'a=1,b=2' });
  });

  it('drops a malformed or oversized traceparent and an oversized tracestate', () => {
    for (const bad of ['00-xyz-b7ad6b7169203331-01', 'garbage', `${TP}-${'a'.repeat(200)}`]) {
      const m = call({ name: 'x' });
      bridgeTraceHeaders({ traceparent: bad }, [m]);
      expect(m.params).toEqual({ name: 'x' });
    }
    const m = call({ name: 'x' });
    bridgeTraceHeaders({ traceparent: TP, tracestate: `k=${'v'.repeat(600)}` }, [m]);
    expect(m.params?._meta).toEqual({ traceparent: TP });
  });

  it('touches no notification, response, or message whose params or _meta are not objects', () => {
    const note = { jsonrpc: '2.0', method: 'notifications/initialized' };
    const response = { jsonrpc: '2.0', id: 1, result: {} };
    const oddParams = { jsonrpc: '2.0', id: 3, method: 'x', params: [1] };
    const oddMeta = call({ _meta: 'text' });
    const before = JSON.stringify([note, response, oddParams, oddMeta]);
    bridgeTraceHeaders({ traceparent: TP }, [note, response, oddParams, oddMeta, null, 5]);
    expect(JSON.stringify([note, response, oddParams, oddMeta])).toBe(before);
  });

  it('does nothing without a traceparent header', () => {
    const m = call({ name: 'x' });
    bridgeTraceHeaders({ tracestate: 'a=1' }, [m]);
    expect(m.params).toEqual({ name: 'x' });
  });
});
