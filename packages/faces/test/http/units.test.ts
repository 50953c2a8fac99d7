import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { newCorrelationId, newNotes, type CallContext, type Outcome } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import { BoundedEventStore } from '../../src/http/event-store.js';
import { allowedHostSet, hostName, originAllowed, sourceIp } from '../../src/http/guards.js';
import { GatewayMetrics } from '../../src/http/metrics.js';
import { createMetricsStep } from '../../src/http/metrics-step.js';
import { LegacySessions, type LegacySession } from '../../src/http/sessions.js';

const msg = (n: number) => ({ jsonrpc: '2.0' as const, method: 'notifications/message', params: { n } });

describe('BoundedEventStore', () => {
  it('replays the events after Last-Event-ID on the same stream only', async () => {
    const store = new BoundedEventStore(10);
    const a1 = await store.storeEvent('a', msg(1));
    await store.storeEvent('b', msg(2));
    await store.storeEvent('a', msg(3));
    await store.storeEvent('a', msg(4));
    const sent: unknown[] = [];
    const stream = await store.replayEventsAfter(a1, {
      send: (_id, m) => Promise.resolve(void sent.push(m)),
    });
    expect(stream).toBe('a');
    expect(sent).toEqual([msg(3), msg(4)]);
  });

  it('drops the oldest events past its capacity, and refuses an id it no longer holds', async () => {
    const store = new BoundedEventStore(3);
    const first = await store.storeEvent('a', msg(1));
    for (let i = 2; i <= 10; i++) await store.storeEvent('a', msg(i));
    expect(store.size).toBe(3);
    await expect(store.replayEventsAfter(first, { send: () => Promise.resolve() })).rejects.toThrow(
      /no longer/,
    );
  });

  it('keeps nothing with capacity 0', async () => {
    const store = new BoundedEventStore(0);
    await store.storeEvent('a', msg(1));
    expect(store.size).toBe(0);
  });
});

function fakeReq(peer: string, xff?: string): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: xff ? { 'x-forwarded-for': xff } : {},
  } as unknown as IncomingMessage;
}

describe('sourceIp', () => {
  it('ignores X-Forwarded-For unless the peer is a trusted proxy', () => {
    expect(sourceIp(fakeReq('::ffff:10.0.0.5', '203.0.113.7'), false)).toBe('10.0.0.5');
    expect(sourceIp(fakeReq('10.0.0.5', '203.0.113.7'), ['10.0.0.9'])).toBe('10.0.0.5');
  });
  it('walks hops from the right past trusted proxies, so a client cannot pick its address', () => {
    // The client forged "1.2.3.4"; our proxy 10.0.0.9 appended the real peer 203.0.113.7.
    expect(sourceIp(fakeReq('10.0.0.9', '1.2.3.4, 203.0.113.7'), ['10.0.0.9'])).toBe('203.0.113.7');
    expect(sourceIp(fakeReq('10.0.0.9', '203.0.113.7, 10.0.0.8'), ['10.0.0.9', '10.0.0.8'])).toBe(
      '203.0.113.7',
    );
    expect(sourceIp(fakeReq('10.0.0.9', '198.51.100.1, 203.0.113.7'), true)).toBe('198.51.100.1');
    expect(sourceIp(fakeReq('10.0.0.9', 'garbage'), true)).toBe('10.0.0.9');
  });
});

describe('origin and host checks', () => {
  it('allows listed origins, loopback origins on loopback binds, and requests without Origin', () => {
    const policy = { origins: ['https://app.example.com'], allowLoopbackOrigins: false };
    expect(originAllowed(undefined, policy)).toBeUndefined();
    expect(originAllowed('https://app.example.com', policy)).toBe(true);
    expect(originAllowed('https://evil.example', policy)).toBe(false);
    expect(originAllowed('http://localhost:3000', policy)).toBe(false);
    expect(originAllowed('http://localhost:3000', { ...policy, allowLoopbackOrigins: true })).toBe(true);
    expect(originAllowed('not a url', policy)).toBe(false);
  });
  it('derives the Host allow-list from the bind address or the resource URL', () => {
    expect(allowedHostSet([], '127.0.0.1', undefined)).toEqual(new Set(['localhost', '127.0.0.1', '[::1]']));
    expect(allowedHostSet([], '0.0.0.0', 'https://mcp.example.com/mcp')).toEqual(
      new Set(['mcp.example.com']),
    );
    expect(allowedHostSet([], '0.0.0.0', undefined)).toBeUndefined();
    expect(allowedHostSet(['GW.example.com'], '0.0.0.0', undefined)).toEqual(new Set(['gw.example.com']));
    expect(hostName('[::1]:8080')).toBe('[::1]');
    expect(hostName('Example.com:443')).toBe('example.com');
  });
});

