import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { SSEClientTransport, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort } from '@mcpgate/testkit';
import { CLI, textOf, waitFor } from './support.js';
import { newClient } from './http-support.js';
import { startReplicas, type Replicas } from './replicas-support.js';

/**
 * Scale-out for the two kinds of HTTP session that used to stay on one replica: the legacy
 * HTTP+SSE transport (its `/messages` POSTs reach any replica and are handed to the one holding
 * the `/sse` stream) and a principal's modern (2026-07-28) gateway session (one session record
 * whichever replicas serve it). Three replicas behind docs/deploy.md's HAProxy config.
 */
const PEPPER = 'replicas-sse-modern-pepper-0123456789abcdef012';
const env = { PEPPER };

function createKey(config: string, name: string): string {
  const r = spawnSync(process.execPath, [CLI, 'keys', 'create', '--name', name, '--config', config], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(r.stdout)![0];
}

/** A fetch that presents `key` on every request (the event stream and the POSTs alike). */
function fetchAs(key: string): typeof fetch {
  return (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${key}`);
    return fetch(input, { ...init, headers });
  };
}

/** `/messages` POSTs each replica answered with `status`, from its own /metrics. */
async function messagesAnswered(lb: Replicas, status: number): Promise<number[]> {
  return Promise.all(
    lb.replicas.map(async (r) => {
      const text = await (await fetch(`${r.url}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (l) =>
            l.startsWith('mcpgate_http_requests_total{') &&
            l.includes('route="/messages"') &&
            l.includes(`status="${status}"`),
        );
      return line ? Number(line.split(' ').pop()) : 0;
    }),
  );
}

/** A raw `GET /sse` stream: its session's POST URL, and the JSON-RPC messages it carries. */
async function openSse(
  url: string,
  key: string,
): Promise<{ endpoint: string; messages: unknown[]; close: () => void }> {
  const abort = new AbortController();
  const res = await fetch(`${url}/sse`, {
    headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' },
    signal: abort.signal,
  });
  expect(res.status).toBe(200);
  const messages: unknown[] = [];
  let endpoint: string | undefined;
  let buffer = '';
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1];
        const data = /^data: (.*)$/m.exec(frame)?.[1];
        if (event === 'endpoint' && data) endpoint = data;
        else if (data) messages.push(JSON.parse(data));
      }
    }
  })();
  await waitFor(() => endpoint, 10_000, 'the endpoint event');
  return { endpoint: endpoint!, messages, close: () => abort.abort() };
}

