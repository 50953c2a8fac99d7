import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport, type Client } from '@modelcontextprotocol/client';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { startIdp, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { goodClaims, signJwt, writeAuditKey } from './oidc-support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';
import { startProtectedUpstream, type ProtectedUpstream } from './protected-upstream.js';
import { textOf, waitFor, writeConfig } from './support.js';

const CONSOLE = { id: 'mcpgate-console', secret: 'console-secret-0123456789abcdef' };

/**
 * A browser with a cookie jar that follows redirects by hand, and can stop before a URL (to
 * replay the authorization server's redirect elsewhere, as an attacker holding it would).
 */
class Jar {
  private readonly cookies = new Map<string, string>();
  readonly visited: string[] = [];

  async open(
    url: string,
    stopAt?: (url: string) => boolean,
  ): Promise<{ url: string; status: number; text: string }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      if (stopAt?.(current)) return { url: current, status: 0, text: '' };
      this.visited.push(current);
      const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(current, { redirect: 'manual', headers: cookie ? { cookie } : {} });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair!.indexOf('=');
        this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current).href;
        continue;
      }
      return { url: current, status: res.status, text: await res.text() };
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/**
 * Who may complete a per-user authorization (issue #18): the link a user is handed is the
 * gateway's `/oauth/start`, which only a browser signed in to the console as that same person may
 * follow; the callback only completes in the browser that opened the link; and the flow lives in
 * Postgres, so two `mcpgate serve` replicas on one database serve any step of it. Real
 * oidc-provider (gateway IdP, console sign-in and the upstream's authorization server), real
 * OAuth-protected MCP upstream, real Postgres, two real gateway processes.
 */
