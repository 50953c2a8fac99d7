import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '@mcpgate/core';
import { everythingBin } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import {
  capturingLogger,
  callLink,
  eventsOf,
  recordingIO,
  session,
  signal,
  stdioSpec,
  textOf,
  waitFor,
} from './helpers.js';

describe('server-everything over stdio', () => {
  const logger = capturingLogger();
  let pool: McpUpstreamPool;
  const s = session('s1');

  beforeAll(async () => {
    process.env.MCPGATE_TEST_GATEWAY_SECRET = 'must-not-leak';
    pool = createUpstreamPool({
      specs: [
        stdioSpec('everything', process.execPath, [everythingBin(), 'stdio'], {
          env: { GIVEN_BY_CONFIG: 'yes' },
        }),
      ],
      logger,
    });
    await pool.start();
  });
  afterAll(async () => {
    await pool.close();
    delete process.env.MCPGATE_TEST_GATEWAY_SECRET;
  });

  it('is ready in the legacy era with a full catalog', () => {
    const [st] = pool.status();
    expect(st).toMatchObject({
      name: 'everything',
      state: 'ready',
      era: 'legacy',
      transport: 'stdio',
      restarts: 0,
    });
    const cat = pool.catalog('everything');
    const names = cat.tools.map((t) => t.name);
    expect(names).toEqual(
      expect.arrayContaining(['echo', 'get-sum', 'get-structured-content', 'trigger-long-running-operation']),
    );
    // Capability-dependent tools appear because the gateway declares elicitation/sampling/roots.
    expect(names).toEqual(
      expect.arrayContaining(['trigger-elicitation-request', 'trigger-sampling-request']),
    );
    expect(cat.prompts.length).toBeGreaterThan(0);
    expect(cat.resources.length).toBeGreaterThan(0);
    expect(cat.resourceTemplates.length).toBeGreaterThan(0);
  });

  it('passes a tools/call result through as is', async () => {
    const conn = await pool.connection('everything', s);
    expect(conn.era).toBe('legacy');
    const result = await conn.request(
      'tools/call',
      { name: 'echo', arguments: { message: 'hi there' } },
      { signal: signal() },
    );
    expect(result).toEqual({ content: [{ type: 'text', text: 'Echo: hi there' }] });
  });

  it('keeps structuredContent', async () => {
    const conn = await pool.connection('everything', s);
    const result = await conn.request(
      'tools/call',
      { name: 'get-structured-content', arguments: { location: 'New York' } },
      { signal: signal() },
    );
    expect(result.structuredContent).toMatchObject({ temperature: expect.any(Number) as number });
    expect(Array.isArray(result.content)).toBe(true);
  });

  it('relays progress of a long-running operation', async () => {
    const conn = await pool.connection('everything', s);
    const updates: Array<{ progress: number; total?: number }> = [];
    const result = await conn.request(
      'tools/call',
      {
        name: 'trigger-long-running-operation',
        arguments: { duration: 1, steps: 4 },
        _meta: { progressToken: 'downstream-token' },
      },
      { signal: signal(), onProgress: (u) => updates.push(u) },
    );
    expect(textOf(result)).toContain('completed');
    expect(updates.map((u) => u.progress)).toEqual([1, 2, 3, 4]);
    expect(updates.every((u) => u.total === 4)).toBe(true);
  });

  it('cancels upstream when the signal aborts', async () => {
    const conn = await pool.connection('everything', s);
    const ac = new AbortController();
    const started = Date.now();
    const pending = conn.request(
      'tools/call',
      { name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 20 } },
      { signal: ac.signal, onProgress: () => ac.abort() },
    );
    const err = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('maps an upstream JSON-RPC error, keeping code, message and data', async () => {
    const conn = await pool.connection('everything', s);
    const err = await conn.request('prompts/get', { name: 'no-such-prompt' }, { signal: signal() }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(GatewayError);
    const ge = err as GatewayError;
    expect(ge.code).toBe('upstream_error');
    expect(ge.message).toContain('"everything"');
    const upstreamError = ge.data?.upstreamError as { code: number; message: string };
    expect(typeof upstreamError.code).toBe('number');
    expect(upstreamError.message).toMatch(/no-such-prompt/);
  });

  it('forwards any method, e.g. completion/complete and resources/read', async () => {
    const conn = await pool.connection('everything', s);
    const res = pool.catalog('everything').resources[0]!;
    const read = await conn.request('resources/read', { uri: res.uri }, { signal: signal() });
    expect(Array.isArray(read.contents)).toBe(true);
    const ping = await conn.request('ping', undefined, { signal: signal() });
    expect(ping).toEqual({});
  });

  it('routes elicitation to the call that caused it', async () => {
    const conn = await pool.connection('everything', s);
    const io = recordingIO({ elicitation: {} }, () => ({
      action: 'accept',
      content: { name: 'Ada', check: true },
    }));
    const result = await conn.request(
      'tools/call',
      { name: 'trigger-elicitation-request', arguments: {} },
      { signal: signal(), link: callLink(s, io) },
    );
    expect(io.requests.map((r) => r.method)).toEqual(['elicitation/create']);
    expect(JSON.stringify(result)).toContain('Ada');
  });

  it('emits resources/updated for a subscribed resource', async () => {
    const events = eventsOf(pool);
    const conn = await pool.connection('everything', s);
    const uri = pool.catalog('everything').resources[0]!.uri as string;
    await conn.request('resources/subscribe', { uri }, { signal: signal() });
    await conn.request(
      'tools/call',
      { name: 'toggle-subscriber-updates', arguments: {} },
      { signal: signal() },
    );
    const updated = await waitFor(
      () => events.find((e) => e.type === 'resource_updated'),
      9000,
      'resources/updated',
    );
    expect(updated).toEqual({ type: 'resource_updated', upstream: 'everything', uri });
    await conn.request(
      'tools/call',
      { name: 'toggle-subscriber-updates', arguments: {} },
      { signal: signal() },
    );
  });

  it('gives the child only a minimal environment plus the configured env', async () => {
    const conn = await pool.connection('everything', s);
    const result = await conn.request('tools/call', { name: 'get-env', arguments: {} }, { signal: signal() });
    const env = JSON.parse(textOf(result)) as Record<string, string>;
    expect(env.GIVEN_BY_CONFIG).toBe('yes');
    expect(env.MCPGATE_TEST_GATEWAY_SECRET).toBeUndefined();
    expect(env.PATH).toBeDefined();
  });

  it('logs child stderr tagged with the upstream name', () => {
    const stderr = logger.records.filter((r) => typeof r.obj.stderr === 'string');
    expect(stderr.length).toBeGreaterThan(0);
    expect(stderr.every((r) => r.obj.upstream === 'everything')).toBe(true);
  });
});
