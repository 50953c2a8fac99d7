import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { startIdp, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { ScriptedBrowser } from '../../auth/test/fixtures/browser.js';
import { goodClaims, signJwt, writeAuditKey } from './oidc-support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';
import { startProtectedUpstream, type ProtectedUpstream } from './protected-upstream.js';
import { CLI, textOf, waitFor, writeConfig } from './support.js';

/**
 * `upstreams.<name>.oauth.grant: authorization_code` end to end: a real oidc-provider, a real
 * OAuth-protected MCP server that verifies every token it gets, and one `mcpgate serve` used by two
 * users. Each user authorizes the upstream once through the link the gateway hands out (in an
 * error for a client without URL-mode elicitation, as an elicitation for one with it), followed
 * with a real HTTP client through the IdP's interaction; then every call of theirs carries their
 * own token, refreshed before it expires, until they revoke it.
 */
const CONSOLE = { id: 'mcpgate-console', secret: 'console-secret-0123456789abcdef' };

/** An admin API answer, read field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of unknown shape, checked by expect
type Json = any;

describe('per-user OAuth of an upstream through mcpgate serve', () => {
  let idp: TestIdp;
  let upstream: ProtectedUpstream;
  let db: PgDatabase;
  let gw: ServeProcess;
  let resource: string;
  let configPath: string;
  const gatewayTokens: Record<string, string> = {};
  const errorBodies: string[] = [];
  const browsers: Record<string, ScriptedBrowser> = {};

  beforeAll(async () => {
    db = await pgSchema('upstream_oauth_user');
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    // The console signs people in at the same IdP: only its session proves who opens a link.
    idp = await startIdp({
      rotateRefreshTokens: true,
      consoles: [{ ...CONSOLE, redirectUris: [`http://127.0.0.1:${port}/console/auth/callback`] }],
    });
    upstream = await startProtectedUpstream(idp);
    // Short-lived upstream tokens, so a refresh is due within the test.
    idp.resourceTTL.set(upstream.url, 6);
    const config = writeConfig(`
upstreams:
  tickets:
    url: ${upstream.url}
    oauth:
      grant: authorization_code
policy: { default: allow }
logging: { level: debug }
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.pem }
server: { port: ${port} }
auth:
  mode: oauth
  resource: ${resource}
  oidc:
    issuer: ${idp.issuer}
  upstreamTokens:
    keyFile: ./upstream-tokens.key
console:
  enabled: true
  oidc: { clientId: ${CONSOLE.id}, clientSecret: ${CONSOLE.secret}, scopes: [openid] }
`);
    configPath = config;
    writeAuditKey(config);
    writeFileSync(join(dirname(config), 'upstream-tokens.key'), randomBytes(32).toString('base64'), {
      mode: 0o600,
    });
    for (const user of ['alice', 'bob', 'erin']) {
      gatewayTokens[user] = signJwt(idp.key, goodClaims(idp.issuer, resource, { sub: user }), {
        kid: idp.key.kid,
      });
      browsers[user] = new ScriptedBrowser();
    }
    gw = await startServe(config);
  }, 120_000);

  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await upstream?.close();
    await idp?.close();
    await db?.drop();
  });

  async function clientOf(
    user: string,
    elicitUrl = false,
    era: 'legacy' | 'modern' = 'legacy',
  ): Promise<Client> {
    const client = newClient(era, elicitUrl ? { elicitation: { url: {} } } : {});
    if (elicitUrl) {
      // The user's client shows the link; the user follows it and signs in at the IdP.
      client.setRequestHandler('elicitation/create', async (req) => {
        const params = req.params as { mode?: string; url?: string };
        expect(params.mode).toBe('url');
        await follow(user, params.url!);
        return { action: 'accept' };
      });
    }
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${gatewayTokens[user]}` } },
      }),
    );
    return client;
  }

  /**
   * Follows an authorization link as `user` would in a browser: the gateway's /oauth/start sends
   * a browser not yet signed in to the console's sign-in and back, then on to the upstream's
   * authorization server and the gateway's callback page.
   */
  async function follow(user: string, link: string): Promise<{ url: string; status: number; text: string }> {
    idp.account = user;
    const page = await browsers[user]!.request(link);
    return page;
  }

  async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string; url: string }> {
    const err = (await p.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code?: number; message?: string; elicitations?: Array<{ url: string }> } | undefined;
    if (!err) throw new Error('the call was expected to be refused');
    errorBodies.push(JSON.stringify({ message: err.message, elicitations: err.elicitations }));
    return { code: err.code ?? 0, message: err.message ?? '', url: err.elicitations?.[0]?.url ?? '' };
  }

  async function whoami(client: Client): Promise<string> {
    return textOf(await client.callTool({ name: 'tickets__whoami', arguments: {} }));
  }

  async function adminApi(
    user: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Json }> {
    const res = await fetch(`${gw.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: {
        authorization: `Bearer ${gatewayTokens[user]}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  }

  it('hands the first user the link in an error, and the retry after signing in succeeds', async () => {
    const alice = await clientOf('alice');
    try {
      const tools = (await alice.listTools()).tools.map((t) => t.name);
      expect(tools).toEqual(['tickets__connect']);
      const refused = await refusal(alice.callTool({ name: 'tickets__connect', arguments: {} }));
      expect(refused.code).toBe(-32042);
      expect(refused.message).toContain('upstream "tickets" needs your authorization: open ');
      const link = new URL(refused.url);
      // Calling again before signing in hands out the same link, not a new pending authorization.
      expect((await refusal(alice.callTool({ name: 'tickets__connect', arguments: {} }))).url).toBe(
        refused.url,
      );
      expect(refused.message).toContain(link.href);
      // The link is the gateway's own, not the authorization server's.
      expect(`${link.origin}${link.pathname}`).toBe(`${new URL(resource).origin}/oauth/start`);
      expect(link.searchParams.get('flow')).toMatch(/^[\w-]{43}$/);

      const page = await follow('alice', link.href);
      const visited = browsers.alice!.visited.map((v) => new URL(v));
      // Not signed in to the console yet: sent to sign in, back to /oauth/start, then on.
      expect(visited[1]!.pathname).toBe('/console/auth/login');
      const toServer = visited.find(
        (v) =>
          v.origin === idp.issuer &&
          v.searchParams.has('code_challenge') &&
          v.searchParams.get('resource') === upstream.url,
      )!;
      expect(toServer.searchParams.get('code_challenge_method')).toBe('S256');
      expect(toServer.searchParams.get('redirect_uri')).toBe(`${new URL(resource).origin}/oauth/callback`);
      expect(page.url.startsWith(`${new URL(resource).origin}/oauth/callback?`)).toBe(true);
      expect(page.status).toBe(200);
      expect(page.text).toContain('mcpgate is now authorized to use &#34;tickets&#34; for you');

      expect(textOf(await alice.callTool({ name: 'tickets__connect', arguments: {} }))).toContain(
        'connected to "tickets"',
      );
      expect((await alice.listTools()).tools.map((t) => t.name)).toEqual(['tickets__whoami']);
      expect(await whoami(alice)).toBe('alice');
    } finally {
      await alice.close();
    }
  }, 60_000);

  it('asks a client with URL-mode elicitation, and the same call goes on once the user signed in', async () => {
    const bob = await clientOf('bob', true);
    try {
      expect(await whoami(bob)).toBe('bob');
    } finally {
      await bob.close();
    }
    const alice = await clientOf('alice');
    try {
      expect(await whoami(alice)).toBe('alice');
    } finally {
      await alice.close();
    }
    // A modern-era (2026-07-28) client: the ask travels as an `input_required` result.
    const erin = await clientOf('erin', true, 'modern');
    try {
      expect(await whoami(erin)).toBe('erin');
    } finally {
      await erin.close();
    }
  }, 60_000);

  it("sends each user's own token to the upstream, never the caller's, and refreshes it before it expires", async () => {
    const verified = upstream.seen.filter((s) => s.subject !== undefined);
    expect(verified.length).toBeGreaterThan(0);
    const bySubject = new Map<string, Set<string>>();
    for (const s of verified) {
      const set = bySubject.get(s.subject!) ?? new Set<string>();
      set.add(s.token!);
      bySubject.set(s.subject!, set);
    }
    expect([...bySubject.keys()].sort()).toEqual(['alice', 'bob', 'erin']);
    // No token served two users, and the gateway never forwarded a caller's own token.
    const alices = bySubject.get('alice')!;
    for (const t of bySubject.get('bob')!) expect(alices.has(t)).toBe(false);
    for (const s of upstream.seen) {
      expect(Object.values(gatewayTokens)).not.toContain(s.token);
    }

    // The upstream token lives 6 s and is refreshed with half of its lifetime left: wait for that.
    const before = new Set(alices);
    await new Promise((r) => setTimeout(r, 3_500));
    const alice = await clientOf('alice');
    try {
      expect(await whoami(alice)).toBe('alice');
    } finally {
      await alice.close();
    }
    const fresh = upstream.seen.filter((s) => s.subject === 'alice' && !before.has(s.token!));
    expect(fresh.length).toBeGreaterThan(0);
    // Audit records of token events are written in the background: wait for the commit.
    const rows = await waitFor(
      async () => {
        const r = await query<{ subject: string }>(
          "SELECT subject FROM events WHERE type = 'oauth.refreshed' AND upstream = 'tickets'",
        );
        return r.length > 0 ? r : undefined;
      },
      15_000,
      'the oauth.refreshed audit record',
    );
    expect(rows.map((r) => r.subject)).toContain('alice');
  }, 60_000);

  it('lists connections without tokens, and a revoked connection asks again', async () => {
    const mine = await adminApi('alice', '/admin/oauth/connections');
    expect(mine.status).toBe(200);
    expect(
      mine.json.items.map((i: { subject: string; upstream: string }) => [i.subject, i.upstream]),
    ).toEqual([['alice', 'tickets']]);
    const other = await adminApi('alice', '/admin/oauth/connections?subject=bob');
    expect(other.status).toBe(403);

    const revoked = await adminApi('alice', '/admin/oauth/connections/revoke', { upstream: 'tickets' });
    expect(revoked.status).toBe(200);
    expect((await adminApi('alice', '/admin/oauth/connections')).json.items).toEqual([]);

    const alice = await clientOf('alice');
    try {
      const refused = await refusal(alice.callTool({ name: 'tickets__whoami', arguments: {} }));
      expect(refused.code).toBe(-32042);
      expect(refused.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/start\?flow=/);
    } finally {
      await alice.close();
    }
    // Bob's connection is untouched.
    const bob = await clientOf('bob', true);
    try {
      expect(await whoami(bob)).toBe('bob');
    } finally {
      await bob.close();
    }
  }, 60_000);

  it('audits connect, refresh and revoke, and no issued token appears in logs, audit, errors or metrics', async () => {
    const events = await waitFor(
      async () => {
        const r = await query<{ type: string; subject: string }>(
          "SELECT type, subject FROM events WHERE type LIKE 'oauth.%' ORDER BY ts",
        );
        return r.some((e) => e.type === 'oauth.revoked') ? r : undefined;
      },
      15_000,
      'the oauth.revoked audit record',
    );
    const kinds = events.map((e) => `${e.type}:${e.subject}`);
    expect(kinds).toContain('oauth.connected:alice');
    expect(kinds).toContain('oauth.connected:bob');
    expect(kinds).toContain('oauth.refreshed:alice');
    expect(kinds).toContain('oauth.revoked:alice');

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const audit = (await query<{ row: string }>('SELECT row_to_json(e)::text AS row FROM events e'))
      .map((r) => r.row)
      .join('\n');
    const stored = (
      await query<{ row: string }>('SELECT row_to_json(c)::text AS row FROM mcpgate_oauth_connections c')
    )
      .map((r) => r.row)
      .join('\n');
    const logs = gw.stderr.join('\n');
    const listed = JSON.stringify((await adminApi('bob', '/admin/oauth/connections')).json);
    expect(idp.issued.length).toBeGreaterThanOrEqual(3);
    const places = { logs, audit, errors: errorBodies.join('\n'), metrics, stored, listed };
    for (const token of idp.issued) {
      for (const [where, text] of Object.entries(places)) {
        expect(text.includes(token), `an issued token appears in ${where}`).toBe(false);
      }
    }
  }, 60_000);

  it('lists and revokes with `mcpgate oauth connections`', async () => {
    const listed = await cli('bob', ['list', '--format', 'json']);
    expect(listed.code).toBe(0);
    const items = JSON.parse(listed.stdout) as Array<{ subject: string; upstream: string }>;
    expect(items.map((i) => [i.subject, i.upstream])).toEqual([['bob', 'tickets']]);
    for (const token of idp.issued) expect(listed.stdout).not.toContain(token);

    const foreign = await cli('bob', ['revoke', '--upstream', 'tickets', '--user', 'alice']);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('only admins revoke');

    const revoked = await cli('bob', ['revoke', '--upstream', 'tickets']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toBe('revoked the connection of bob to tickets\n');
    expect((await cli('bob', ['revoke', '--upstream', 'tickets'])).code).toBe(1);
    await waitFor(
      async () =>
        (await query<{ subject: string }>("SELECT subject FROM events WHERE type = 'oauth.revoked'")).some(
          (r) => r.subject === 'bob',
        ) || undefined,
      15_000,
      "bob's oauth.revoked audit record",
    );
  }, 60_000);

  it('is refused by mcpgate stdio, which serves no callback for the browser to return to', async () => {
    const run = await promisify(execFile)(process.execPath, [CLI, 'stdio', '--config', configPath], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code?: number; stderr?: string }) => ({ code: e.code ?? -1, stderr: e.stderr ?? '' }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('has oauth.grant "authorization_code", which needs mcpgate serve');
  }, 60_000);

  it("forgets a connection whose refresh the IdP refuses, audits it, and the user's next call asks again", async () => {
    // Revoke erin's refresh tokens at the IdP (RFC 7009), as the client the gateway registered.
    const client = idp.registered.at(-1)!;
    const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret ?? ''}`).toString('base64')}`;
    const form = (body: Record<string, string>) => ({
      method: 'POST',
      headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
    let revoked = 0;
    for (const token of idp.refreshTokens) {
      const info = (await (await fetch(`${idp.issuer}/token/introspection`, form({ token }))).json()) as {
        active?: boolean;
        sub?: string;
      };
      if (info.active && info.sub === 'erin') {
        expect((await fetch(`${idp.issuer}/token/revocation`, form({ token }))).status).toBe(200);
        revoked += 1;
      }
    }
    expect(revoked).toBeGreaterThan(0);
    // Erin's access token lives 6 s; before half of it is gone the gateway refreshes it (in the
    // background, or at the latest in her call), and is refused.
    await new Promise((r) => setTimeout(r, 3_500));
    const erin = await clientOf('erin');
    try {
      const expired = await refusal(erin.callTool({ name: 'tickets__whoami', arguments: {} }));
      expect(expired.code).toBe(-32042);
      // Refused in the background: the connection is gone and her call asks anew; refused in her
      // call: it says so.
      expect(expired.message).toMatch(
        /upstream "tickets" needs your authorization: open |your authorization of upstream "tickets" has expired/,
      );
      const again = await refusal(erin.callTool({ name: 'tickets__whoami', arguments: {} }));
      expect(again.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/start\?flow=/);
    } finally {
      await erin.close();
    }
    const failed = await waitFor(
      async () => {
        const r = await query<{ subject: string; body: string }>(
          "SELECT subject, body FROM events WHERE type = 'oauth.refresh_failed'",
        );
        return r.some((e) => e.subject === 'erin') ? r : undefined;
      },
      15_000,
      "erin's oauth.refresh_failed audit record",
    );
    expect(JSON.parse(failed.find((e) => e.subject === 'erin')!.body)).toMatchObject({
      error: 'invalid_grant',
    });
    for (const token of idp.issued) expect(gw.stderr.join('\n')).not.toContain(token);
  }, 60_000);

  /** `mcpgate oauth connections …` as `user`, through the gateway's admin API. */
  async function cli(
    user: string,
    args: string[],
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [CLI, 'oauth', 'connections', ...args, '--url', gw.url],
        {
          encoding: 'utf8',
          timeout: 60_000,
          env: {
            PATH: process.env.PATH ?? '',
            HOME: process.env.HOME ?? '',
            MCPGATE_TOKEN: gatewayTokens[user]!,
          },
        },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  async function query<R extends Record<string, unknown>>(text: string): Promise<R[]> {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      return (await sql.query<R>(text)).rows;
    } finally {
      await sql.end();
    }
  }
});
