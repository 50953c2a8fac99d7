import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { textOf, waitFor, writeConfig } from './support.js';

/** Upstream access tokens live this long (s): short, so several refreshes happen in the test. */
const TTL_S = 6;
/** `oauth.idleTimeout` of the upstream: longer than the pause without calls below. */
const IDLE_S = 12;

interface OAuthRow {
  type: string;
  subject: string;
  ts: Date;
  body: string;
}

/**
 * Background refresh of per-user upstream grants, across two `mcpgate serve` replicas on one
 * Postgres, against a real oidc-provider that rotates refresh tokens on every use and revokes the
 * whole grant when a rotated one is presented again (so a refresh done twice would show as a
 * failure). With no call for longer than a token lives, the grant is refreshed before each token
 * expires, exactly once per token; the first call after the pause pays no refresh; a user's
 * connection idle past `idleTimeout` is closed, their token no longer refreshed, and their next
 * call reopens it transparently; revoking closes the connection at once.
 */
describe('per-user upstream tokens refreshed ahead of expiry, once across replicas', () => {
  let idp: TestIdp;
  let upstream: ProtectedUpstream;
  let db: PgDatabase;
  const gws: ServeProcess[] = [];
  let resource: string;
  let gatewayToken: string;
  const browser = new ScriptedBrowser();

  beforeAll(async () => {
    db = await pgSchema('upstream_oauth_refresh');
    idp = await startIdp({ rotateRefreshTokens: true });
    upstream = await startProtectedUpstream(idp);
    idp.resourceTTL.set(upstream.url, TTL_S);
    const ports = [await freePort(), await freePort()];
    // Both replicas accept the same gateway token (one resource); each has its own callback.
    resource = `http://127.0.0.1:${ports[0]}/mcp`;
    const key = randomBytes(32).toString('base64');
    for (const [i, port] of ports.entries()) {
      const config = writeConfig(
        `
upstreams:
  tickets:
    url: ${upstream.url}
    oauth:
      grant: authorization_code
      idleTimeout: ${IDLE_S}s
policy: { default: allow }
logging: { level: debug }
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.pem, replicaId: gw-${i + 1} }
server: { port: ${port} }
auth:
  mode: oauth
  resource: ${resource}
  oidc:
    issuer: ${idp.issuer}
  upstreamTokens:
    keyFile: ./upstream-tokens.key
    # Who opens a link is upstream-oauth-binding.test.ts's subject; here one scripted browser does.
    binding: none
    publicUrl: http://127.0.0.1:${port}
`,
        mkdtempSync(join(tmpdir(), `mcpgate-refresh-${i + 1}-`)),
      );
      writeAuditKey(config);
      // One key-encryption key for both: either replica opens what the other sealed.
      writeFileSync(join(dirname(config), 'upstream-tokens.key'), key, { mode: 0o600 });
      // The first replica migrates alone, so the second starts on a ready schema.
      gws.push(await startServe(config));
    }
    gatewayToken = signJwt(idp.key, goodClaims(idp.issuer, resource, { sub: 'alice' }), {
      kid: idp.key.kid,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.allSettled(gws.map((g) => g.stop('SIGKILL')));
    await upstream?.close();
    await idp?.close();
    await db?.drop();
  });

  async function clientOf(gw: ServeProcess): Promise<Client> {
    const client = newClient('legacy');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${gatewayToken}` } },
      }),
    );
    return client;
  }

  async function whoami(gw: ServeProcess): Promise<string> {
    const client = await clientOf(gw);
    try {
      return textOf(await client.callTool({ name: 'tickets__whoami', arguments: {} }));
    } finally {
      await client.close();
    }
  }

  async function oauthEvents(): Promise<OAuthRow[]> {
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      return (
        await sql.query<OAuthRow>(
          "SELECT type, subject, ts, body::text AS body FROM events WHERE type LIKE 'oauth.%' ORDER BY ts",
        )
      ).rows;
    } finally {
      await sql.end();
    }
  }

  /**
   * The connect and refresh records, once every refresh the IdP answered has its record (they are
   * committed in the background). Exactly once per token: the IdP rotates the refresh token on
   * each use and revokes the grant when a used one comes back, so a refresh done twice would be a
   * refused one (and an `oauth.refresh_failed`) and two records for one rotation.
   */
  async function settledChain(): Promise<{ chain: OAuthRow[]; refreshed: OAuthRow[]; events: OAuthRow[] }> {
    const events = await waitFor(
      async () => {
        const all = await oauthEvents();
        const n = all.filter((e) => e.type === 'oauth.refreshed').length;
        return idp.refreshTokens.length === 1 + n ? all : undefined;
      },
      15_000,
      'one oauth.refreshed record per refresh the IdP answered',
    );
    const chain = events.filter((e) => e.type === 'oauth.connected' || e.type === 'oauth.refreshed');
    expect(chain[0]?.type).toBe('oauth.connected');
    return { chain, refreshed: chain.slice(1), events };
  }

  /** Connections the gateway opened to the upstream for alice (each starts with a handshake). */
  function opened(): number {
    return upstream.seen.filter(
      (s) => s.subject === 'alice' && (s.method === 'initialize' || s.method === 'server/discover'),
    ).length;
  }

  function logged(gw: ServeProcess, msg: string): Array<Record<string, unknown>> {
    return gw.stderr
      .filter((l) => l.includes(msg))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((o) => o.msg === msg);
  }

  it('refreshes the grant before each token expires with no call in between, exactly once', async () => {
    const [a, b] = gws as [ServeProcess, ServeProcess];
    // Alice authorizes once, through replica a; then both replicas serve her.
    const client = await clientOf(a);
    let link: string;
    try {
      const err = (await client.callTool({ name: 'tickets__connect', arguments: {} }).then(
        () => undefined,
        (e: unknown) => e,
      )) as { elicitations?: Array<{ url: string }> } | undefined;
      link = err?.elicitations?.[0]?.url ?? '';
      expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/start\?flow=/);
    } finally {
      await client.close();
    }
    idp.account = 'alice';
    expect((await browser.request(link)).status).toBe(200);
    // Each replica lists the upstream's tools once a user's connection fetched them there.
    for (const gw of gws) {
      const c = await clientOf(gw);
      try {
        expect(textOf(await c.callTool({ name: 'tickets__connect', arguments: {} }))).toContain('connected');
      } finally {
        await c.close();
      }
    }
    expect(await whoami(a)).toBe('alice');
    expect(await whoami(b)).toBe('alice');

    // No call for well over one token lifetime (but less than the idle timeout).
    await new Promise((r) => setTimeout(r, 10_000));

    const before = await settledChain();
    expect(before.refreshed.length).toBeGreaterThanOrEqual(2);
    // Calls after the pause, on both replicas.
    expect(await whoami(b)).toBe('alice');
    expect(await whoami(a)).toBe('alice');
    const { chain, events } = await settledChain();
    expect(events.filter((e) => e.type === 'oauth.refresh_failed')).toEqual([]);
    // Each refresh happened before the token it replaced was due — before a call would refresh it
    // (with half of its lifetime left) — so none was paid by a call, nor did a token expire.
    for (let i = 1; i < chain.length; i++) {
      const previousExpiry = Date.parse((JSON.parse(chain[i - 1]!.body) as { expiresAt: string }).expiresAt);
      expect(chain[i]!.ts.getTime()).toBeLessThan(previousExpiry - (TTL_S * 1000) / 2);
    }
    for (const token of idp.issued) {
      for (const gw of gws) expect(gw.stderr.join('\n')).not.toContain(token);
      expect(JSON.stringify(events)).not.toContain(token);
    }
  }, 120_000);

  it('closes an idle connection, stops refreshing its token, and reopens it on the next call', async () => {
    const [a] = gws as [ServeProcess, ServeProcess];
    const before = opened();
    await waitFor(
      () => gws.every((g) => logged(g, 'closed the connection of a user').length > 0) || undefined,
      (IDLE_S + 10) * 1000,
      'both replicas to close the idle connection',
    );
    for (const g of gws) {
      expect(logged(g, 'closed the connection of a user')[0]).toMatchObject({
        upstream: 'tickets',
        subject: 'alice',
        why: expect.stringMatching(/^idle for \d+ s$/),
      });
    }
    // A user who left: no more background refreshes (two token lifetimes later).
    const count = (await oauthEvents()).filter((e) => e.type === 'oauth.refreshed').length;
    await new Promise((r) => setTimeout(r, 2 * TTL_S * 1000));
    expect((await oauthEvents()).filter((e) => e.type === 'oauth.refreshed').length).toBe(count);

    // Her next call opens a new connection (the expired token refreshed on the way), unasked.
    expect(await whoami(a)).toBe('alice');
    expect(opened()).toBeGreaterThan(before);
    expect((await oauthEvents()).filter((e) => e.type === 'oauth.refresh_failed')).toEqual([]);
  }, 120_000);

  it('closes the connection at once when the user revokes it', async () => {
    const [a] = gws as [ServeProcess, ServeProcess];
    const res = await fetch(`${a.url}/admin/oauth/connections/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${gatewayToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ upstream: 'tickets' }),
    });
    expect(res.status).toBe(200);
    // Logged as it happens; the log line travels through the child's stderr.
    const closed = await waitFor(
      () => {
        const l = logged(a, 'closed the connection of a user');
        return l.some((x) => x.why === 'its authorization ended') ? l : undefined;
      },
      10_000,
      'the revoked connection to close',
    );
    expect(closed.filter((l) => l.why === 'its authorization ended')).toHaveLength(1);
    const events = await waitFor(
      async () => {
        const all = await oauthEvents();
        return all.some((e) => e.type === 'oauth.revoked') ? all : undefined;
      },
      15_000,
      'the oauth.revoked record',
    );
    expect(events.filter((e) => e.type === 'oauth.revoked').map((e) => e.subject)).toEqual(['alice']);
  }, 60_000);
});
