import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { textOf, waitFor, writeConfig } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';

/**
 * Modern (2026-07-28) requests are stateless on the wire; the gateway keeps one session per
 * principal across them (one session record, not one per call), and ends it when idle.
 */
describe('modern HTTP clients: one gateway session per principal', () => {
  let db: PgDatabase;
  let gw: ServeProcess;
  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_modern' });
    gw = await startServe(
      writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
store: { url: ${JSON.stringify(db.url)} }
server: { port: 0, sessionIdleTimeout: 2s }
policy: { default: allow }
`),
    );
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await db?.drop();
  });

  it('records one session for many stateless requests, and ends it when idle', async () => {
    for (let round = 0; round < 2; round++) {
      const client = newClient('modern');
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`)));
      for (let i = 0; i < 3; i++) {
        expect(
          textOf(await client.callTool({ name: 'ev__echo', arguments: { message: `m${round}${i}` } })),
        ).toBe(`Echo: m${round}${i}`);
      }
      await client.close();
    }
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const count = async (type: string): Promise<number> =>
        (
          await sql.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM events WHERE type = $1 AND body LIKE \'%"era":"modern"%\'',
            [type],
          )
        ).rows[0]!.n;
      expect(await count('session.started')).toBe(1);
      const calls = await sql.query<{ n: number }>(
        "SELECT count(DISTINCT session_id)::int AS n FROM events WHERE type = 'call.request'",
      );
      expect(calls.rows[0]!.n).toBe(1);
      await waitFor(
        async () =>
          (await sql.query("SELECT 1 FROM events WHERE type = 'session.ended'")).rowCount ? true : undefined,
        20_000,
        'the idle session to end',
      );
    } finally {
      await sql.end();
    }
  });
});
