import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Client } from '@modelcontextprotocol/client';
import { SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLI, textOf, waitFor, writeConfig } from './support.js';
import { newClient, rawInitialize, startServe, type ServeProcess } from './http-support.js';

/**
 * `serve --workers 2` on Postgres: two processes behind one port (node:cluster, the kernel's
 * round-robin), each a replica with its own audit chain (`wk.w1`, `wk.w2`). Which worker served a
 * call is read from the chain of its request record.
 */
const upstream = `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
policy: { default: allow }
`;

function lines(gw: ServeProcess, msg: string): Array<Record<string, unknown>> {
  return gw.stderr
    .filter((l) => l.includes(msg))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((o) => o.msg === msg);
}

/** One tools/call in legacy session `sid` on a connection of its own (no keep-alive pool). */
function rawCall(url: string, sid: string, message: string): Promise<string> {
  const body = JSON.stringify({
    jsonrpc: '2.0',
    id: 2,
    method: 'tools/call',
    params: { name: 'ev__echo', arguments: { message } },
  });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/mcp`,
      {
        method: 'POST',
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': sid,
          'mcp-protocol-version': '2025-06-18',
          connection: 'close',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve(`${res.statusCode} ${text}`));
      },
    );
    req.once('error', reject);
    req.end(body);
  });
}

async function connect(url: string): Promise<Client> {
  const c = newClient('legacy');
  await c.connect(new StreamableHTTPClientTransport(new URL(`${url}/mcp`)));
  return c;
}

/** Runs `total` echo calls over `clients`, `inFlight` at a time each; `onAnswer` sees each answer. */
async function load(
  clients: readonly Client[],
  inFlight: number,
  total: number,
  prefix: string,
  onAnswer: (answered: number) => void = () => undefined,
): Promise<{ answered: string[]; failed: number }> {
  const answered: string[] = [];
  let failed = 0;
  let next = 0;
  await Promise.all(
    clients.flatMap((c) =>
      Array.from({ length: inFlight }, async () => {
        while (next < total) {
          const message = `${prefix}-${next++}`;
          onAnswer(answered.length);
          let r;
          try {
            r = await c.callTool({ name: 'ev__echo', arguments: { message } });
          } catch {
            failed++;
            continue;
          }
          expect(textOf(r)).toContain(message);
          answered.push(message);
        }
      }),
    ),
  );
  return { answered, failed };
}

/**
 * fetch for the SDK's HTTP+SSE client whose POSTs each take a connection of their own, so the
 * kernel deals them to both workers (a keep-alive pool would send them all down one connection).
 */
async function ownConnectionFetch(url: string | URL, init?: RequestInit): Promise<Response> {
  if ((init?.method ?? 'GET') !== 'POST') return fetch(url, init);
  const headers: Record<string, string> = { connection: 'close' };
  new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
  return new Promise((resolve, reject) => {
    const req = request(String(url), { method: 'POST', agent: false, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
    });
    req.on('error', reject);
    req.end(typeof init?.body === 'string' ? init.body : undefined);
  });
}

/** `/messages` POSTs each worker answered 202, from the merged /metrics. */
async function messagesAccepted(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^mcpgate_http_requests_total\{([^}]*)\} (\d+)/gm)) {
    const labels = m[1]!;
    if (!labels.includes('route="/messages"') || !labels.includes('status="202"')) continue;
    const worker = /worker="(\d+)"/.exec(labels)?.[1] ?? '?';
    out.set(worker, (out.get(worker) ?? 0) + Number(m[2]));
  }
  return out;
}

describe('serve --workers 2 on Postgres', () => {
  let db: PgDatabase;
  let sql: pg.Client;
  let gw: ServeProcess;
  let config: string;

  /** Replica id (`wk.w1`) of the chain that recorded each call.request whose body has `prefix-N`. */
  async function servedBy(prefix: string): Promise<Map<string, string>> {
    const r = await sql.query<{ chain_id: string; body: string }>(
      `SELECT chain_id, body::text AS body FROM events WHERE type = 'call.request' AND body::text LIKE $1`,
      [`%${prefix}-%`],
    );
    const out = new Map<string, string>();
    for (const row of r.rows)
      for (const m of row.body.match(new RegExp(`${prefix}-\\d+`, 'g')) ?? [])
        out.set(m, row.chain_id.split(':')[0]!);
    return out;
  }

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_workers' });
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    config = writeConfig(`${upstream}
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key, replicaId: wk }
server: { port: 0, workers: 2 }
`);
    gw = await startServe(config, {}, ['--workers', '2'], 120_000);
  }, 180_000);
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await sql?.end();
    await db?.drop();
  });

  it('starts two workers on one port and says so in one line', async () => {
    expect(lines(gw, 'starting 2 workers on one port (--workers: 2)')).toHaveLength(1);
    // Each worker writes its own lines to the shared stderr: they may arrive after the primary's.
    const serving = await waitFor(
      () => {
        const l = [...lines(gw, 'worker 1 serving'), ...lines(gw, 'worker 2 serving')];
        return l.length === 2 ? l : undefined;
      },
      10_000,
      'both workers to log "serving"',
    );
    expect(serving.map((l) => l.replicaId).sort()).toEqual(['wk.w1', 'wk.w2']);
    expect(new Set(serving.map((l) => l.url))).toEqual(new Set([gw.url]));
    // "listening on" comes once, from the primary, when both are up.
    const listening = gw.stderr.filter((l) => l.includes('"msg":"listening on'));
    expect(listening).toHaveLength(1);
    expect(JSON.parse(listening[0]!)).toMatchObject({ workers: 2, pid: gw.child.pid });
  });

  it('serves one legacy session from both workers', async () => {
    const c = await connect(gw.url);
    try {
      // 4 in flight: the client opens several connections, and the kernel deals them out.
      const { answered, failed } = await load([c], 4, 100, 'one');
      expect(failed).toBe(0);
      expect(answered).toHaveLength(100);
      const by = await servedBy('one');
      expect(answered.filter((m) => !by.has(m))).toEqual([]);
      expect(new Set(by.values())).toEqual(new Set(['wk.w1', 'wk.w2']));
    } finally {
      await c.close();
    }
  }, 120_000);

  it('serves an HTTP+SSE client whose POSTs reach either worker', async () => {
    const before = await messagesAccepted(gw.url);
    const c = newClient('legacy');
    await c.connect(new SSEClientTransport(new URL(`${gw.url}/sse`), { fetch: ownConnectionFetch }));
    try {
      for (let i = 0; i < 30; i++) {
        const r = await c.callTool({ name: 'ev__echo', arguments: { message: `sse-${i}` } });
        expect(textOf(r)).toBe(`Echo: sse-${i}`);
      }
    } finally {
      await c.close();
    }
    const after = await messagesAccepted(gw.url);
    const took = [...after].map(([w, n]) => [w, n - (before.get(w) ?? 0)] as const);
    // initialize, initialized and 30 calls, accepted by both workers: the one not holding the
    // stream handed its POSTs over (decision 0004).
    expect(took.reduce((a, [, n]) => a + n, 0)).toBeGreaterThanOrEqual(32);
    expect(
      took
        .filter(([, n]) => n > 0)
        .map(([w]) => w)
        .sort(),
    ).toEqual(['1', '2']);
  }, 120_000);

  it('answers /metrics with every worker, each labelled', async () => {
    for (let i = 0; i < 4; i++) {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      expect(text).toMatch(/^mcpgate_calls_total\{worker="1",/m);
      expect(text).toMatch(/^mcpgate_calls_total\{worker="2",/m);
      expect(text.match(/^# TYPE mcpgate_calls_total counter$/gm)).toHaveLength(1);
      expect(text).toMatch(/^mcpgate_audit_lag_seconds\{worker="2"\} /m);
    }
  });

  it('restarts a worker killed under load; sessions go on; every answered call was recorded', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(gw.url)));
    const victim = lines(gw, 'worker 2 serving').at(-1)!.pid as number;
    let killed = false;
    const { answered, failed } = await load(clients, 4, 400, 'crash', (n) => {
      if (!killed && n >= 100) {
        killed = true;
        process.kill(victim, 'SIGKILL');
      }
    });
    expect(killed).toBe(true);
    // Only calls running on the dead worker, or sent on its connections, may fail.
    expect(failed).toBeLessThanOrEqual(16);
    expect(answered.length).toBe(400 - failed);
    await waitFor(
      () => (lines(gw, 'worker 2 restarted').length > 0 ? true : undefined),
      60_000,
      'worker 2 restart',
    );
    expect(lines(gw, 'worker 2 died (signal SIGKILL); restarting it in 0.5s')).toHaveLength(1);
    const again = lines(gw, 'worker 2 serving').at(-1)!;
    expect(again.pid).not.toBe(victim);
    expect(again.replicaId).toBe('wk.w2');
    // Every session goes on, on whichever worker its next connection reaches.
    for (const [i, c] of clients.entries()) {
      const r = await c.callTool({ name: 'ev__echo', arguments: { message: `after-${i}` } });
      expect(textOf(r)).toContain(`after-${i}`);
    }
    // No answered call without its request record (committed before the upstream saw it).
    const by = await servedBy('crash');
    expect(answered.filter((m) => !by.has(m))).toEqual([]);
    // The restarted worker serves too: one session, each request on a new connection, so the
    // kernel deals them out to both workers in turn.
    const sid = await rawInitialize(gw.url);
    for (let i = 0; i < 10; i++) expect(await rawCall(gw.url, sid, `fresh-${i}`)).toContain(`fresh-${i}`);
    const chains = await sql.query<{ chain_id: string }>(
      `SELECT DISTINCT chain_id FROM events WHERE type = 'call.request' AND body::text LIKE '%fresh-%'`,
    );
    expect(chains.rows.map((r) => r.chain_id).sort()).toEqual(['wk.w1:1', 'wk.w2:2']);
    await Promise.allSettled(clients.map((c) => c.close()));
  }, 240_000);

  it('passes SIGHUP on: every worker reloads the config', async () => {
    gw.child.kill('SIGHUP');
    const workers = await waitFor(
      () => {
        const w = new Set(lines(gw, 'config reloaded').map((l) => l.worker));
        return w.size === 2 ? w : undefined;
      },
      30_000,
      'both workers to reload',
    );
    expect(workers).toEqual(new Set([1, 2]));
  }, 60_000);

  it('drains both workers on SIGTERM, exits 0, and the audit trail verifies', async () => {
    const c = await connect(gw.url);
    const calls = Array.from({ length: 8 }, (_, i) =>
      c.callTool({ name: 'ev__echo', arguments: { message: `drain-${i}` } }),
    );
    // Both workers have the requests (a session's POSTs spread over its connections) before the stop.
    await new Promise((r) => setTimeout(r, 50));
    const code = await gw.stop('SIGTERM');
    const results = await Promise.allSettled(calls);
    expect(code).toBe(0);
    // Calls already in flight were answered, not cut.
    for (const r of results) if (r.status === 'fulfilled') expect(textOf(r.value)).toMatch(/drain-\d/);
    expect(lines(gw, 'stopped').filter((l) => l.worker !== undefined)).toHaveLength(2);
    expect(lines(gw, 'stopped').filter((l) => l.pid === gw.child.pid)).toHaveLength(1);
    await c.close().catch(() => undefined);
    const verify = spawnSync(process.execPath, [CLI, 'audit', 'verify', '--config', config], {
      encoding: 'utf8',
    });
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    // Every chain was verified: both workers', the killed one's and its successor's.
    const writers = (await sql.query<{ chain_id: string }>('SELECT chain_id FROM audit_writers')).rows.map(
      (r) => r.chain_id,
    );
    expect(writers).toEqual(expect.arrayContaining(['wk.w1:1', 'wk.w2:1', 'wk.w2:2']));
    expect(verify.stdout).toContain(` records in ${writers.length} chain(s)`);
  }, 120_000);
});

describe('when workers cannot be shared', () => {
  it('refuses workers: 2 on the embedded store, saying why', () => {
    const config = writeConfig(`${upstream}
