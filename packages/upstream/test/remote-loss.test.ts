import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '@mcpgate/core';
import { startEverythingHttp, type RunningHttpServer } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { baseSpec, capturingLogger, eventsOf, session, signal, waitFor } from './helpers.js';

for (const kind of ['streamableHttp', 'sse'] as const) {
  describe(`a remote upstream (${kind}) that goes away`, () => {
    let server: RunningHttpServer | undefined;
    let pool: McpUpstreamPool | undefined;
    afterAll(async () => {
      await pool?.close();
      await server?.close();
    });

    it('fails calls naming the upstream, then reconnects when the remote is back', async () => {
      server = await startEverythingHttp({ transport: kind });
      const { port, url } = server;
      pool = createUpstreamPool({
        specs: [
          baseSpec('remote', {
            transport: kind === 'sse' ? 'sse' : 'streamable-http',
            url,
            restart: { maxRestarts: 20, initialDelayMs: 100, maxDelayMs: 300 },
          }),
        ],
        logger: capturingLogger(),
      });
      const events = eventsOf(pool);
      await pool.start();
      const s = session('s1');
      const conn = await pool.connection('remote', s);

      await server.close();
      const err = await conn
        .request('tools/call', { name: 'echo', arguments: { message: 'x' } }, { signal: signal() })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).code).toBe('upstream_unavailable');
      expect((err as GatewayError).message).toContain('upstream "remote"');
      await waitFor(() => pool!.status()[0]!.state !== 'ready', 5000, 'the loss to be noticed');

      server = await startEverythingHttp({ transport: kind, port });
      await waitFor(() => pool!.status()[0]!.state === 'ready', 10_000, 'reconnect');
      const again = await pool.connection('remote', s);
      expect(again).not.toBe(conn);
      const echo = await again.request(
        'tools/call',
        { name: 'echo', arguments: { message: 'back' } },
        { signal: signal() },
      );
      expect(echo.content).toEqual([{ type: 'text', text: 'Echo: back' }]);
      expect(pool.catalog('remote').tools.length).toBeGreaterThan(5);
      expect(events.some((e) => e.type === 'list_changed' && e.upstream === 'remote')).toBe(true);
    });
  });
}
