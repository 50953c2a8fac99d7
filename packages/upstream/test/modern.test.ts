import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '@mcpgate/core';
import { modernServerBin } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { capturingLogger, eventsOf, session, signal, stdioSpec, textOf, waitFor } from './helpers.js';

describe('a modern-era (2026-07-28) upstream over stdio', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-modern-'));
  const traceFile = join(dir, 'trace.txt');
  let pool: McpUpstreamPool;
  let events: ReturnType<typeof eventsOf>;
  const s = session('s1');

  beforeAll(async () => {
    pool = createUpstreamPool({
      specs: [
        stdioSpec('modern', process.execPath, [modernServerBin()], { env: { MODERN_TRACE_FILE: traceFile } }),
        stdioSpec('pinned', process.execPath, [modernServerBin()], { era: 'modern' }),
      ],
      logger: capturingLogger(),
    });
    events = eventsOf(pool);
    await pool.start();
  });
  afterAll(async () => {
    await pool.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates the modern era: server/discover, never initialize', async () => {
    expect(pool.status().map((st) => [st.name, st.state, st.era])).toEqual([
      ['modern', 'ready', 'modern'],
      ['pinned', 'ready', 'modern'],
    ]);
    const conn = await pool.connection('modern', s);
    expect(conn.era).toBe('modern');
    const trace = await conn.request('tools/call', { name: 'trace', arguments: {} }, { signal: signal() });
    const methods = (trace.structuredContent as { methods: string[] }).methods;
    expect(methods).not.toContain('initialize');
    expect(methods).toContain('tools/list');
    const lines = readFileSync(traceFile, 'utf8').trim().split('\n');
    expect(lines.some((l) => l.endsWith(' server/discover'))).toBe(true);
    expect(lines.some((l) => l.endsWith(' initialize'))).toBe(false);
  });

  it('passes results through, including _meta and structuredContent', async () => {
    const conn = await pool.connection('modern', s);
    const result = await conn.request(
      'tools/call',
      { name: 'add', arguments: { a: 2, b: 40 } },
      { signal: signal() },
    );
    expect(result.structuredContent).toEqual({ sum: 42 });
    expect(result.content).toEqual([{ type: 'text', text: '42' }]);
    expect((result._meta as Record<string, unknown>)['example.com/origin']).toBe('modern-test-server');
  });

  it('returns input_required as a plain result, and completes on the retry', async () => {
    const conn = await pool.connection('modern', s);
    const first = await conn.request(
      'tools/call',
      { name: 'confirm_action', arguments: { action: 'deploy' } },
      { signal: signal() },
    );
    expect(first.resultType).toBe('input_required');
    const requests = first.inputRequests as Record<string, { method: string }>;
    expect(requests.confirm?.method).toBe('elicitation/create');
    expect(typeof first.requestState).toBe('string');

    const retry = await conn.request(
      'tools/call',
      {
        name: 'confirm_action',
        arguments: { action: 'deploy' },
        inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
        requestState: first.requestState,
      },
      { signal: signal() },
    );
    expect(textOf(retry)).toBe('done: deploy');
    expect(retry.structuredContent).toEqual({ confirmed: true, state: first.requestState });
  });

  it('relays progress and cancels upstream (notifications/cancelled reaches it)', async () => {
    const conn = await pool.connection('modern', s);
    const updates: Array<{ progress: number; total?: number; message?: string }> = [];
    await conn.request(
      'tools/call',
      { name: 'slow', arguments: { steps: 3, stepMs: 20 } },
      { signal: signal(), onProgress: (u) => updates.push(u) },
    );
    expect(updates).toEqual([
      { progress: 1, total: 3, message: 'step 1' },
      { progress: 2, total: 3, message: 'step 2' },
      { progress: 3, total: 3, message: 'step 3' },
    ]);

    const ac = new AbortController();
    const pending = conn.request(
      'tools/call',
      { name: 'slow', arguments: { steps: 40, stepMs: 50 } },
      { signal: ac.signal, onProgress: () => ac.abort() },
    );
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as GatewayError).code).toBe('cancelled');
    await waitFor(
      () => readFileSync(traceFile, 'utf8').includes('notifications/cancelled'),
      5000,
      'cancellation upstream',
    );
  });

  it('times out a request that takes too long, naming the upstream', async () => {
    const quick = createUpstreamPool({
      specs: [
        stdioSpec('quick', process.execPath, [modernServerBin()], { era: 'modern', requestTimeoutMs: 300 }),
      ],
      logger: capturingLogger(),
    });
    try {
      await quick.start();
      const conn = await quick.connection('quick', s);
      const err = await conn
        .request('tools/call', { name: 'slow', arguments: { steps: 10, stepMs: 200 } }, { signal: signal() })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((err as GatewayError).code).toBe('upstream_timeout');
      expect((err as GatewayError).message).toContain('"quick"');
      // Progress resets the deadline: the same call with progress requested completes.
      const ok = await conn.request(
        'tools/call',
        { name: 'slow', arguments: { steps: 4, stepMs: 200 } },
        { signal: signal(), onProgress: () => undefined },
      );
      expect(textOf(ok)).toBe('slept 4 steps');
    } finally {
      await quick.close();
    }
  });

  it('refetches the catalog on list_changed (subscriptions/listen) and emits after the update', async () => {
    const conn = await pool.connection('modern', s);
    const before = pool.catalog('modern').tools.length;
    let sawNewTool = false;
    pool.onEvent((e) => {
      if (e.type === 'list_changed' && e.upstream === 'modern' && e.kind === 'tools') {
        sawNewTool ||= pool.catalog('modern').tools.some((t) => t.name === 'extra_1');
      }
    });
    await conn.request('tools/call', { name: 'add_tool', arguments: {} }, { signal: signal() });
    await waitFor(() => sawNewTool, 5000, 'list_changed with the new tool in the catalog');
    expect(pool.catalog('modern').tools.length).toBe(before + 1);
    expect(events.some((e) => e.type === 'list_changed' && e.upstream === 'modern')).toBe(true);
    expect(readFileSync(traceFile, 'utf8')).toContain('subscriptions/listen');
  });

  it('per-session connections reuse the probed era without probing again', async () => {
    const trace2 = join(dir, 'trace-per-session.txt');
    const own = createUpstreamPool({
      specs: [
        stdioSpec('own', process.execPath, [modernServerBin()], {
          sharing: 'per-session',
          env: { MODERN_TRACE_FILE: trace2 },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await own.start();
      const a = await own.connection('own', session('a'));
      const b = await own.connection('own', session('b'));
      expect([a.era, b.era]).toEqual(['modern', 'modern']);
      const r = await b.request(
        'tools/call',
        { name: 'add', arguments: { a: 1, b: 1 } },
        { signal: signal() },
      );
      expect(r.structuredContent).toEqual({ sum: 2 });
      const lines = readFileSync(trace2, 'utf8').trim().split('\n');
      expect(lines.filter((l) => l.endsWith(' server/discover'))).toHaveLength(1);
      expect(lines.some((l) => l.endsWith(' initialize'))).toBe(false);
    } finally {
      await own.close();
    }
  });
});