server: { port: 0, workers: 2 }
`);
    const r = spawnSync(process.execPath, [CLI, 'serve', '--config', config], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'mcpgate serve: server.workers is 2, but only 1 worker is possible: the embedded store can be opened by one process only; several workers need store.url (PostgreSQL); set server.workers to 1 or auto',
    );
  });

  it('runs auto as one in-process worker on the embedded store', async () => {
    const config = writeConfig(`${upstream}
server: { port: 0, workers: auto }
`);
    const gw = await startServe(config, {}, ['--workers', 'auto'], 120_000);
    try {
      expect(gw.stderr.some((l) => l.includes('workers on one port'))).toBe(false);
      const listening = JSON.parse(gw.stderr.find((l) => l.includes('"msg":"listening on'))!) as {
        pid: number;
      };
      expect(listening.pid).toBe(gw.child.pid);
      const c = await connect(gw.url);
      const r = await c.callTool({ name: 'ev__echo', arguments: { message: 'solo' } });
      expect(textOf(r)).toContain('solo');
      await c.close();
    } finally {
      expect(await gw.stop('SIGTERM')).toBe(0);
    }
  }, 180_000);

  it('fails at once, before forking, when the port is taken', async () => {
    const db = await pgSchema({ prefix: 'mcpgate_workers_port' });
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((r) => taken.listen(port, '127.0.0.1', r));
    try {
      const config = writeConfig(`${upstream}
store: { url: ${JSON.stringify(db.url)} }
server: { port: ${port}, workers: 2 }
`);
      const r = spawnSync(process.execPath, [CLI, 'serve', '--config', config], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`127.0.0.1:${port} is already in use`);
      expect(r.stderr).not.toContain('starting 2 workers');
    } finally {
      taken.close();
      await db.drop();
    }
  });

  it('exits non-zero when a worker cannot start', async () => {
    // Nothing listens on this port: the first worker cannot open the store.
    const dead = await freePort();
    const config = writeConfig(`${upstream}
store: { url: "postgres://postgres@127.0.0.1:${dead}/nothing" }
audit: { signingKeyFile: ./audit-signing.key }
server: { port: 0, workers: 2 }
`);
    const r = spawnSync(process.execPath, [CLI, 'serve', '--config', config], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('starting 2 workers on one port (server.workers: 2)');
    expect(r.stderr).toContain(
      'mcpgate serve: worker 1 exited with code 1 before it was ready (its error is above); stopping',
    );
  }, 120_000);
});
