import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLI, connectGateway, REPO, waitFor, writeConfig } from './support.js';
import { rawInitialize, startServe, type ServeProcess } from './http-support.js';

/**
 * No blind spots in the audit trail, through the built gateway on Postgres: sessions are on the
 * record when they begin and end, calls or not (stdio, /mcp legacy, /sse); failed
 * authentications and session-hijack attempts are security events, aggregated per source and
 * reason; the CLI's own identity is named like the stdio face's.
 */
const PEPPER = 'blind-spots-test-pepper-0123456789abcdef0123456789';
const env = { PEPPER };
const BAD_KEY = 'mcpg_0123456789abcdef_0123456789abcdef0123456789abcdef';

interface Row {
  type: string;
  session_id: string | null;
  subject: string | null;
  body: Record<string, unknown>;
}

describe('audit trail without blind spots', () => {
  let db: PgDatabase;
  let gw: ServeProcess;
  let configPath: string;
  let alice: string;
  let mallory: string;
  let sql: pg.Client;
  const rows = async (type?: string): Promise<Row[]> => {
    const r = await sql.query<{
      type: string;
      session_id: string | null;
      subject: string | null;
      body: string;
    }>(
      `SELECT type, session_id, subject, body FROM events ${type ? 'WHERE type = $1' : ''} ORDER BY ts, seq`,
      type ? [type] : [],
    );
    return r.rows.map((x) => ({ ...x, body: JSON.parse(x.body) as Record<string, unknown> }));
  };

  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_blind' });
    const port = await freePort();
    configPath = writeConfig(`
upstreams: {}
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key }
server: { port: ${port} }
auth:
  mode: oauth
  resource: http://127.0.0.1:${port}/mcp
  apiKeys: { enabled: true, pepper: "\${env:PEPPER}" }
`);
    const key = (name: string): string => {
      const r = spawnSync(process.execPath, [CLI, 'keys', 'create', '--name', name, '--config', configPath], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      });
      expect(r.status, r.stderr).toBe(0);
      return /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(r.stdout)![0];
    };
    alice = key('alice');
    mallory = key('mallory');
    gw = await startServe(configPath, env);
    sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await sql?.end();
    await db?.drop();
  });

  const legacyHeaders = (key: string, sid: string) => ({
    authorization: `Bearer ${key}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-06-18',
  });

  it('records a legacy /mcp session that never calls anything, at initialize and at DELETE', async () => {
    const sid = await rawInitialize(gw.url, { authorization: `Bearer ${alice}` });
    const started = await waitFor(async () => {
      const r = (await rows('session.started')).filter((x) => x.subject === 'key:alice');
      return r.length === 1 ? r[0] : undefined;
    });
    expect(started.body).toMatchObject({
      face: 'http',
      era: 'legacy',
      client: { name: 'raw', version: '1' },
    });
    const del = await fetch(`${gw.url}/mcp`, { method: 'DELETE', headers: legacyHeaders(alice, sid) });
    expect(del.status).toBe(200);
    await waitFor(async () =>
      (await rows('session.ended')).some((x) => x.session_id === started.session_id) ? true : undefined,
    );
    expect((await rows()).filter((x) => x.type.startsWith('call.'))).toEqual([]);
  });

  it('records an /sse session when its stream opens and when it closes, without a call', async () => {
    const ctl = new AbortController();
    const res = await fetch(`${gw.url}/sse`, {
      headers: { authorization: `Bearer ${alice}`, accept: 'text/event-stream' },
      signal: ctl.signal,
    });
    expect(res.status).toBe(200);
    const started = await waitFor(async () =>
      (await rows('session.started')).find((x) => (x.body as { face?: string }).face === 'sse'),
    );
    ctl.abort();
    await waitFor(async () =>
      (await rows('session.ended')).some((x) => x.session_id === started.session_id) ? true : undefined,
    );
  });

  it('records a session id presented with another identity as security.session_hijack (still 404)', async () => {
    const known = (await rows('session.started')).length;
    const sid = await rawInitialize(gw.url, { authorization: `Bearer ${alice}` });
    const owner = await waitFor(async () => (await rows('session.started'))[known]);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const stolen = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: { ...legacyHeaders(mallory, sid), 'user-agent': 'mallory-agent/1' },
      body: ping,
    });
    expect(stolen.status).toBe(404);
    // The owner's own request still works: the attempt changed nothing.
    expect(
      (await fetch(`${gw.url}/mcp`, { method: 'POST', headers: legacyHeaders(alice, sid), body: ping }))
        .status,
    ).toBe(200);
    const hijack = await waitFor(async () => (await rows('security.session_hijack'))[0]);
    expect(hijack.subject).toBe('key:mallory');
    expect(hijack.body).toMatchObject({
      count: 1,
      transport: 'streamable-http',
      targetSession: owner.session_id,
      owner: 'key:alice',
      presented: { subject: 'key:mallory', authMethod: 'api-key', keyName: 'mallory' },
      sourceIp: '127.0.0.1',
      userAgent: 'mallory-agent/1',
      method: 'POST',
      path: '/mcp',
    });
    expect(JSON.stringify(hijack)).not.toContain(sid);
    expect(JSON.stringify(hijack)).not.toContain(mallory);
    expect(gw.stderr.some((l) => l.includes('session hijack attempt'))).toBe(true);
  });

  it('records failed authentications as security.auth_failed, one row per source and reason, then a count', async () => {
    for (let i = 0; i < 25; i++) {
      const r = await fetch(`${gw.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${BAD_KEY}`,
          'content-type': 'application/json',
          'user-agent': 'scanner/9',
        },
        body: '{}',
      });
      expect(r.status).toBe(401);
    }
    const first = await waitFor(async () => (await rows('security.auth_failed'))[0]);
    expect(first.body).toMatchObject({
      count: 1,
      status: 401,
      error: 'invalid_token',
      sourceIp: '127.0.0.1',
      userAgent: 'scanner/9',
      presented: { header: 'authorization', scheme: 'bearer' },
    });
    expect((first.body.presented as { fingerprint: string }).fingerprint).toMatch(/^sha256:[0-9a-f]{12}$/);
    // A request with no credential at all is the first step of every OAuth client, not a failure.
    expect((await fetch(`${gw.url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(401);
    // The rest of the window is one aggregated row, written at the window's end or at shutdown.
    expect(await gw.stop('SIGTERM')).toBe(0);
    const failed = await rows('security.auth_failed');
    expect(failed.map((x) => x.body.count)).toEqual([1, 24]);
    expect(failed[1]!.body).toMatchObject({
      aggregated: true,
      sourceIp: '127.0.0.1',
      error: 'invalid_token',
    });
    expect(typeof failed[1]!.body.windowStart).toBe('string');
    expect(typeof failed[1]!.body.windowEnd).toBe('string');
    expect(JSON.stringify(failed)).not.toContain(BAD_KEY);
    expect(JSON.stringify(failed)).not.toContain(BAD_KEY.slice(5));
  });

  it('records a stdio session that never calls anything, named local:<user> like the CLI', async () => {
    const before = (await rows('session.started')).length;
    const client = await connectGateway(configPath, { env });
    await client.close();
    const stdio = await waitFor(async () => {
      const started = (await rows('session.started')).slice(before);
      const s = started.find((x) => (x.body as { face?: string }).face === 'stdio');
      if (!s) return undefined;
      return (await rows('session.ended')).some((x) => x.session_id === s.session_id) ? s : undefined;
    });
    const me = userInfo().username;
    expect(stdio.subject).toBe(`local:${me}`);
    expect(stdio.body).toMatchObject({ client: { name: 'e2e-legacy' } });
    // The CLI reading the audit is recorded under the same name.
    const q = spawnSync(
      process.execPath,
      [CLI, 'audit', 'query', '--config', configPath, '--format', 'json'],
      {
        encoding: 'utf8',
        env: { ...process.env, ...env },
      },
    );
    expect(q.status, q.stderr).toBe(0);
    const reads = await rows('audit.read');
    expect(reads.at(-1)!.subject).toBe(`local:${me}`);
  });

  it('records a modern-era stdio session that never calls anything', async () => {
    const before = (await rows('session.started')).length;
    const client = await connectGateway(configPath, { env, era: 'modern' });
    await client.close();
    const s = await waitFor(async () => {
      const started = (await rows('session.started')).slice(before);
      const one = started.find((x) => (x.body as { face?: string }).face === 'stdio');
      if (!one) return undefined;
      return (await rows('session.ended')).some((x) => x.session_id === one.session_id) ? one : undefined;
    });
    expect(s.body).toMatchObject({
      era: 'modern',
      protocolVersion: '2026-07-28',
      client: { name: 'e2e-modern' },
    });
  });

  it('docs name the local identity local:<user> everywhere (os:<user> only as the older form)', () => {
    const docs = join(REPO, 'docs');
    for (const f of readdirSync(docs).filter((n) => n.endsWith('.md'))) {
      const text = readFileSync(join(docs, f), 'utf8').replace(
        /`os:<user>`, found in records written by older versions/g,
        '',
      );
      expect(text.match(/\bos:(<user>|alice|\$\{)/g) ?? [], f).toEqual([]);
    }
    const help = spawnSync(process.execPath, [CLI, 'approvals', 'approve', '--help'], { encoding: 'utf8' });
    expect(help.stdout + help.stderr).toContain('local:<user>');
    expect(help.stdout + help.stderr).not.toContain('os:<user>');
  });
});
