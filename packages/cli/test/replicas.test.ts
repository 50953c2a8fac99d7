import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textOf, waitFor } from './support.js';
import { newClient, rawInitialize } from './http-support.js';
import {
  deployHaproxyBlock,
  everythingAndMutable,
  HAPROXY,
  haproxyConfigFor,
  logged,
  startReplicas,
  type Replicas,
} from './replicas-support.js';

/**
 * Scale-out: three `mcpgate serve` replicas on one Postgres behind HAProxy (docs/deploy.md's
 * config: round-robin, no stickiness). Every request of a session may reach another replica.
 */
describe('three replicas behind a load balancer without stickiness', () => {
  let lb: Replicas;
  let sql: pg.Client;

  beforeAll(async () => {
    lb = await startReplicas({
      config: everythingAndMutable,
    });
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);

  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('runs the documented HAProxy config: round-robin, no stickiness, /readyz checks', async () => {
    const block = deployHaproxyBlock();
    expect(block).toMatch(/^\s*balance roundrobin$/m);
    expect(block).toMatch(/option httpchk GET \/readyz/);
    expect(block).not.toMatch(/^\s*(cookie|stick|hash-type|balance (source|hdr|uri))/m);
    // What the tests run is the documented block with only its addresses changed …
    const urls = lb.replicas.map((r) => r.url);
    const rendered = haproxyConfigFor(block, 8443, urls);
    const changed = (l: string) => /^\s*(bind|server)\s/.test(l);
    expect(rendered.split('\n').filter((l) => !changed(l))).toEqual(
      block.split('\n').filter((l) => !changed(l)),
    );
    expect(rendered.split('\n').filter((l) => /^\s*server\s/.test(l))).toHaveLength(urls.length);
    // … and HAProxy accepts the documented block as it is (certificate path aside).
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-haproxy-check-'));
    writeFileSync(join(dir, 'doc.cfg'), block.replace(/ ssl crt \S+/, ''));
    const check = spawnSync(HAPROXY, ['-c', '-f', join(dir, 'doc.cfg')], { encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
    // Probes and metrics stay internal; each replica answers them itself.
    for (const p of ['/healthz', '/readyz', '/metrics'])
      expect((await fetch(`${lb.url}${p}`)).status).toBe(404);
    for (const r of lb.replicas) expect((await fetch(`${r.url}/readyz`)).status).toBe(200);
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
    // A client that stays connected costs no resumption write.
    const spilled = await sql.query('SELECT 1 FROM mcpgate_stream_events WHERE session_hash = $1', [idHash]);
    expect(spilled.rowCount).toBe(0);
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

  it("resumes a call's dropped POST stream through another replica (Last-Event-ID)", async () => {
    const sid = await rawInitialize(lb.url);
    await post(lb.url, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const abort = new AbortController();
    const res = await fetch(`${lb.url}/mcp`, {
      method: 'POST',
      headers: headers(sid),
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: {
          name: 'ev__trigger-long-running-operation',
          arguments: { duration: 3, steps: 3 },
          _meta: { progressToken: 'p7' },
        },
      }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const sse = new SseReader(res.body!);
    // Read up to the first progress event, then drop the connection mid-call.
    let last: SseEvent;
    do last = await sse.next();
    while (!last.data.includes('notifications/progress'));
    abort.abort();
    const owner = lb.tags.indexOf(last.id.split('.')[0]!);
    expect(owner).toBeGreaterThanOrEqual(0);
    const other = lb.replicas[(owner + 1) % lb.replicas.length]!;
    const resumed = await fetch(`${other.url}/mcp`, {
      headers: { ...headers(sid), 'last-event-id': last.id },
    });
    expect(resumed.status, await peek(resumed)).toBe(200);
    const rest = await new SseReader(resumed.body!).all();
    const result = rest.find((e) => e.data.includes('"id":7'));
    expect(result?.data).toMatch(/completed/i);
    expect(rest.filter((e) => e.data.includes('notifications/progress')).length).toBeGreaterThanOrEqual(1);
    // Nothing the client already had is sent again.
    expect(rest.map((e) => e.id)).not.toContain(last.id);
  }, 60_000);

  it('resumes a dropped GET stream through another replica (Last-Event-ID)', async () => {
    const sid = await rawInitialize(lb.url);
    await post(lb.url, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    // One relayed request per replica, so every replica holds a gateway session for it.
    for (let i = 0; i < lb.replicas.length; i++)
      await post(lb.url, sid, { jsonrpc: '2.0', id: 100 + i, method: 'tools/list' });
    const abort = new AbortController();
    const get = await fetch(`${lb.url}/mcp`, { headers: headers(sid), signal: abort.signal });
    expect(get.status).toBe(200);
    const sse = new SseReader(get.body!);
    // A policy change on every replica: each tells its sessions their lists changed (three
    // notifications); the replica holding the GET stream sends them down it.
    for (const [i, path] of lb.configs.entries()) {
      writeFileSync(
        path,
        readFileSync(path, 'utf8').replace(
          'policy: { default: allow }',
          'policy:\n  default: allow\n  rules: [{ name: r' +
            i +
            ', match: { tools: [nothing] }, action: deny }]',
        ),
      );
      lb.replicas[i]!.child.kill('SIGHUP');
    }
    const first = await sse.next();
    expect(first.data).toContain('list_changed');
    abort.abort();
    const owner = lb.tags.indexOf(first.id.split('.')[0]!);
    expect(owner).toBeGreaterThanOrEqual(0);
    const other = lb.replicas[(owner + 1) % lb.replicas.length]!;
    const resumedAbort = new AbortController();
    const resumed = await fetch(`${other.url}/mcp`, {
      headers: { ...headers(sid), 'last-event-id': first.id },
      signal: resumedAbort.signal,
    });
    expect(resumed.status, await peek(resumed)).toBe(200);
    const again = new SseReader(resumed.body!);
    const replayed = [await again.next(), await again.next()];
    resumedAbort.abort();
    expect(replayed.map((e) => e.id)).not.toContain(first.id);
    expect(replayed.every((e) => e.data.includes('list_changed'))).toBe(true);
    expect(
      new Set([first, ...replayed].map((e) => (JSON.parse(e.data) as { method: string }).method)).size,
    ).toBe(3);
    // The stream went through the store, bounded in age and size.
    const stored = await waitFor(async () => {
      const r = await sql.query(
        `SELECT count(*)::int AS n FROM mcpgate_stream_events WHERE stream = $1 AND event_id = $2`,
        [first.id.slice(0, first.id.lastIndexOf('_')), first.id],
      );
      return (r.rows[0] as { n: number }).n > 0 ? true : undefined;
    });
    expect(stored).toBe(true);
  }, 60_000);

  it("an upstream's tools/list_changed on one replica reaches a session whose GET stream another holds", async () => {
    const sid = await rawInitialize(lb.url);
    await post(lb.url, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const [x, y] = [lb.replicas[0]!, lb.replicas[1]!];
    const abort = new AbortController();
    const get = await fetch(`${y.url}/mcp`, { headers: headers(sid), signal: abort.signal });
    expect(get.status).toBe(200);
    const sse = new SseReader(get.body!);
    // The change happens in replica X's own upstream process; Y's never changes.
    await post(x.url, sid, {
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/call',
      params: { name: 'mu__set_description', arguments: { tool: 'filler_1', description: 'changed on X' } },
    });
    let event: SseEvent;
    do event = await sse.next();
    while (!event.data.includes('notifications/tools/list_changed'));
    expect(event.id.startsWith(`${lb.tags[1]}.`)).toBe(true);
    abort.abort();
  }, 60_000);
});

function headers(sid: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-06-18',
  };
}

async function post(url: string, sid: string, body: unknown): Promise<void> {
  const r = await fetch(`${url}/mcp`, { method: 'POST', headers: headers(sid), body: JSON.stringify(body) });
  await r.text();
  expect(r.status).toBeLessThan(300);
}

async function peek(r: Response): Promise<string> {
  return r.status === 200 ? '' : await r.clone().text();
}

interface SseEvent {
  readonly id: string;
  readonly data: string;
}

/** Reads `text/event-stream` events (with data) off a response body. */
class SseReader {
  private buf = '';
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  constructor(body: ReadableStream<Uint8Array>) {
    this.reader = body.getReader();
  }
  async next(): Promise<SseEvent> {
    const e = await this.maybeNext();
    if (!e) throw new Error('the event stream ended');
    return e;
  }
  async all(): Promise<SseEvent[]> {
    const out: SseEvent[] = [];
    for (let e = await this.maybeNext(); e; e = await this.maybeNext()) out.push(e);
    return out;
  }
  private async maybeNext(): Promise<SseEvent | undefined> {
    for (;;) {
      const end = this.buf.indexOf('\n\n');
      if (end >= 0) {
        const block = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 2);
        let id = '';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data.trim().length > 0) return { id, data };
        continue;
      }
      const { value, done } = await this.reader.read();
      if (done) return undefined;
      this.buf += this.decoder.decode(value, { stream: true });
    }
  }
}
