import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '@mcpgate/core';
import { freePort, memoryBin, mutableServerBin } from '@mcpgate/testkit';
import { createUpstreamPool, type McpUpstreamPool } from '../src/pool.js';
import { McpUpstreamConnection } from '../src/connection.js';
import {
  baseSpec,
  capturingLogger,
  eventsOf,
  isAlive,
  session,
  signal,
  stdioSpec,
  textOf,
  waitFor,
} from './helpers.js';

/** The child's pid of a supervised (stdio) connection: the pool hands out the port type. */
function pidOf(conn: unknown): number | undefined {
  if (!(conn instanceof McpUpstreamConnection)) throw new Error('not a supervised connection');
  return conn.pid();
}

describe('supervision', () => {
  it('fails in-flight calls at once when the child crashes, restarts it and refetches the catalog', async () => {
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('fragile', process.execPath, [mutableServerBin()], {
          restart: { maxRestarts: 3, initialDelayMs: 100, maxDelayMs: 500 },
        }),
      ],
      logger: capturingLogger(),
    });
    const events = eventsOf(pool);
    try {
      await pool.start();
      const s = session('s1');
      const conn = await pool.connection('fragile', s);
      const firstPid = pidOf(conn)!;
      const inflight = conn.request(
        'tools/call',
        { name: 'slow', arguments: { steps: 200, stepMs: 100 } },
        { signal: signal() },
      );
      const started = Date.now();
      void conn
        .request('tools/call', { name: 'crash', arguments: {} }, { signal: signal() })
        .catch(() => undefined);
      const err = await inflight.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).code).toBe('upstream_crashed');
      expect((err as GatewayError).message).toContain('upstream "fragile" crashed while handling tools/call');
      expect((err as GatewayError).message).toContain('its process exited (exit code 3)');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(['restarting', 'ready']).toContain(pool.status()[0]!.state);
      // Calls on the dead connection fail fast too, naming the upstream.
      const late = await conn.request('ping', undefined, { signal: signal() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((late as GatewayError).message).toContain('"fragile"');

      await waitFor(
        () => pool.status()[0]!.state === 'ready' && pool.status()[0]!.restarts === 1,
        10_000,
        'restart',
      );
      expect(pool.catalog('fragile').tools).toHaveLength(11);
      expect(
        events.filter((e) => e.type === 'list_changed').map((e) => (e.type === 'list_changed' ? e.kind : '')),
      ).toEqual(expect.arrayContaining(['tools', 'prompts', 'resources', 'resourceTemplates']));
      const again = await pool.connection('fragile', s);
      expect(pidOf(again)).not.toBe(firstPid);
      expect(isAlive(firstPid)).toBe(false);
      const echo = await again.request(
        'tools/call',
        { name: 'echo', arguments: { message: 'back' } },
        { signal: signal() },
      );
      expect(textOf(echo)).toBe('Echo: back');
    } finally {
      await pool.close();
    }
  });

  it('marks an upstream failed after maxRestarts crashes in a row, with its catalog emptied', async () => {
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('once', process.execPath, [mutableServerBin()], {
          restart: { maxRestarts: 0, initialDelayMs: 50, maxDelayMs: 50 },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await pool.start();
      const conn = await pool.connection('once', session('s'));
      await conn
        .request('tools/call', { name: 'crash', arguments: {} }, { signal: signal() })
        .catch(() => undefined);
      await waitFor(() => pool.status()[0]!.state === 'failed', 5000, 'failed state');
      expect(pool.catalog('once').tools).toEqual([]);
      expect(pool.status()[0]!.lastError).toMatch(/^connection lost: its process exited \(exit code 3\)/);
      const err = await pool.connection('once', session('s')).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as GatewayError).code).toBe('upstream_unavailable');
      expect((err as GatewayError).message).toContain('upstream "once" is unavailable');
    } finally {
      await pool.close();
    }
  });

  it('a call arriving while the upstream restarts waits for it instead of failing', async () => {
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('bouncy', process.execPath, [mutableServerBin()], {
          restart: { maxRestarts: 3, initialDelayMs: 300, maxDelayMs: 300 },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await pool.start();
      const s = session('s');
      const first = await pool.connection('bouncy', s);
      await first
        .request('tools/call', { name: 'crash', arguments: {} }, { signal: signal() })
        .catch(() => undefined);
      await waitFor(() => pool.status()[0]!.state === 'restarting', 5000, 'restarting');
      const next = await pool.connection('bouncy', s);
      expect(next).not.toBe(first);
      expect(pool.status()[0]!.state).toBe('ready');
    } finally {
      await pool.close();
    }
  });

  it('an upstream pinned to the modern era that only speaks legacy fails with a clear reason', async () => {
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('oldie', process.execPath, [mutableServerBin()], {
          era: 'modern',
          restart: { maxRestarts: 0, initialDelayMs: 50, maxDelayMs: 50 },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await pool.start();
      const [st] = pool.status();
      expect(st?.state).toBe('failed');
      expect(st?.lastError).toMatch(/discover|negotiat|2026-07-28/i);
    } finally {
      await pool.close();
    }
  });

  describe('an upstream that cannot start does not stop the others', () => {
    let pool: McpUpstreamPool;
    let refused: number;
    let http: Server;
    const seenHeaders: IncomingHttpHeaders[] = [];
    const memoryDir = mkdtempSync(join(tmpdir(), 'mcpgate-memory-'));

    beforeAll(async () => {
      refused = await freePort();
      http = createServer((req, res) => {
        seenHeaders.push(req.headers);
        res.writeHead(500).end('broken');
      });
      await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
      const port = (http.address() as { port: number }).port;
      pool = createUpstreamPool({
        specs: [
          stdioSpec('missing', '/nonexistent/mcp-server-binary', []),
          stdioSpec('exits', process.execPath, ['-e', 'process.exit(7)']),
          // What a wrong package name under npx looks like: the cause is on stderr, then exit 1.
          stdioSpec('wrong-package', process.execPath, [
            '-e',
            "console.error('npm error code E404'); console.error(\"npm error 404  '@nope/server@*' is not in this registry.\"); process.exit(1)",
          ]),
          baseSpec('refused', { transport: 'streamable-http', url: `http://127.0.0.1:${refused}/mcp` }),
          baseSpec('broken', {
            transport: 'streamable-http',
            url: `http://127.0.0.1:${port}/mcp`,
            headers: { Authorization: 'Bearer gateway-own' },
          }),
          stdioSpec('memory', process.execPath, [memoryBin()], {
            env: { MEMORY_FILE_PATH: join(memoryDir, 'memory.jsonl') },
          }),
        ],
        logger: capturingLogger(),
      });
      const started = Date.now();
      await pool.start();
      expect(Date.now() - started).toBeLessThan(15_000);
    });
    afterAll(async () => {
      await pool.close();
      await new Promise((r) => http.close(r));
      rmSync(memoryDir, { recursive: true, force: true });
    });

    it('starts the healthy one and reports each failure with a reason', () => {
      const byName = Object.fromEntries(pool.status().map((st) => [st.name, st]));
      expect(byName.memory).toMatchObject({ state: 'ready', era: 'legacy' });
      for (const name of ['missing', 'exits', 'refused', 'broken']) {
        expect(byName[name]?.state).toBe('failed');
        expect(byName[name]?.lastError).toEqual(expect.any(String));
        expect(pool.catalog(name).tools).toEqual([]);
      }
      expect(byName.missing?.lastError).toMatch(/ENOENT/);
      // The real cause first: how the process ended and what it said; the handshake symptom last.
      expect(byName['wrong-package']?.lastError).toMatch(
        /^the process ended \(exit code 1\); its last stderr lines: npm error code E404 \| npm error 404 {2}'@nope\/server@\*' is not in this registry\. — during start/,
      );
      expect(pool.catalog('memory').tools.map((t) => t.name)).toEqual(
        expect.arrayContaining(['create_entities', 'read_graph']),
      );
    });

    it('sends the configured headers to remotes', () => {
      expect(seenHeaders.length).toBeGreaterThan(0);
      expect(seenHeaders.every((h) => h.authorization === 'Bearer gateway-own')).toBe(true);
    });

    it('serves the healthy upstream (server-memory)', async () => {
      const conn = await pool.connection('memory', session('s'));
      const graph = await conn.request(
        'tools/call',
        { name: 'read_graph', arguments: {} },
        { signal: signal() },
      );
      expect(Array.isArray(graph.content)).toBe(true);
    });

    it('keeps retrying a failed upstream in the background', async () => {
      await waitFor(
        () => (pool.status().find((st) => st.name === 'exits')?.restarts ?? 0) >= 1,
        5000,
        'a retry',
      );
    });
  });

  it('per-session children: one per session, gone after closeSession', async () => {
    const pool = createUpstreamPool({
      specs: [stdioSpec('own', process.execPath, [mutableServerBin()], { sharing: 'per-session' })],
      logger: capturingLogger(),
    });
    try {
      await pool.start();
      expect(pool.catalog('own').tools).toHaveLength(11);
      const a = await pool.connection('own', session('a'));
      const b = await pool.connection('own', session('b'));
      expect(await pool.connection('own', session('a'))).toBe(a);
      const [pa, pb] = [pidOf(a)!, pidOf(b)!];
      expect(pa).not.toBe(pb);
      expect(isAlive(pa) && isAlive(pb)).toBe(true);
      await pool.closeSession('a');
      await waitFor(() => !isAlive(pa), 5000, 'child of session a to exit');
      expect(isAlive(pb)).toBe(true);
      const fresh = await pool.connection('own', session('a'));
      expect(pidOf(fresh)).not.toBe(pa);
      await pool.close();
      await waitFor(
        () => !isAlive(pb) && !isAlive(pidOf(fresh) ?? pb),
        5000,
        'all children to exit on close',
      );
    } finally {
      await pool.close();
    }
  });

  it('close() kills a child that ignores stdin EOF and SIGTERM', async () => {
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('stubborn', process.execPath, [mutableServerBin()], { env: { MUTABLE_STUBBORN: '1' } }),
      ],
      logger: capturingLogger(),
    });
    await pool.start();
    const conn = await pool.connection('stubborn', session('s'));
    const pid = pidOf(conn)!;
    expect(isAlive(pid)).toBe(true);
    await pool.close();
    await waitFor(() => !isAlive(pid), 3000, 'the stubborn child to be killed');
  });

  it('close() also ends a server started through a launcher that does not pass signals on (npx-style)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-pids-'));
    const pidFile = join(dir, 'pids');
    // `sh -c '…; true'` stays the parent (no exec) and dies on SIGTERM without telling its child;
    // the server under it ignores stdin EOF and SIGTERM: only being found and killed ends it.
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('launched', '/bin/sh', ['-c', `"${process.execPath}" "${mutableServerBin()}"; true`], {
          env: { MUTABLE_STUBBORN: '1', MUTABLE_PID_FILE: pidFile },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await pool.start();
      const conn = await pool.connection('launched', session('s'));
      const launcher = pidOf(conn)!;
      const server = Number(readFileSync(pidFile, 'utf8').trim());
      expect(server).not.toBe(launcher);
      expect(isAlive(server)).toBe(true);
      await pool.close();
      await waitFor(() => !isAlive(server) && !isAlive(launcher), 8000, 'the launched server to be gone');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() during start leaves no child behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-pids-'));
    const pidFile = join(dir, 'pids');
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('a', process.execPath, [mutableServerBin()], { env: { MUTABLE_PID_FILE: pidFile } }),
        stdioSpec('b', process.execPath, [mutableServerBin()], {
          env: { MUTABLE_PID_FILE: pidFile },
          sharing: 'per-session',
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      const starting = pool.start();
      await new Promise((r) => setTimeout(r, 30));
      await pool.close();
      await starting;
      await new Promise((r) => setTimeout(r, 300));
      const pids = existsSync(pidFile)
        ? readFileSync(pidFile, 'utf8').trim().split('\n').filter(Boolean).map(Number)
        : [];
      await waitFor(() => pids.every((p) => !isAlive(p)), 5000, 'every spawned child to be gone');
      expect(pool.status().every((st) => st.state === 'stopped')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('start() is idempotent: one child, however often it is called', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-pids-'));
    const pidFile = join(dir, 'pids');
    const pool = createUpstreamPool({
      specs: [
        stdioSpec('once', process.execPath, [mutableServerBin()], {
          era: 'legacy',
          env: { MUTABLE_PID_FILE: pidFile },
        }),
      ],
      logger: capturingLogger(),
    });
    try {
      await Promise.all([pool.start(), pool.start()]);
      await pool.start();
      expect(readFileSync(pidFile, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      await pool.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
