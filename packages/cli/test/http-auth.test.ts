import { createPrivateKey, createSign, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { clientCredentialsToken, startIdp, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { CLI, textOf, waitFor, writeConfig } from './support.js';
import {
  newClient,
  rawInitialize,
  startRecordingUpstream,
  startServe,
  type RecordingUpstream,
  type ServeProcess,
} from './http-support.js';

const PEPPER = 'http-test-pepper-0123456789abcdef0123456789';
const UPSTREAM_SECRET = 'upstream-secret-7f3a9c1e5b2d4f6a';

/** An RS256 access token signed with the IdP's own key but with chosen claims (e.g. already expired). */
function forgeToken(idp: TestIdp, claims: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid: idp.key.kid, typ: 'at+jwt' })}.${b64(claims)}`;
  const key = createPrivateKey({ key: idp.key.privateJwk as never, format: 'jwk' });
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key).toString('base64url')}`;
}

function cli(
  args: string[],
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('mcpgate serve with OIDC tokens and API keys', () => {
  let idp: TestIdp;
  let db: PgDatabase;
  let rec: RecordingUpstream;
  let gw: ServeProcess;
  let resource: string;
  let configPath: string;
  let jwt: string;
  let apiKey: string;
  /** Everything the gateway said to a client or wrote, grepped for planted secrets at the end. */
  const observed: string[] = [];

  const env = () => ({ PEPPER, UPSTREAM_SECRET });
  const post = async (body: unknown, headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    observed.push(text, res.headers.get('www-authenticate') ?? '');
    return { status: res.status, text, headers: res.headers };
  };
  const toolsList = (sid: string, auth: Record<string, string>) =>
    post(
      { jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} },
      { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
    );

  beforeAll(async () => {
    idp = await startIdp();
    db = await pgSchema({ prefix: 'mcpgate_http' });
    rec = await startRecordingUpstream();
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    idp.jwtResources.add(resource);
    configPath = writeConfig(`
upstreams:
  rec:
    url: ${rec.url}
    headers:
      Authorization: Bearer \${env:UPSTREAM_SECRET}
# The gateway's own tests exercise transport and identity, not policy (whose default is deny).
policy:
  default: allow
store:
  url: ${db.url}
audit:
  signingKeyFile: ./audit-signing.pem
server:
  port: ${port}
  trustProxy: ['127.0.0.1']
auth:
  mode: oauth
  resource: ${resource}
  oidc:
    issuer: ${idp.issuer}
    requiredScopes: [mcp:tools]
    claims:
      groups: realm_access.roles
  apiKeys:
    enabled: true
    pepper: \${env:PEPPER}
`);
    writeFileSync(
      join(dirname(configPath), 'audit-signing.pem'),
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }),
      { mode: 0o600 },
    );
    const created = cli(
      ['keys', 'create', '--name', 'ci-bot', '--groups', 'ci', '--config', configPath],
      env(),
    );
    expect(created.status, created.stderr).toBe(0);
    apiKey = /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(created.stdout)![0];
    gw = await startServe(configPath, env());
    jwt = await clientCredentialsToken(idp, resource);
  });

  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await rec?.close();
    await idp?.close();
    await db?.drop();
  });

  it('publishes RFC 9728 metadata at both well-known paths', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        resource,
        authorization_servers: [idp.issuer],
        scopes_supported: ['mcp:tools'],
      });
    }
  });

  it('answers 401 with a resource_metadata challenge when no credential is sent', async () => {
    const res = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, {});
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain(
      `resource_metadata="${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  it('refuses expired, wrong-audience and tampered tokens with 401, missing scope with 403', async () => {
    const now = Math.floor(Date.now() / 1000);
    const base = { iss: idp.issuer, sub: 'alice', scope: 'mcp:tools', iat: now - 900 };
    const expired = forgeToken(idp, { ...base, aud: resource, exp: now - 600 });
    const r1 = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: `Bearer ${expired}` });
    expect(r1.status).toBe(401);
    expect(r1.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(r1.text).toMatch(/expired/);

    const other = await clientCredentialsToken(idp, 'https://other-api.test/');
    const r2 = await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: `Bearer ${other}` });
    expect(r2.status).toBe(401);
    expect(r2.text).toMatch(/audience/);

    const [h, p] = jwt.split('.');
    const tampered = `${h}.${p}.${Buffer.from('not the signature').toString('base64url')}`;
    expect(
      (await post({ jsonrpc: '2.0', id: 1, method: 'ping' }, { authorization: `Bearer ${tampered}` })).status,
    ).toBe(401);

    const adminOnly = await clientCredentialsToken(idp, resource, 'mcp:admin');
    const r3 = await post(
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { authorization: `Bearer ${adminOnly}` },
    );
    expect(r3.status).toBe(403);
    expect(r3.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('serves legacy and modern clients holding a valid token; the token never reaches the upstream', async () => {
    for (const era of ['legacy', 'modern'] as const) {
      const client = newClient(era);
      await client.connect(
        new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
          requestInit: { headers: { authorization: `Bearer ${jwt}` } },
        }),
      );
      const { tools } = await client.listTools();
      observed.push(JSON.stringify(tools));
      expect(tools.map((t) => t.name)).toContain('rec__echo');
      const res = await client.callTool({ name: 'rec__echo', arguments: { text: `hi ${era}` } });
      expect(textOf(res)).toBe(`echo: hi ${era}`);
      await client.close();
    }
    expect(rec.seen.length).toBeGreaterThan(0);
    for (const h of rec.seen) {
      expect(h.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
      expect(JSON.stringify(h)).not.toContain(jwt);
      expect(JSON.stringify(h)).not.toContain(apiKey);
    }
  });

  it('re-checks the token on every request: an expired token mid-session gets 401', async () => {
    const sid = await rawInitialize(gw.url, { authorization: `Bearer ${jwt}` });
    expect((await toolsList(sid, { authorization: `Bearer ${jwt}` })).status).toBe(200);
    const now = Math.floor(Date.now() / 1000);
    const expired = forgeToken(idp, {
      iss: idp.issuer,
      sub: CLIENT_SUBJECT,
      aud: resource,
      scope: 'mcp:tools',
      iat: now - 900,
      exp: now - 60,
    });
    expect((await toolsList(sid, { authorization: `Bearer ${expired}` })).status).toBe(401);
  });

  it('ends a legacy GET stream when its token expires; the session goes on with a fresh token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: idp.issuer, sub: 'bob', aud: resource, scope: 'mcp:tools', iat: now };
    const shortLived = forgeToken(idp, { ...claims, exp: now + 3 });
    const sid = await rawInitialize(gw.url, { authorization: `Bearer ${shortLived}` });
    const t0 = Date.now();
    const stream = await fetch(`${gw.url}/mcp`, {
      headers: {
        accept: 'text/event-stream',
        authorization: `Bearer ${shortLived}`,
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    for (;;) {
      const chunk = await reader.read().catch(() => ({ done: true }));
      if (chunk.done) break;
    }
    const lasted = Date.now() - t0;
    expect(lasted).toBeGreaterThan(1000);
    expect(lasted).toBeLessThan(10_000);
    const fresh = forgeToken(idp, { ...claims, iat: now + 1, exp: now + 300 });
    expect((await toolsList(sid, { authorization: `Bearer ${fresh}` })).status).toBe(200);
  });

  it('binds a legacy session to its creator: another identity presenting its id gets 404', async () => {
    const sid = await rawInitialize(gw.url, { authorization: `Bearer ${jwt}` });
    expect((await toolsList(sid, { 'x-api-key': apiKey })).status).toBe(404);
    expect((await toolsList(sid, { authorization: `Bearer ${jwt}` })).status).toBe(200);
  });

  it('binds an HTTP+SSE session to its creator too (/messages with another identity → 404)', async () => {
    const abort = new AbortController();
    const stream = await fetch(`${gw.url}/sse`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${jwt}` },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    const reader = stream.body!.getReader();
    let text = '';
    while (!/event: endpoint\ndata: (\S+)/.test(text))
      text += new TextDecoder().decode((await reader.read()).value);
    const endpoint = /event: endpoint\ndata: (\S+)/.exec(text)![1]!;
    expect(endpoint).toMatch(/^\/messages\?sessionId=[0-9a-f-]{36}$/);
    const send = (auth: Record<string, string>) =>
      fetch(`${gw.url}${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initParams() }),
      });
    expect((await send({ 'x-api-key': apiKey })).status).toBe(404);
    expect((await send({})).status).toBe(401);
    expect((await send({ authorization: `Bearer ${jwt}` })).status).toBe(202);
    abort.abort();
  });

  it('records the client address from X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const trusted = await rawInitialize(gw.url, {
      authorization: `Bearer ${jwt}`,
      'x-forwarded-for': '203.0.113.7',
    });
    expect(
      (await toolsList(trusted, { authorization: `Bearer ${jwt}`, 'x-forwarded-for': '203.0.113.7' })).status,
    ).toBe(200);
    // From 127.0.0.2, which is not in trustProxy: the header is a client's claim and is ignored.
    const status = await fromUntrustedPeer(new URL(gw.url).port, jwt, '198.51.100.9');
    expect(status).toBe(200);
    const sessions = await waitFor(
      async () => {
        const rows = await auditText(
          db.url,
          "SELECT body::text AS t FROM events WHERE type = 'session.started'",
        );
        return rows.some((r) => r.includes('203.0.113.7')) && rows.some((r) => r.includes('127.0.0.2'))
          ? rows
          : undefined;
      },
      15_000,
      'session records with source addresses',
    );
    expect(sessions.some((r) => r.includes('198.51.100.9'))).toBe(false);
  });

  for (const era of ['legacy', 'modern'] as const)
    it(`relays a ${era} stdio client through \`mcpgate connect --api-key-env\``, async () => {
      const client = newClient(era);
      const transport = new StdioClientTransport({
        command: process.execPath,
        args: [CLI, 'connect', `${gw.url}/mcp`, '--api-key-env', 'GW_KEY'],
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GW_KEY: apiKey },
        stderr: 'pipe',
      });
      await client.connect(transport);
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('rec__echo');
      const res = await client.callTool({ name: 'rec__echo', arguments: { text: `via connect ${era}` } });
      expect(textOf(res)).toBe(`echo: via connect ${era}`);
      await client.close();
    });

  it('accepts an API key until it is revoked', async () => {
    const ok = await post(
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: initParams() },
      { 'x-api-key': apiKey },
    );
    expect(ok.status).toBe(200);
    const revoked = cli(['keys', 'revoke', '--name', 'ci-bot', '--config', configPath], env());
    expect(revoked.status, revoked.stderr).toBe(0);
    await waitFor(
      async () =>
        (
          await post(
            { jsonrpc: '2.0', id: 1, method: 'initialize', params: initParams() },
            { authorization: `Bearer ${apiKey}` },
          )
        ).status === 401 || undefined,
      10_000,
      'the revoked key to be refused',
    );
  });

  it('leaks no planted secret into logs, metrics, error bodies, tool lists or the audit', async () => {
    observed.push(await (await fetch(`${gw.url}/metrics`)).text());
    observed.push(...gw.stderr);
    observed.push(...(await auditText(db.url, 'SELECT row_to_json(e)::text AS t FROM events e')));
    const all = observed.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [UPSTREAM_SECRET, apiKey, apiKey.split('_')[2]!, jwt, PEPPER]) {
      expect(all.includes(secret), `a planted secret appeared: ${secret.slice(0, 8)}…`).toBe(false);
    }
  });
});

/** The subject client-credentials tokens carry (the provider falls back to the client id). */
const CLIENT_SUBJECT = 'svc-ci';

function initParams() {
  return { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } };
}

async function auditText(url: string, sql: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<{ t: string }>(sql)).rows.map((r) => r.t);
  } finally {
    await c.end();
  }
}

/** initialize + tools/list from source address 127.0.0.2 with a forged X-Forwarded-For. */
async function fromUntrustedPeer(port: string, token: string, forwardedFor: string): Promise<number> {
  const send = (body: unknown, extra: Record<string, string>) =>
    new Promise<{ status: number; sid?: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          localAddress: '127.0.0.2',
          path: '/mcp',
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: `Bearer ${token}`,
            'x-forwarded-for': forwardedFor,
            ...extra,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              sid: res.headers['mcp-session-id'] as string | undefined,
            }),
          );
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const init = await send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: initParams() }, {});
  if (!init.sid) throw new Error(`initialize from 127.0.0.2 answered ${init.status}`);
  const list = await send(
    { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
    { 'mcp-session-id': init.sid, 'mcp-protocol-version': '2025-06-18' },
  );
  return list.status;
}
