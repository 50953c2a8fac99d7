import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '@mcpgate/core';
import { startEverythingHttp, type RunningHttpServer } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { baseSpec, capturingLogger, session, signal, textOf } from './helpers.js';

for (const kind of ['streamableHttp', 'sse'] as const) {
  describe(`server-everything over ${kind}`, () => {
    let server: RunningHttpServer;
    let pool: McpUpstreamPool;
    const s = session('s1');

    beforeAll(async () => {
      server = await startEverythingHttp({ transport: kind });
      pool = createUpstreamPool({
        specs: [
          baseSpec('remote', {
            transport: kind === 'sse' ? 'sse' : 'streamable-http',
            url: server.url,
            headers: { 'X-Gateway-Credential': 'gateway-own-secret' },
          }),
        ],
        logger: capturingLogger(),
      });
      await pool.start();
    });
    afterAll(async () => {
      await pool?.close();
      await server?.close();
    });

    it('connects in the legacy era and fetches the catalog', () => {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const [st] = pool.status();
      expect(st).toMatchObject({
        state: 'ready',
        era: 'legacy',
        transport: kind === 'sse' ? 'sse' : 'streamable-http',
      });
      expect(pool.catalog('remote').tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['echo', 'get-sum']),
      );
    });

    it('calls tools and passes results through', async () => {
      const conn = await pool.connection('remote', s);
      const echo = await conn.request(
        'tools/call',
        { name: 'echo', arguments: { message: 'over http' } },
        { signal: signal() },
      );
      expect(echo).toEqual({ content: [{ type: 'text', text: 'Echo: over http' }] });
      const sc = await conn.request(
        'tools/call',
        { name: 'get-structured-content', arguments: { location: 'Chicago' } },
        { signal: signal() },
      );
      expect(sc.structuredContent).toBeDefined();
    });

    it('relays progress and cancels', async () => {
      const conn = await pool.connection('remote', s);
      const updates: number[] = [];
      const done = await conn.request(
        'tools/call',
        { name: 'trigger-long-running-operation', arguments: { duration: 0.6, steps: 3 } },
        { signal: signal(), onProgress: (u) => updates.push(u.progress) },
      );
      expect(textOf(done)).toContain('completed');
      expect(updates).toEqual([1, 2, 3]);

      const ac = new AbortController();
      const err = await conn
        .request(
          'tools/call',
          { name: 'trigger-long-running-operation', arguments: { duration: 20, steps: 20 } },
          { signal: ac.signal, onProgress: () => ac.abort() },
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((err as GatewayError).code).toBe('cancelled');
    });

    it('refuses an oversized upstream message without assembling it, and keeps serving', async () => {
      const small = createUpstreamPool({
        specs: [
          baseSpec('small', {
            transport: kind === 'sse' ? 'sse' : 'streamable-http',
            url: server.url,
            maxMessageBytes: 64 * 1024,
            requestTimeoutMs: 1500,
          }),
        ],
        logger: capturingLogger(),
      });
      try {
        await small.start();
        const conn = await small.connection('small', s);
        const err = await conn
          .request(
            'tools/call',
            { name: 'echo', arguments: { message: 'x'.repeat(100_000) } },
            { signal: signal() },
          )
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect((err as GatewayError).code).toBe('message_too_large');
        expect((err as GatewayError).message).toContain(
          'upstream "small" sent a message larger than 65536 bytes',
        );
        const ok = await conn.request(
          'tools/call',
          { name: 'echo', arguments: { message: 'fine' } },
          { signal: signal() },
        );
        expect(textOf(ok)).toBe('Echo: fine');
      } finally {
        await small.close();
      }
    });

    it('maps upstream errors', async () => {
      const conn = await pool.connection('remote', s);
      const err = await conn.request('prompts/get', { name: 'no-such-prompt' }, { signal: signal() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).code).toBe('upstream_error');
      expect((err as GatewayError).message).toContain('"remote"');
      expect((err as GatewayError).data?.upstreamError).toMatchObject({ code: expect.any(Number) as number });
    });
  });
}