describe('metrics step and Prometheus rendering', () => {
  function ctx(method: string): CallContext {
    return {
      correlationId: newCorrelationId(),
      session: {
        id: 's',
        face: 'http',
        era: 'legacy',
        identity: { subject: 'x', groups: [], authMethod: 'none' },
        startedAt: new Date(),
      },
      method,
      params: undefined,
      target: { kind: 'gateway' },
      receivedAt: new Date(),
      signal: new AbortController().signal,
      io: {
        progress: () => Promise.resolve(),
        request: () => Promise.resolve({}),
        clientCapabilities: undefined,
      },
      notes: newNotes(),
    };
  }

  it('counts calls by method and outcome, decisions by action, and observes latency', async () => {
    const metrics = new GatewayMetrics();
    const step = createMetricsStep(metrics);
    const ok = ctx('tools/call');
    await step.onRequest!(ok);
    ok.notes.decision = { action: 'allow' };
    await step.onResponse!(ok, { kind: 'result', result: {} });
    const bad = ctx('tools/call');
    await step.onRequest!(bad);
    const refused: Outcome = { kind: 'error', error: new GatewayError('forbidden', 'no') };
    await step.onResponse!(bad, refused);
    metrics.addGauge({
      name: 'mcpgate_sessions',
      help: 'h',
      collect: () => [{ labels: { transport: 'sse' }, value: 2 }],
    });
    const text = metrics.render();
    expect(text).toContain('mcpgate_calls_total{method="tools/call",outcome="ok"} 1');
    expect(text).toContain('mcpgate_calls_total{method="tools/call",outcome="forbidden"} 1');
    expect(text).toContain('mcpgate_decisions_total{action="allow"} 1');
    expect(text).toContain('mcpgate_call_duration_seconds_count{method="tools/call"} 2');
    expect(text).toMatch(/mcpgate_call_duration_seconds_bucket\{method="tools\/call",le="\+Inf"\} 2/);
    expect(text).toContain('mcpgate_sessions{transport="sse"} 2');
  });

  it('sorts label names and escapes backslash, newline and quote in values', () => {
    const metrics = new GatewayMetrics();
    metrics.calls.inc({ outcome: 'a"b\\c\nd', method: 'x' });
    metrics.calls.inc({ method: 'x', outcome: 'a"b\\c\nd' });
    expect(metrics.render()).toContain('mcpgate_calls_total{method="x",outcome="a\\"b\\\\c\\nd"} 2');
  });
});

describe('LegacySessions.reserve', () => {
  const session = (wireId: string): LegacySession => ({
    wireId,
    kind: 'streamable',
    ownerKey: 'k',
    info: {} as LegacySession['info'],
    lastSeen: 0,
    openStreams: 0,
    close: () => Promise.resolve(),
  });

  it('counts places held by sessions still opening, so concurrent opens cannot pass the limit', () => {
    const sessions = new LegacySessions();
    const a = sessions.reserve(2);
    const b = sessions.reserve(2);
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(sessions.reserve(2)).toBeUndefined(); // both places are held, none registered yet
    sessions.add(session('a'));
    a!();
    expect(sessions.reserve(2)).toBeUndefined(); // one open, one still opening
    b!(); // the second open was refused: its place comes back
    b!(); // giving it back twice changes nothing
    const c = sessions.reserve(2);
    expect(c).toBeDefined();
    expect(sessions.reserve(2)).toBeUndefined();
  });
});