const post = (url: string, key: string, body: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('HTTP+SSE sessions and modern sessions across replicas', () => {
  let lb: Replicas;
  let sql: pg.Client;
  let alice: string;
  let mallory: string;

  beforeAll(async () => {
    const port = await freePort();
    lb = await startReplicas({
      port,
      env,
      server: 'sessionIdleTimeout: 4s',
      config: (base) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
${base}
policy: { default: allow }
auth:
  mode: oauth
  resource: http://127.0.0.1:${port}/mcp
  apiKeys: { enabled: true, pepper: "\${env:PEPPER}" }
`,
    });
    alice = createKey(lb.configs[0]!, 'alice');
    mallory = createKey(lb.configs[0]!, 'mallory');
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('answers 50 calls of an SDK HTTP+SSE client whose POSTs land on several replicas', async () => {
    const before = await messagesAnswered(lb, 202);
    const client = newClient('legacy');
    await client.connect(new SSEClientTransport(new URL(`${lb.url}/sse`), { fetch: fetchAs(alice) }));
    for (let i = 0; i < 50; i++) {
      const r = await client.callTool({ name: 'ev__echo', arguments: { message: `sse ${i}` } });
      expect(textOf(r)).toBe(`Echo: sse ${i}`);
    }
    const after = await messagesAnswered(lb, 202);
    const accepted = after.map((n, i) => n - before[i]!);
    // initialize, initialized, 50 calls: every POST was accepted by some replica …
    expect(accepted.reduce((a, n) => a + n, 0)).toBeGreaterThanOrEqual(52);
    // … and the balancer spread them: the replicas not holding the stream handed theirs over.
    expect(accepted.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);

    // One session, served (and audited) by the replica holding the stream only.
    const row = await sql.query<{ session_id: string; pinned_to: string }>(
      `SELECT session_id, pinned_to FROM mcpgate_http_sessions WHERE kind = 'sse' AND ended_at IS NULL`,
    );
    expect(row.rows).toHaveLength(1);
    const { session_id: sessionId, pinned_to: holderTag } = row.rows[0]!;
    const holder = lb.ids[lb.tags.indexOf(holderTag)]!;
    const chains = await sql.query<{ chain_id: string; n: number }>(
      `SELECT chain_id, count(*)::int AS n FROM events WHERE session_id = $1 AND type = 'call.request'
       GROUP BY chain_id`,
      [sessionId],
    );
    expect(chains.rows).toHaveLength(1);
    expect(chains.rows[0]!.chain_id.startsWith(`${holder}:`)).toBe(true);
    expect(chains.rows[0]!.n).toBe(50);
    await client.close();
    // The stream's end ends the row (no replica forwards to it any more), recorded once. The
    // balancer tells the replica the client left when the next keep-alive comment (15 s) bounces.
    await waitFor(async () => {
      const r = await sql.query(
        `SELECT 1 FROM mcpgate_http_sessions WHERE session_id = $1 AND ended_at IS NOT NULL`,
        [sessionId],
      );
      return r.rowCount ? true : undefined;
    }, 45_000);
    const ended = async () =>
      (await sql.query(`SELECT 1 FROM events WHERE type = 'session.ended' AND session_id = $1`, [sessionId]))
        .rowCount;
    await waitFor(async () => ((await ended()) ? true : undefined), 10_000, 'the end record');
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await ended()).toBe(1);
  }, 240_000);

  it("refuses another identity's POST on every replica (404, security.session_hijack) and keeps the session", async () => {
    const stream = await openSse(lb.url, alice);
    const target = `${lb.url}${stream.endpoint}`;
    const wireId = new URL(target).searchParams.get('sessionId')!;
    const owner = await sql.query<{ pinned_to: string; session_id: string }>(
      'SELECT pinned_to, session_id FROM mcpgate_http_sessions WHERE id_hash = $1',
      [createHash('sha256').update(wireId).digest('hex')],
    );
    const holder = lb.ids[lb.tags.indexOf(owner.rows[0]!.pinned_to)]!;
    // Straight to each replica: the holder refuses from memory, the others from the stored row.
    for (const r of lb.replicas) {
      const stolen = await post(`${r.url}${stream.endpoint}`, mallory, {
        jsonrpc: '2.0',
        id: 9,
        method: 'ping',
      });
      expect(stolen.status).toBe(404);
    }
    const hijacks = await waitFor(async () => {
      const r = await sql.query<{ subject: string; body: string; chain_id: string }>(
        `SELECT subject, body, chain_id FROM events WHERE type = 'security.session_hijack'`,
      );
      const replicas = new Set(r.rows.map((x) => x.chain_id.split(':')[0]));
      return replicas.size === lb.replicas.length ? r.rows : undefined;
    }, 20_000);
    for (const h of hijacks) {
      expect(h.subject).toBe('key:mallory');
      expect(JSON.parse(h.body)).toMatchObject({ owner: 'key:alice', transport: 'sse' });
    }
    expect(hijacks.some((h) => !h.chain_id.startsWith(`${holder}:`))).toBe(true);
    // Nothing of Mallory's reached the stream; Alice's own POSTs, on every replica, do.
    for (const [i, r] of lb.replicas.entries()) {
      const own = await post(`${r.url}${stream.endpoint}`, alice, {
        jsonrpc: '2.0',
        id: 100 + i,
        method: 'ping',
      });
      expect(own.status).toBe(202);
    }
    await waitFor(() => (stream.messages.length >= lb.replicas.length ? true : undefined), 10_000);
    expect(stream.messages.map((m) => (m as { id: number }).id).sort()).toEqual(
      lb.replicas.map((_, i) => 100 + i),
    );
    stream.close();
  }, 120_000);

  it("records one session for a principal's modern calls served by three replicas, and ends it once", async () => {
    const started = async (): Promise<Array<{ session_id: string; chain_id: string }>> =>
      (
        await sql.query<{ session_id: string; chain_id: string }>(
          `SELECT session_id, chain_id FROM events WHERE type = 'session.started' AND subject = 'key:alice'
           AND body LIKE '%"era":"modern"%'`,
        )
      ).rows;
    expect(await started()).toHaveLength(0);
    const client = newClient('modern');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
      }),
    );
    // A probe opens nothing: server/discover, on each replica in turn.
    for (let i = 0; i < lb.replicas.length; i++) {
      expect((await client.discover()).supportedVersions).toContain('2026-07-28');
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await started()).toHaveLength(0);
    expect((await sql.query(`SELECT 1 FROM mcpgate_http_sessions WHERE kind = 'modern'`)).rowCount).toBe(0);
    for (let i = 0; i < 30; i++) {
      const r = await client.callTool({ name: 'ev__echo', arguments: { message: `modern ${i}` } });
      expect(textOf(r)).toBe(`Echo: modern ${i}`);
    }
    await client.close();
    const starts = await started();
    expect(starts).toHaveLength(1);
    const sessionId = starts[0]!.session_id;
    // Every call carries that one session, and they were served by all three replicas.
    const chains = await sql.query<{ chain_id: string }>(
      `SELECT DISTINCT chain_id FROM events WHERE type = 'call.request' AND session_id = $1`,
      [sessionId],
    );
    expect(new Set(chains.rows.map((r) => r.chain_id.split(':')[0])).size).toBe(lb.replicas.length);
    // Alice's calls outside her HTTP+SSE sessions all belong to that one modern session.
    const sessions = await sql.query<{ session_id: string }>(
      `SELECT DISTINCT session_id FROM events WHERE type = 'call.request' AND subject = 'key:alice'
       AND session_id NOT IN (SELECT session_id FROM mcpgate_http_sessions WHERE kind = 'sse')`,
    );
    expect(sessions.rows.map((r) => r.session_id)).toEqual([sessionId]);
    // Idle on every replica for sessionIdleTimeout (4 s): ended, and recorded by one replica only.
    const ended = async () =>
      (await sql.query(`SELECT 1 FROM events WHERE type = 'session.ended' AND session_id = $1`, [sessionId]))
        .rowCount;
    await waitFor(async () => ((await ended()) ? true : undefined), 30_000, 'the idle modern session to end');
    // Each replica sweeps every 2 s; give all of them a few rounds to (not) record it again.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await ended()).toBe(1);

    // The principal comes back: a new session, again one record.
    const again = newClient('modern');
    await again.connect(
      new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
      }),
    );
    for (let i = 0; i < 6; i++)
      await again.callTool({ name: 'ev__echo', arguments: { message: `back ${i}` } });
    await again.close();
    const restarted = await started();
    expect(restarted).toHaveLength(2);
    expect(restarted.map((r) => r.session_id)).toContain(sessionId);
  }, 180_000);

  it('answers 404 for an HTTP+SSE session whose stream replica died, on the others', async () => {
    const stream = await openSse(lb.url, alice);
    const wireId = new URL(`${lb.url}${stream.endpoint}`).searchParams.get('sessionId')!;
    const owner = await sql.query<{ pinned_to: string }>(
      'SELECT pinned_to FROM mcpgate_http_sessions WHERE id_hash = $1',
      [createHash('sha256').update(wireId).digest('hex')],
    );
    const holder = lb.tags.indexOf(owner.rows[0]!.pinned_to);
    await lb.replicas[holder]!.stop('SIGKILL');
    stream.close();
    for (const [i, r] of lb.replicas.entries()) {
      if (i === holder) continue;
      const t0 = Date.now();
      const res = await post(`${r.url}${stream.endpoint}`, alice, { jsonrpc: '2.0', id: 1, method: 'ping' });
      expect(res.status).toBe(404);
      // Within the forwarding timeout (5 s), not a hung request.
      expect(Date.now() - t0).toBeLessThan(15_000);
    }
  }, 120_000);
});

/** Upstream processes (server-everything) a replica runs now: its children running that script. */
function upstreamProcesses(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean);
  return children.filter((c) => {
    try {
      return readFileSync(`/proc/${c}/cmdline`, 'utf8').includes(everythingBin());
    } catch {
      return false; // exited meanwhile
    }
  }).length;
}

describe('a modern session on replicas with a per-session upstream', () => {
  let lb: Replicas;
  let sql: pg.Client;
  let alice: string;

  beforeAll(async () => {
    const port = await freePort();
    lb = await startReplicas({
      count: 2,
      port,
      env,
      config: (base) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
    sharing: per-session
${base}
policy: { default: allow }
auth:
  mode: oauth
  resource: http://127.0.0.1:${port}/mcp
  apiKeys: { enabled: true, pepper: "\${env:PEPPER}" }
`,
    });
    alice = createKey(lb.configs[0]!, 'alice');
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('is still one session record; each replica serving it runs its own upstream process', async () => {
    const pids = lb.replicas.map((r) => r.child.pid!);
    const before = pids.map(upstreamProcesses);
    const client = newClient('modern');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${lb.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${alice}` } },
      }),
    );
    for (let i = 0; i < 10; i++) {
      const r = await client.callTool({ name: 'ev__echo', arguments: { message: `pinned ${i}` } });
      expect(textOf(r)).toBe(`Echo: pinned ${i}`);
    }
    await client.close();
    // Each replica started a process of its own for the principal's session.
    const after = pids.map(upstreamProcesses);
    after.forEach((n, i) => expect(n).toBeGreaterThan(before[i]!));
    const started = await sql.query<{ session_id: string }>(
      `SELECT session_id FROM events WHERE type = 'session.started' AND subject = 'key:alice'`,
    );
    expect(started.rows).toHaveLength(1);
    const chains = await sql.query<{ chain_id: string }>(
      `SELECT DISTINCT chain_id FROM events WHERE type = 'call.request' AND session_id = $1`,
      [started.rows[0]!.session_id],
    );
    expect(new Set(chains.rows.map((r) => r.chain_id.split(':')[0])).size).toBe(2);
  }, 120_000);
});
