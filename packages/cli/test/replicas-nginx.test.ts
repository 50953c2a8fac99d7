import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { textOf, waitFor } from './support.js';
import { newClient } from './http-support.js';
import { deployNginxBlocks, deployNginxLbBlock, nginxLbConfigFor } from './nginx-support.js';
import { everythingAndMutable, startReplicas, type Replicas } from './replicas-support.js';

/**
 * docs/deploy.md's nginx config for several replicas, run as documented (addresses swapped, plain
 * HTTP) in front of three `mcpgate serve` replicas on one Postgres: no stickiness, sessions served
 * by any replica, and a SIGTERM drain that nginx — without an active health check — rides out by
 * retrying refused connections, never by re-sending a POST (one call may be lost: see the test).
 */
describe('three replicas behind nginx without stickiness', () => {
  let lb: Replicas;
  let sql: pg.Client;

  beforeAll(async () => {
    lb = await startReplicas({
      balancer: 'nginx',
      config: everythingAndMutable,
      server: 'drainDelay: 6s, shutdownGrace: 20s',
    });
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('runs the documented block: round-robin, no stickiness, no re-sent POST, section 4 location', async () => {
    const block = deployNginxLbBlock();
    expect(block).not.toMatch(/^\s*(ip_hash|hash|sticky|least_conn|random)\b/m);
    const next = /^\s*proxy_next_upstream\s+([^;]+);/m.exec(block)?.[1] ?? '';
    expect(next.split(/\s+/)).toContain('error');
    expect(next).not.toContain('non_idempotent');
    // One connection per request: none is reused into a stopping replica's refusing phase.
    expect(block).not.toMatch(/^\s*keepalive\s/m);
    // The same public paths as the single-gateway block of section 4.
    const locationOf = (b: string) => /^\s*location\s+(.*)\{/m.exec(b)?.[1];
    expect(locationOf(block)).toBe(locationOf(deployNginxBlocks()[0]!));
    // Only the listener, certificate and server addresses change for the test.
    const urls = lb.replicas.map((r) => r.url);
    const rendered = nginxLbConfigFor(block, 8443, urls);
    const changed = (l: string) => /^\s*(listen|ssl_certificate(_key)?|server\s+[\d.]+:)\s*/.test(l);
    expect(rendered.split('\n').filter((l) => !changed(l))).toEqual(
      block.split('\n').filter((l) => !changed(l)),
    );
    for (const p of ['/healthz', '/readyz', '/metrics'])
      expect((await fetch(`${lb.url}${p}`)).status).toBe(404);
  });

  it("serves a legacy session's 60 calls from several replicas with its GET stream open", async () => {
    const client = newClient('legacy');
    let heard = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void heard++);
    const transport = new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`));
    await client.connect(transport);
    const sid = transport.sessionId!;
    expect(sid).toBeTruthy();
    for (let i = 0; i < 60; i++) {
      const r = await client.callTool({ name: 'ev__echo', arguments: { message: `ngx ${i}` } });
      expect(textOf(r)).toContain(`ngx ${i}`);
    }
    // The GET stream is open through nginx: a list change comes down it.
    await client.callTool({ name: 'mu__set_description', arguments: { tool: 'filler_1', description: 'x' } });
    await waitFor(() => heard >= 1 || undefined, 30_000, 'the list change on the GET stream');

    // Each replica writes its own audit chain: the calls were spread over several.
    const idHash = createHash('sha256').update(sid).digest('hex');
    const row = await sql.query<{ session_id: string }>(
      'SELECT session_id FROM mcpgate_http_sessions WHERE id_hash = $1',
      [idHash],
    );
    const chains = await sql.query<{ chain_id: string; n: number }>(
      `SELECT chain_id, count(*)::int AS n FROM events WHERE session_id = $1 AND type = 'call.request'
       GROUP BY chain_id`,
      [row.rows[0]!.session_id],
    );
    expect(chains.rows.length).toBeGreaterThan(1);
    expect(chains.rows.reduce((a, r) => a + r.n, 0)).toBeGreaterThanOrEqual(61);
    await client.close();
  }, 120_000);

  it('serves a 2026-07-28 client', async () => {
    const client = newClient('modern');
    await client.connect(new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`)));
    for (let i = 0; i < 9; i++) {
      const r = await client.callTool({ name: 'ev__echo', arguments: { message: `modern ${i}` } });
      expect(textOf(r)).toContain(`modern ${i}`);
    }
    await client.close();
  }, 60_000);

  it("runs no call twice, and loses at most the requests in flight at the listener's close, while a replica drains on SIGTERM", async () => {
    const clients: Client[] = [];
    for (let i = 0; i < 2; i++) {
      const c = newClient('legacy');
      await c.connect(new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`)));
      clients.push(c);
    }
    const modern = newClient('modern');
    await modern.connect(new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`)));
    const answered: string[] = [];
    const failures: string[] = [];
    let seq = 0;
    let running = true;
    const loop = async (c: Client, label: string): Promise<void> => {
      while (running) {
        const message = `drain-${label}-${seq++}`;
        try {
          const r = await c.callTool({ name: 'ev__echo', arguments: { message } });
          if (textOf(r).includes(message)) answered.push(message);
          else failures.push(`${message}: wrong answer ${textOf(r)}`);
        } catch (err) {
          failures.push(`${message}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    const load = Promise.all([...clients.map((c, i) => loop(c, `l${i}`)), loop(modern, 'm')]);
    await waitFor(() => answered.length >= 30 || undefined, 60_000, '30 calls before the SIGTERM');
    const stopping = lb.replicas[0]!;
    const t0 = Date.now();
    const code = await stopping.stop('SIGTERM');
    const drainedMs = Date.now() - t0;
    expect(code, stopping.stderr.slice(-20).join('\n')).toBe(0);
    const msgs = stopping.stderr.map((l) => (JSON.parse(l) as { msg: string }).msg);
    const unready = msgs.indexOf('draining: /readyz answers 503 until this replica stops');
    const closed = msgs.indexOf('draining: no longer accepting connections');
    expect(unready, msgs.slice(-15).join('\n')).toBeGreaterThanOrEqual(0);
    expect(closed).toBeGreaterThan(unready);
    const before = answered.length;
    await waitFor(() => answered.length >= before + 60 || undefined, 60_000, '60 calls after the stop');
    running = false;
    await load;
    // nginx tried the stopped replica, was refused, and passed the request on.
    const refused = lb.haproxyLog.filter((l) => /Connection refused/.test(l));
    console.log(
      `nginx drain: ${answered.length + failures.length} calls, ${failures.length} failed ` +
        `(${failures.map((f) => /502 Bad Gateway/.exec(f)?.[0] ?? f.slice(0, 60)).join(', ')}); ` +
        `drain took ${drainedMs} ms; ${refused.length} refused connections retried`,
    );
    // nginx has no health check to stop sending before the listener closes: a request on a
    // connection opened in that instant gets the gateway's 503 (nginx does not retry a POST) or
    // a reset (502) — before anything ran. docs/deploy.md states it. That instant can catch at
    // most the one request each of the three clients has in flight; about one run in fifteen
    // loses one call so, and once two (both 502). Anything else, or more, fails the test.
    const known = /gateway is shutting down|502 Bad Gateway/;
    expect(
      failures.filter((f) => !known.test(f)),
      lb.haproxyLog.slice(-10).join('\n'),
    ).toEqual([]);
    expect(failures.length, failures.join('\n')).toBeLessThanOrEqual(3);
    // The stop happened while nginx was sending to that replica: it met the closed listener
    // (refused, retried) or a connection reset in the closing instant (502, after which nginx
    // sets the replica aside for fail_timeout and may never meet the refusal).
    const resets = failures.filter((f) => /502 Bad Gateway/.test(f)).length;
    expect(refused.length + resets).toBeGreaterThanOrEqual(1);
    // Every answered call has exactly one request record: none ran twice.
    const recorded = await sql.query<{ body: string }>(
      `SELECT body::text AS body FROM events WHERE type = 'call.request' AND body::text LIKE '%drain-%'`,
    );
    const count = new Map<string, number>();
    for (const row of recorded.rows)
      for (const m of new Set(row.body.match(/drain-[lm]\d*-\d+/g) ?? []))
        count.set(m, (count.get(m) ?? 0) + 1);
    expect(answered.filter((m) => count.get(m) !== 1)).toEqual([]);
    await Promise.allSettled([...clients, modern].map((c) => c.close()));
  }, 180_000);
});
