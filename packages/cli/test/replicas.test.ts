import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin } from '@mcpgate/testkit';
import { textOf } from './support.js';
import { newClient } from './http-support.js';
import { deployHaproxyBlock, logged, startReplicas, type Replicas } from './replicas-support.js';

/**
 * Scale-out: three `mcpgate serve` replicas on one Postgres behind HAProxy (docs/deploy.md's
 * config: round-robin, no stickiness). Every request of a session may reach another replica.
 */
describe('three replicas behind a load balancer without stickiness', () => {
  let lb: Replicas;
  let sql: pg.Client;

  beforeAll(async () => {
    lb = await startReplicas({
      config: (base) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
${base}
policy: { default: allow }
`,
    });
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);

  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('runs the documented HAProxy config: round-robin, no stickiness, /readyz checks', () => {
    const block = deployHaproxyBlock();
    expect(block).toMatch(/^\s*balance roundrobin$/m);
    expect(block).toMatch(/option httpchk GET \/readyz/);
    expect(block).not.toMatch(/^\s*(cookie|stick|hash-type|balance (source|hdr|uri))/m);
  });

  it('serves 200 calls of one legacy session — with progress and an elicitation — from several replicas', async () => {
    const client = newClient('legacy', { elicitation: {} });
    client.setRequestHandler(
      'elicitation/create',
      () => ({ action: 'accept', content: { color: 'teal' } }) as never,
    );
    const transport = new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`));
    await client.connect(transport);
    const sid = transport.sessionId;
    expect(sid).toBeTruthy();
    let progress = 0;
    let elicited = '';
    for (let i = 0; i < 200; i++) {
      if (i % 50 === 7) {
        await client.callTool(
          { name: 'ev__trigger-long-running-operation', arguments: { duration: 0.2, steps: 2 } },
          { onprogress: () => void progress++ },
        );
      } else if (i === 120) {
        elicited = textOf(await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} }));
      } else {
        const r = await client.callTool({ name: 'ev__echo', arguments: { message: `call ${i}` } });
        expect(textOf(r)).toContain(`call ${i}`);
      }
    }
    expect(progress).toBeGreaterThanOrEqual(4);
    expect(elicited).toContain('teal');

    // The audit trail says who served it: each replica writes its own chain.
    const idHash = createHash('sha256').update(sid!).digest('hex');
    const row = await sql.query<{ session_id: string }>(
      'SELECT session_id FROM mcpgate_http_sessions WHERE id_hash = $1',
      [idHash],
    );
    const sessionId = row.rows[0]!.session_id;
    const chains = await sql.query<{ chain_id: string; n: number }>(
      `SELECT chain_id, count(*)::int AS n FROM events WHERE session_id = $1 AND type = 'call.request'
       GROUP BY chain_id`,
      [sessionId],
    );
    expect(chains.rows.length).toBeGreaterThan(1);
    expect(chains.rows.reduce((a, r) => a + r.n, 0)).toBeGreaterThanOrEqual(200);
    // The client's answer to the elicitation reached another replica and was handed back.
    const forwarded = lb.replicas.flatMap((r) =>
      logged(r, 'client answer forwarded to the replica that asked'),
    );
    expect(forwarded.length).toBeGreaterThanOrEqual(1);
    // The session was opened once: one session.started record, whichever replicas served it.
    const started = await sql.query(
      `SELECT 1 FROM events WHERE session_id = $1 AND type = 'session.started'`,
      [sessionId],
    );
    expect(started.rowCount).toBe(1);
    await client.close();
  }, 300_000);

  it("completes a modern client's input_required retry that lands on another replica", async () => {
    const client = newClient('modern', { elicitation: {} });
    client.setRequestHandler(
      'elicitation/create',
      () => ({ action: 'accept', content: { color: 'plum' } }) as never,
    );
    await client.connect(new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`)));
    const before = lb.replicas.flatMap((r) =>
      logged(r, 'input_required retry forwarded to the replica holding the call'),
    ).length;
    for (let i = 0; i < 3; i++) {
      const r = await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
      expect(textOf(r)).toContain('plum');
    }
    const after = lb.replicas.flatMap((r) =>
      logged(r, 'input_required retry forwarded to the replica holding the call'),
    ).length;
    expect(after - before).toBeGreaterThanOrEqual(1);
    await client.close();
  }, 120_000);
});