describe('per-user OAuth links are bound to the person who asked, on any replica', () => {
  let idp: TestIdp;
  let upstream: ProtectedUpstream;
  let db: PgDatabase;
  let a: ServeProcess;
  let b: ServeProcess;
  const resource: Record<'a' | 'b', string> = { a: '', b: '' };
  const tokens: Record<string, Record<'a' | 'b', string>> = {};

  beforeAll(async () => {
    db = await pgSchema('upstream_oauth_binding');
    const [pa, pb] = [await freePort(), await freePort()];
    resource.a = `http://127.0.0.1:${pa}/mcp`;
    resource.b = `http://127.0.0.1:${pb}/mcp`;
    // Browsers reach "the gateway" at B (as behind a load balancer); MCP clients call A.
    const publicUrl = `http://127.0.0.1:${pb}`;
    idp = await startIdp({
      consoles: [{ ...CONSOLE, redirectUris: [`${publicUrl}/console/auth/callback`] }],
    });
    upstream = await startProtectedUpstream(idp);
    const key = randomBytes(32).toString('base64');
    const start = async (port: number, res: string): Promise<ServeProcess> => {
      const config = writeConfig(`
upstreams:
  tickets:
    url: ${upstream.url}
    oauth:
      grant: authorization_code
policy: { default: allow }
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.pem }
server: { port: ${port} }
auth:
  mode: oauth
  resource: ${res}
  oidc:
    issuer: ${idp.issuer}
  upstreamTokens:
    keyFile: ./upstream-tokens.key
    publicUrl: ${publicUrl}
console:
  enabled: true
  publicUrl: ${publicUrl}
  oidc: { clientId: ${CONSOLE.id}, clientSecret: ${CONSOLE.secret}, scopes: [openid] }
`);
      writeAuditKey(config);
      writeFileSync(join(dirname(config), 'upstream-tokens.key'), key, { mode: 0o600 });
      return startServe(config);
    };
    a = await start(pa, resource.a);
    b = await start(pb, resource.b);
    for (const user of ['alice', 'bob', 'carol']) {
      tokens[user] = { a: '', b: '' };
      for (const g of ['a', 'b'] as const)
        tokens[user][g] = signJwt(idp.key, goodClaims(idp.issuer, resource[g], { sub: user }), {
          kid: idp.key.kid,
        });
    }
  }, 180_000);

  afterAll(async () => {
    await a?.stop('SIGKILL');
    await b?.stop('SIGKILL');
    await upstream?.close();
    await idp?.close();
    await db?.drop();
  });

  async function clientOf(user: string, onLink?: (url: string) => Promise<void>): Promise<Client> {
    const client = newClient('legacy', onLink ? { elicitation: { url: {} } } : {});
    if (onLink)
      client.setRequestHandler('elicitation/create', async (req) => {
        await onLink((req.params as { url: string }).url);
        return { action: 'accept' };
      });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${a.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${tokens[user]!.a}` } },
      }),
    );
    return client;
  }

  /**
   * The link replica A hands `user` in its -32042 refusal (`tickets__connect` is the placeholder
   * tool before anyone connected; once the upstream's tools are known, any of them asks).
   */
  async function linkFor(user: string, tool = 'tickets__connect'): Promise<string> {
    const client = await clientOf(user);
    try {
      const err = (await client.callTool({ name: tool, arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      )) as { code?: number; elicitations?: Array<{ url: string }> } | undefined;
      expect(err?.code).toBe(-32042);
      return err!.elicitations![0]!.url;
    } finally {
      await client.close();
    }
  }

  async function query<R extends Record<string, unknown>>(
    text: string,
    params: unknown[] = [],
  ): Promise<R[]> {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      return (await sql.query<R>(text, params)).rows;
    } finally {
      await sql.end();
    }
  }

  const connections = () => query<{ subject: string }>('SELECT subject FROM mcpgate_oauth_connections');
  /** Whether the browser was sent to the authorization server for the upstream (not the console sign-in). */
  const toServer = (jar: Jar) =>
    jar.visited.some(
      (v) => v.startsWith(idp.issuer) && new URL(v).searchParams.get('resource') === upstream.url,
    );

  it("refuses alice's link opened by bob, signed in to the console as himself: nothing connects, and it is audited", async () => {
    const link = await linkFor('alice');
    expect(link.startsWith(`${b.url}/oauth/start?flow=`)).toBe(true);
    const bob = new Jar();
    idp.account = 'bob';
    const page = await bob.open(link);
    expect(page.url).toBe(link);
    expect(page.status).toBe(403);
    expect(page.text).toContain('This authorization link was made for another person');
    expect(page.text).toContain('signed in as bob');
    // Bob was never sent on to the authorization server, and nobody is connected.
    expect(toServer(bob)).toBe(false);
    expect(await connections()).toEqual([]);
    const events = await waitFor(
      async () => {
        const r = await query<{ subject: string; body: string }>(
          "SELECT subject, body::text AS body FROM events WHERE type = 'security.auth_failed'",
        );
        return r.some((e) => e.body.includes('oauth_link_other_person')) ? r : undefined;
      },
      15_000,
      'the security.auth_failed record of the foreign link',
    );
    const refused = events.find((e) => e.body.includes('oauth_link_other_person'))!;
    expect(refused.subject).toBe('bob');
    expect(JSON.parse(refused.body)).toMatchObject({
      error: 'oauth_link_other_person',
      presented: { link: 'oauth-start', upstream: 'tickets', owner: 'alice' },
    });
  }, 120_000);

  it('refuses the callback in a browser without the flow cookie, and the redirect works once only', async () => {
    const link = await linkFor('alice');
    const alice = new Jar();
    idp.account = 'alice';
    // Alice signs in to the console, opens her link, signs in at the server: stop at the redirect back.
    const stopped = await alice.open(link, (u) => u.startsWith(`${b.url}/oauth/callback?`));
    expect(stopped.status).toBe(0);
    expect(toServer(alice)).toBe(true);
    // Someone else's browser (no flow cookie) replays it: refused, nothing connects.
    const other = await new Jar().open(stopped.url);
    expect(other.status).toBe(400);
    expect(other.text).toContain('This authorization was not started in this browser');
    expect(await connections()).toEqual([]);
    // The flow was spent by that attempt: alice's own browser cannot reuse the redirect either.
    const late = await alice.open(stopped.url);
    expect(late.status).toBe(400);
    expect(late.text).toContain('unknown or has expired');
    expect(await connections()).toEqual([]);
    await waitFor(
      async () =>
        (
          await query<{ body: string }>(
            "SELECT body::text AS body FROM events WHERE type = 'security.auth_failed'",
          )
        ).some((e) => e.body.includes('oauth_callback_foreign_browser')) || undefined,
      15_000,
      'the security.auth_failed record of the foreign callback',
    );
  }, 120_000);

  it('lets the right person finish on replica B a flow replica A started, and A uses the connection', async () => {
    const link = await linkFor('alice');
    const alice = new Jar();
    idp.account = 'alice';
    const page = await alice.open(link);
    expect(page.url.startsWith(`${b.url}/oauth/callback?`)).toBe(true);
    expect(page.status).toBe(200);
    expect(page.text).toContain('mcpgate is now authorized to use &#34;tickets&#34; for you');
    // A took nothing from memory: the pending row is gone from the store, the connection is there.
    expect(await query('SELECT 1 FROM mcpgate_oauth_pending WHERE subject = $1', ['alice'])).toEqual([]);
    expect((await connections()).map((c) => c.subject)).toEqual(['alice']);
    const client = await clientOf('alice');
    try {
      expect(textOf(await client.callTool({ name: 'tickets__connect', arguments: {} }))).toContain(
        'connected to "tickets"',
      );
      expect(textOf(await client.callTool({ name: 'tickets__whoami', arguments: {} }))).toBe('alice');
    } finally {
      await client.close();
    }
  }, 120_000);

  it("wakes a call waiting on replica A by URL elicitation when carol's browser finishes on B", async () => {
    const carol = new Jar();
    let opened = '';
    const client = await clientOf('carol', async (url) => {
      opened = url;
      idp.account = 'carol';
      const page = await carol.open(url);
      expect(page.status).toBe(200);
    });
    try {
      expect(textOf(await client.callTool({ name: 'tickets__whoami', arguments: {} }))).toBe('carol');
    } finally {
      await client.close();
    }
    expect(opened.startsWith(`${b.url}/oauth/start?flow=`)).toBe(true);
  }, 120_000);

  it('keeps the PKCE verifier and the link ids out of the clear in the store, and tokens out of logs', async () => {
    const link = new URL(await linkFor('bob', 'tickets__whoami'));
    const rows = await query<{ row: string }>(
      'SELECT row_to_json(p)::text AS row FROM mcpgate_oauth_pending p',
    );
    expect(rows.length).toBeGreaterThan(0);
    const stored = rows.map((r) => r.row).join('\n');
    expect(stored).not.toContain(link.searchParams.get('flow')!);
    const logs = [...a.stderr, ...b.stderr].join('\n');
    for (const token of idp.issued) {
      expect(logs.includes(token), 'an issued token appears in the logs').toBe(false);
      expect(stored.includes(token)).toBe(false);
    }
  }, 60_000);
});
