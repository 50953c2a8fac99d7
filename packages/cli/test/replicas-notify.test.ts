import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { mutableServerBin } from '@mcpgate/testkit';
import { waitFor } from './support.js';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { newClient, rawInitialize } from './http-support.js';
import { startReplicas, type Replicas } from './replicas-support.js';

const NOTE = 'mutable://note';

/**
 * Scale-out: an upstream's `notifications/resources/updated` reaches the subscribed session
 * whichever replica holds its GET stream, and `resources/unsubscribe` works on any replica.
 * Each replica runs its own child of the mutable test server; all children watch one file and
 * announce a touched resource only if their own connection subscribed to it — so the update is
 * heard by exactly the replica whose upstream holds the subscription, as with a remote upstream
 * that notifies the connection that subscribed.
 */
describe('resources/updated across replicas', () => {
  let lb: Replicas;
  let sql: pg.Client;
  let touchFile: string;
  let touches = 0;
  const streams: Array<{ stop: () => void }> = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    touchFile = join(mkdtempSync(join(tmpdir(), 'mcpgate-touch-')), 'touch.json');
    lb = await startReplicas({
      // A short idle timeout makes the sweepers run every 2 s.
      server: 'sessionIdleTimeout: 4s',
      config: (base) => `
upstreams:
  mutable:
    alias: mu
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(mutableServerBin())}]
    env: { MUTABLE_RESOURCES_FILE: ${JSON.stringify(touchFile)} }
${base}
policy: { default: allow }
`,
    });
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);

  afterAll(async () => {
    for (const s of streams) s.stop();
    await Promise.allSettled(clients.map((c) => c.close()));
    await sql?.end();
    await lb?.stop();
  });

  /** Makes every replica's upstream child announce `uri` (to the connections subscribed to it). */
  const touch = (uri: string): void =>
    writeFileSync(touchFile, JSON.stringify({ touch: [uri], n: ++touches }));

  /** A legacy session opened on `url`, initialized; keeps it alive with a GET stream on `getUrl`. */
  async function session(url: string, getUrl: string): Promise<{ sid: string; events: Collected }> {
    const sid = await rawInitialize(url);
    await rpc(url, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
    const events = await collect(getUrl, sid);
    streams.push(events);
    return { sid, events };
  }

  it("delivers an update heard by the subscribing replica through the replica holding the session's GET stream", async () => {
    const [a, b] = [lb.replicas[0]!, lb.replicas[1]!];
    const s = await session(a.url, b.url);
    expect(await rpc(a.url, s.sid, subscribe(1, NOTE))).toEqual({ jsonrpc: '2.0', id: 1, result: {} });
    // Registered before the answer left, naming the replica whose upstream holds it.
    const rows = await sql.query<{ replica: string }>(
      `SELECT s.replica FROM mcpgate_resource_subscriptions s
         JOIN mcpgate_http_sessions h USING (session_id) WHERE h.id_hash = encode(sha256($1::bytea), 'hex')`,
      [s.sid],
    );
    expect(rows.rows).toEqual([{ replica: lb.tags[0] }]);

    touch(NOTE);
    const got = await waitFor(() => s.events.updates()[0], 20_000, 'resources/updated on the GET stream');
    expect(got.params).toEqual({ uri: NOTE });
    // Written by replica B (event ids name the replica): A heard it, B delivered it.
    expect(got.eventId.startsWith(`${lb.tags[1]}.`)).toBe(true);
    // Exactly once: the replicas that did not subscribe upstream heard nothing to repeat, and
    // the subscribing replica holds no stream of this session.
    await new Promise((r) => setTimeout(r, 1500));
    expect(s.events.updates()).toHaveLength(1);
  }, 60_000);

  it('stops updates after resources/unsubscribe on a third replica, and ends them with the session', async () => {
    const [a, b, c] = [lb.replicas[0]!, lb.replicas[1]!, lb.replicas[2]!];
    const leaving = await session(a.url, b.url);
    // A second session subscribed through the same replica proves each touch was announced.
    const staying = await session(a.url, c.url);
    expect(await rpc(a.url, leaving.sid, subscribe(2, NOTE))).toMatchObject({ result: {} });
    expect(await rpc(a.url, staying.sid, subscribe(3, NOTE))).toMatchObject({ result: {} });
    touch(NOTE);
    await waitFor(() => leaving.events.updates()[0], 20_000, 'the first update (leaving)');
    await waitFor(() => staying.events.updates()[0], 20_000, 'the first update (staying)');

    // Unsubscribed on C, whose upstream never had the subscription: A stops delivering too.
    const unsub = { jsonrpc: '2.0', id: 4, method: 'resources/unsubscribe', params: { uri: NOTE } };
    expect(await rpc(c.url, leaving.sid, unsub)).toMatchObject({ result: {} });
    touch(NOTE);
    await waitFor(() => staying.events.updates()[1], 20_000, 'the second update (staying)');
    await new Promise((r) => setTimeout(r, 1500));
    expect(leaving.events.updates()).toHaveLength(1);

    // The staying session ends (DELETE on B): no update reaches it, and its row goes.
    const del = await fetch(`${b.url}/mcp`, { method: 'DELETE', headers: headers(staying.sid) });
    expect(del.status).toBe(200);
    const rowsOf = async (sid: string): Promise<number> =>
      (
        await sql.query(
          `SELECT 1 FROM mcpgate_resource_subscriptions
            WHERE session_id = (SELECT session_id FROM mcpgate_http_sessions
                                 WHERE id_hash = encode(sha256($1::bytea), 'hex'))`,
          [sid],
        )
      ).rowCount ?? 0;
    await waitFor(async () => ((await rowsOf(staying.sid)) === 0 ? true : undefined), 20_000, 'the sweep');
    expect(await rowsOf(leaving.sid)).toBe(0);
  }, 90_000);

  it("delivers once to a modern client's listen stream and a legacy session on other replicas", async () => {
    const [a, b, c] = [lb.replicas[0]!, lb.replicas[1]!, lb.replicas[2]!];
    const legacy = await session(a.url, b.url);
    expect(await rpc(a.url, legacy.sid, subscribe(5, NOTE))).toMatchObject({ result: {} });
    // The listen stream is held by C, which subscribes upstream for it on its own connection.
    const modern = newClient('modern');
    const heard: string[] = [];
    modern.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    await modern.connect(new StreamableHTTPClientTransport(new URL(`${c.url}/mcp`)));
    clients.push(modern);
    const subscribeRecords = async (): Promise<number> =>
      (
        await sql.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM events WHERE type = 'call.response' AND method = 'resources/subscribe'`,
        )
      ).rows[0]!.n;
    const before = await subscribeRecords();
    const sub = await modern.listen({ resourceSubscriptions: [NOTE] });
    expect(sub.honoredFilter.resourceSubscriptions).toEqual([NOTE]);
    // The gateway subscribes upstream after the stream opened (a call on the record): wait for it.
    await waitFor(
      async () => ((await subscribeRecords()) > before ? true : undefined),
      20_000,
      "the gateway's subscribe on the listener's behalf",
    );
    touch(NOTE);
    await waitFor(() => (heard.length > 0 ? true : undefined), 20_000, 'the update on the listen stream');
    await waitFor(() => legacy.events.updates()[0], 20_000, 'the update on the legacy GET stream');
    await new Promise((r) => setTimeout(r, 1500));
    expect(heard).toEqual([NOTE]);
    expect(legacy.events.updates()).toHaveLength(1);
    await sub.close();
  }, 90_000);
});

function headers(sid: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-06-18',
  };
}

function subscribe(id: number, uri: string): unknown {
  return { jsonrpc: '2.0', id, method: 'resources/subscribe', params: { uri } };
}

/** POSTs one message; returns the JSON-RPC answer (from JSON or the first SSE data), if any. */
async function rpc(url: string, sid: string, body: unknown): Promise<unknown> {
  const r = await fetch(`${url}/mcp`, { method: 'POST', headers: headers(sid), body: JSON.stringify(body) });
  const text = await r.text();
  expect(r.status, text).toBeLessThan(300);
  if (r.status === 202 || text.trim() === '') return undefined;
  if ((r.headers.get('content-type') ?? '').startsWith('application/json')) return JSON.parse(text);
  const data = text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as { id?: unknown })
    .find((m) => m.id !== undefined);
  return data;
}

interface Update {
  readonly eventId: string;
  readonly params: unknown;
}

interface Collected {
  updates(): Update[];
  stop(): void;
}

/** Opens a session's GET stream and collects its `resources/updated` notifications in the background. */
async function collect(url: string, sid: string): Promise<Collected> {
  const abort = new AbortController();
  const res = await fetch(`${url}/mcp`, { headers: headers(sid), signal: abort.signal });
  expect(res.status).toBe(200);
  const updates: Update[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let id = '';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('id: ')) id = line.slice(4);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (!data.trim()) continue;
        const msg = JSON.parse(data) as { method?: string; params?: unknown };
        if (msg.method === 'notifications/resources/updated')
          updates.push({ eventId: id, params: msg.params });
      }
    }
  })();
  return { updates: () => updates, stop: () => abort.abort() };
}
