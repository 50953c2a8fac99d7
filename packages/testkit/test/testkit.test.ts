import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin, filesystemBin, memoryBin, modernServerBin, mutableServerBin } from '../src/bins.js';
import { pgSchema } from '../src/pg.js';
import { startEverythingHttp } from '../src/http.js';

/** Addresses (hex, as in /proc/net/tcp{,6}) listening on `port`. */
function listeners(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const [addr, p] = (cols[1] ?? '').split(':');
      if (p === hexPort && cols[3] === '0A') out.push(addr ?? '');
    }
  }
  return out;
}

describe('testkit', () => {
  it('resolves the npm servers and its own fixtures to existing entry files', () => {
    for (const bin of [
      everythingBin(),
      memoryBin(),
      filesystemBin(),
      modernServerBin(),
      mutableServerBin(),
    ]) {
      expect(existsSync(bin)).toBe(true);
    }
  });

  it.runIf(process.platform === 'linux')(
    'starts server-everything over HTTP bound to 127.0.0.1 only',
    async () => {
      const server = await startEverythingHttp({ transport: 'streamableHttp' });
      try {
        expect(server.url).toBe(`http://127.0.0.1:${server.port}/mcp`);
        // 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex.
        expect(listeners(server.port)).toEqual(['0100007F']);
      } finally {
        await server.close();
      }
    },
  );

  it('serves the modern fixture to a legacy-era client as well (dual-era)', async () => {
    const client = new Client({ name: 'testkit-test', version: '0' });
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [modernServerBin()], stderr: 'pipe' }),
    );
    try {
      expect(client.getProtocolEra()).toBe('legacy');
      const result = await client.callTool({ name: 'add', arguments: { a: 1, b: 2 } });
      expect(result.structuredContent).toEqual({ sum: 3 });
    } finally {
      await client.close();
    }
  });

  it('creates and drops a uniquely named Postgres database', async () => {
    const db = await pgSchema();
    const other = await pgSchema('mcpgate_testkit_other');
    expect(other.database.startsWith('mcpgate_testkit_other_')).toBe(true);
    expect(db.database).not.toBe(other.database);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      await c.query('CREATE TABLE t (x int)');
      await c.query('INSERT INTO t VALUES (1)');
      expect((await c.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]?.n).toBe(1);
    } finally {
      await c.end();
    }
    await db.drop();
    await other.drop();
    const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    try {
      const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = ANY($1)', [
        [db.database, other.database],
      ]);
      expect(left.rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('fails loudly, naming what it needs, when Postgres is unreachable', async () => {
    const err = await pgSchema({ adminUrl: 'postgres://postgres@127.0.0.1:1/postgres' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^PostgreSQL is required at 127\.0\.0\.1:1 for this test: .+/);
  });
});
