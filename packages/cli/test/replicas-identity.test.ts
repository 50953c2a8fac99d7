import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { everythingBin, freePort } from '@mcpgate/testkit';
import { CLI, waitFor } from './support.js';
import { rawInitialize } from './http-support.js';
import { startReplicas, type Replicas } from './replicas-support.js';

/**
 * Scale-out keeps each legacy session bound to the identity that opened it, on every replica:
 * a replica that has never seen a session loads it from the store and applies the same check
 * (404 + security.session_hijack). And a session whose upstream runs per session stays on the
 * replica that opened it: elsewhere it is a clean 404.
 */
const PEPPER = 'replicas-identity-pepper-0123456789abcdef0123';
const env = { PEPPER };

const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
const headers = (key: string, sid: string) => ({
  authorization: `Bearer ${key}`,
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-session-id': sid,
  'mcp-protocol-version': '2025-06-18',
});

function createKey(config: string, name: string): string {
  const r = spawnSync(process.execPath, [CLI, 'keys', 'create', '--name', name, '--config', config], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(r.status, r.stderr).toBe(0);
  return /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(r.stdout)![0];
}

async function replicasWith(sharing: 'shared' | 'per-session', server?: string): Promise<Replicas> {
  const port = await freePort();
  return startReplicas({
    count: 2,
    port,
    env,
    ...(server !== undefined && { server }),
    config: (base) => `
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
    sharing: ${sharing}
${base}
policy: { default: allow }
auth:
  mode: oauth
  resource: http://127.0.0.1:${port}/mcp
  apiKeys: { enabled: true, pepper: "\${env:PEPPER}" }
`,
  });
}

/** The replica that opened a session (its first request went there through the balancer). */
async function openedOn(sql: pg.Client, sid: string): Promise<string> {
  const r = await sql.query<{ chain_id: string }>(
    `SELECT e.chain_id FROM events e JOIN mcpgate_http_sessions s ON s.session_id = e.session_id
     WHERE s.id_hash = $1 AND e.type = 'session.started'`,
    [createHash('sha256').update(sid).digest('hex')],
  );
  return r.rows[0]!.chain_id.split(':')[0]!;
}

describe('replicas keep a session bound to its identity', () => {
  let lb: Replicas;
  let sql: pg.Client;
  let alice: string;
  let mallory: string;

  beforeAll(async () => {
    lb = await replicasWith('shared', 'sessionIdleTimeout: 4s');
    alice = createKey(lb.configs[0]!, 'alice');
    mallory = createKey(lb.configs[0]!, 'mallory');
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('a replica that never saw the session refuses another identity (404, security.session_hijack)', async () => {
    const sid = await rawInitialize(lb.url, { authorization: `Bearer ${alice}` });
    const opener = await waitFor(() => openedOn(sql, sid).catch(() => undefined));
    const other = lb.replicas[lb.ids.findIndex((id) => id !== opener)]!;
    // Mallory first, so the other replica loads the session for her request.
    const stolen = await fetch(`${other.url}/mcp`, {
      method: 'POST',
      headers: headers(mallory, sid),
      body: ping,
    });
    expect(stolen.status).toBe(404);
    const own = await fetch(`${other.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
    expect(own.status).toBe(200);
    const hijack = await waitFor(async () => {
      const r = await sql.query<{ subject: string; body: string; chain_id: string }>(
        `SELECT subject, body, chain_id FROM events WHERE type = 'security.session_hijack'`,
      );
      return r.rows[0];
    });
    expect(hijack.subject).toBe('key:mallory');
    expect(hijack.chain_id.startsWith(`${lb.ids.find((id) => id !== opener)}:`)).toBe(true);
    expect(JSON.parse(hijack.body)).toMatchObject({ owner: 'key:alice', transport: 'streamable-http' });
  });

  it('DELETE on one replica ends the session on all of them, recorded once', async () => {
    const sid = await rawInitialize(lb.url, { authorization: `Bearer ${alice}` });
    for (const r of lb.replicas) {
      const ok = await fetch(`${r.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
      expect(ok.status).toBe(200);
    }
    const del = await fetch(`${lb.replicas[0]!.url}/mcp`, { method: 'DELETE', headers: headers(alice, sid) });
    expect(del.status).toBe(200);
    // Every replica held a copy; each answers 404 now.
    for (const r of lb.replicas) {
      await waitFor(async () => {
        const res = await fetch(`${r.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
        return res.status === 404 ? true : undefined;
      });
    }
    const id = await sql.query<{ session_id: string }>(
      'SELECT session_id FROM mcpgate_http_sessions WHERE id_hash = $1',
      [createHash('sha256').update(sid).digest('hex')],
    );
    const ended = await sql.query(`SELECT 1 FROM events WHERE type = 'session.ended' AND session_id = $1`, [
      id.rows[0]!.session_id,
    ]);
    expect(ended.rowCount).toBe(1);
  });

  it('keeps a session that one replica serves alive, though another replica dropped its idle copy', async () => {
    const sid = await rawInitialize(lb.url, { authorization: `Bearer ${alice}` });
    const [a, b] = lb.replicas;
    for (const r of [a!, b!]) {
      const ok = await fetch(`${r.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
      expect(ok.status).toBe(200);
    }
    // Twice the idle timeout of traffic on replica A only: B's copy goes idle, the session does not.
    const until = Date.now() + 8_000;
    while (Date.now() < until) {
      const ok = await fetch(`${a!.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
      expect(ok.status).toBe(200);
      await new Promise((r) => setTimeout(r, 500));
    }
    const onB = await fetch(`${b!.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
    expect(onB.status).toBe(200);
    const ended = await sql.query(`SELECT 1 FROM events WHERE type = 'session.ended' AND session_id = $1`, [
      await sessionIdOf(sql, sid),
    ]);
    expect(ended.rowCount).toBe(0);
  }, 60_000);

  it('ends a session no replica has seen for server.sessionIdleTimeout, recorded once', async () => {
    const sid = await rawInitialize(lb.url, { authorization: `Bearer ${alice}` });
    for (const r of lb.replicas) {
      const ok = await fetch(`${r.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
      expect(ok.status).toBe(200);
    }
    const sessionId = await sessionIdOf(sql, sid);
    await waitFor(
      async () => {
        const r = await sql.query(`SELECT 1 FROM events WHERE type = 'session.ended' AND session_id = $1`, [
          sessionId,
        ]);
        return r.rowCount === 1 ? true : undefined;
      },
      30_000,
      'the idle session to end',
    );
    for (const r of lb.replicas) {
      const gone = await fetch(`${r.url}/mcp`, { method: 'POST', headers: headers(alice, sid), body: ping });
      expect(gone.status).toBe(404);
    }
    const ended = await sql.query(`SELECT 1 FROM events WHERE type = 'session.ended' AND session_id = $1`, [
      sessionId,
    ]);
    expect(ended.rowCount).toBe(1);
  }, 60_000);
});

async function sessionIdOf(sql: pg.Client, sid: string): Promise<string> {
  const r = await sql.query<{ session_id: string }>(
    'SELECT session_id FROM mcpgate_http_sessions WHERE id_hash = $1',
    [createHash('sha256').update(sid).digest('hex')],
  );
  return r.rows[0]!.session_id;
}

describe('replicas with a per-session upstream', () => {
  let lb: Replicas;
  let sql: pg.Client;
  let alice: string;

  beforeAll(async () => {
    lb = await replicasWith('per-session');
    alice = createKey(lb.configs[0]!, 'alice');
    sql = new pg.Client({ connectionString: lb.db.url });
    await sql.connect();
  }, 180_000);
  afterAll(async () => {
    await sql?.end();
    await lb?.stop();
  });

  it('serves a session only on the replica that opened it; elsewhere a clean 404 the client recovers from', async () => {
    const sid = await rawInitialize(lb.url, { authorization: `Bearer ${alice}` });
    const opener = await waitFor(() => openedOn(sql, sid).catch(() => undefined));
    const owner = lb.replicas[lb.ids.indexOf(opener)]!;
    const other = lb.replicas[lb.ids.findIndex((id) => id !== opener)]!;
    const call = JSON.stringify({
      jsonrpc: '2.0',
      id: 3,
      method: 'tools/call',
      params: { name: 'ev__echo', arguments: { message: 'mine' } },
    });
    const here = await fetch(`${owner.url}/mcp`, {
      method: 'POST',
      headers: headers(alice, sid),
      body: call,
    });
    expect(here.status).toBe(200);
    expect(await here.text()).toContain('mine');
    const there = await fetch(`${other.url}/mcp`, {
      method: 'POST',
      headers: headers(alice, sid),
      body: ping,
    });
    expect(there.status).toBe(404);
    expect(((await there.json()) as { error: { code: number } }).error.code).toBe(-32001);
    // (The log line may follow the answer by a moment.)
    await waitFor(() =>
      other.stderr.some((l) => l.includes('bound to another replica')) ? true : undefined,
    );
    // Re-initializing on that replica gives a working session.
    const fresh = await rawInitialize(other.url, { authorization: `Bearer ${alice}` });
    const ok = await fetch(`${other.url}/mcp`, {
      method: 'POST',
      headers: headers(alice, fresh),
      body: call,
    });
    expect(ok.status).toBe(200);
  });
});
