import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '@mcpgate/core';
import { startModernHttp, type RunningHttpServer } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { baseSpec, capturingLogger, session, signal, textOf, waitFor } from './helpers.js';

describe('a modern-era upstream over Streamable HTTP', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-modern-http-'));
  const traceFile = join(dir, 'trace.txt');
  let server: RunningHttpServer;
  let pool: McpUpstreamPool;
  const logger = capturingLogger();
  const s = session('s1');

  beforeAll(async () => {
    server = await startModernHttp({ env: { MODERN_TRACE_FILE: traceFile } });
    pool = createUpstreamPool({
      specs: [baseSpec('mhttp', { transport: 'streamable-http', url: server.url })],
      logger,
    });
    await pool.start();
  });
  afterAll(async () => {
    await pool.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('negotiates the modern era over HTTP (server/discover, no initialize)', () => {
    expect(pool.status()[0]).toMatchObject({ state: 'ready', era: 'modern', transport: 'streamable-http' });
    const methods = readFileSync(traceFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[1]);
    expect(methods).toContain('server/discover');
    expect(methods).not.toContain('initialize');
    expect(pool.catalog('mhttp').tools.map((t) => t.name)).toEqual(
      expect.arrayContaining(['echo', 'add', 'confirm_action']),
    );
  });

  it('passes results and input_required through', async () => {
    const conn = await pool.connection('mhttp', s);
    const add = await conn.request(
      'tools/call',
      { name: 'add', arguments: { a: 20, b: 22 } },
      { signal: signal() },
    );
    expect(add.structuredContent).toEqual({ sum: 42 });
    const ir = await conn.request(
      'tools/call',
      { name: 'confirm_action', arguments: { action: 'ship' } },
      { signal: signal() },
    );
    expect(ir.resultType).toBe('input_required');
    const done = await conn.request(
      'tools/call',
      {
        name: 'confirm_action',
        arguments: { action: 'ship' },
        inputResponses: { confirm: { action: 'accept', content: { confirm: false } } },
        requestState: ir.requestState,
      },
      { signal: signal() },
    );
    expect(textOf(done)).toBe('not confirmed: ship');
  });

  it('relays progress and cancels', async () => {
    const conn = await pool.connection('mhttp', s);
    const updates: number[] = [];
    await conn.request(
      'tools/call',
      { name: 'slow', arguments: { steps: 3, stepMs: 20 } },
      { signal: signal(), onProgress: (u) => updates.push(u.progress) },
    );
    expect(updates).toEqual([1, 2, 3]);
    const ac = new AbortController();
    const err = await conn
      .request(
        'tools/call',
        { name: 'slow', arguments: { steps: 40, stepMs: 50 } },
        { signal: ac.signal, onProgress: () => ac.abort() },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect((err as GatewayError).code).toBe('cancelled');
  });

  it('gets list_changed through subscriptions/listen and refetches', async () => {
    const conn = await pool.connection('mhttp', s);
    let sawExtra = false;
    pool.onEvent((e) => {
      if (e.type === 'list_changed' && e.kind === 'tools')
        sawExtra ||= pool.catalog('mhttp').tools.some((t) => t.name === 'extra_1');
    });
    await conn.request('tools/call', { name: 'add_tool', arguments: {} }, { signal: signal() });
    await waitFor(() => sawExtra, 5000, 'list_changed over subscriptions/listen');
    expect(readFileSync(traceFile, 'utf8')).toContain('subscriptions/listen');
  });

  it('listens again when the subscription stream drops (server restarted)', async () => {
    const port = server.port;
    await server.close();
    server = await startModernHttp({ port, env: { MODERN_TRACE_FILE: traceFile } });
    const conn = await pool.connection('mhttp', s);
    // The restarted server forgot its extra tools; adding one must again reach us as list_changed.
    await waitFor(
      () => readFileSync(traceFile, 'utf8').split('subscriptions/listen').length - 1 >= 2,
      8000,
      'a second subscriptions/listen',
    );
    let seen = false;
    pool.onEvent((e) => {
      if (e.type === 'list_changed' && e.kind === 'tools')
        seen ||= pool.catalog('mhttp').tools.some((t) => t.name === 'extra_1');
    });
    await conn.request('tools/call', { name: 'add_tool', arguments: {} }, { signal: signal() });
    await waitFor(() => seen, 5000, 'list_changed after re-listen');
    expect(pool.status()[0]?.state).toBe('ready');
    expect(
      logger.records.some((r) => r.msg === 'upstream subscription stream dropped; listening again'),
    ).toBe(true);
  });
});
