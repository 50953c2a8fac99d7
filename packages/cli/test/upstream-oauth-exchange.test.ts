import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLIENTS, startIdp, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { goodClaims, signJwt, writeAuditKey } from './oidc-support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';
import { startProtectedUpstream, type ProtectedUpstream } from './protected-upstream.js';
import { textOf, waitFor, writeConfig } from './support.js';

/**
 * `upstreams.<name>.oauth.grant: token_exchange` (RFC 8693) through `mcpgate serve`: the upstream
 * trusts the same oidc-provider as the gateway; each caller's own token is exchanged there (the
 * fixture's exchange grant) for one with the upstream's audience and the caller's subject, which is
 * all the upstream ever sees.
 */
describe('token exchange for an upstream that trusts the same IdP', () => {
  let idp: TestIdp;
  let upstream: ProtectedUpstream;
  let db: PgDatabase;
  let gw: ServeProcess;
  const callerTokens: Record<string, string> = {};

  beforeAll(async () => {
    db = await pgSchema('upstream_oauth_exchange');
    idp = await startIdp();
    upstream = await startProtectedUpstream(idp);
    const port = await freePort();
    const resource = `http://127.0.0.1:${port}/mcp`;
    const config = writeConfig(`
upstreams:
  ledger:
    url: ${upstream.url}
    oauth:
      grant: token_exchange
      issuer: ${idp.issuer}
      clientId: ${CLIENTS.exchanger.id}
      clientSecret: \${env:EXCHANGE_SECRET}
      scopes: [mcp:tools]
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
`);
    writeAuditKey(config);
    for (const user of ['carol', 'dave']) {
      callerTokens[user] = signJwt(idp.key, goodClaims(idp.issuer, resource, { sub: user }), {
        kid: idp.key.kid,
      });
    }
    gw = await startServe(config, { EXCHANGE_SECRET: CLIENTS.exchanger.secret });
  }, 120_000);

  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await upstream?.close();
    await idp?.close();
    await db?.drop();
  });

  async function callAs(user: string, tool: string): Promise<string> {
    const client = newClient('legacy');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${callerTokens[user]}` } },
      }),
    );
    try {
      return textOf(await client.callTool({ name: tool, arguments: {} }));
    } finally {
      await client.close();
    }
  }

  it("gives the upstream a token of its own audience with the caller's subject, never the caller's token", async () => {
    expect(await callAs('carol', 'ledger__connect')).toContain('connected to "ledger"');
    expect(await callAs('carol', 'ledger__whoami')).toBe('carol');
    expect(await callAs('dave', 'ledger__whoami')).toBe('dave');

    const verified = upstream.seen.filter((s) => s.subject !== undefined);
    expect(verified.map((s) => s.subject)).toEqual(expect.arrayContaining(['carol', 'dave']));
    // Verified means: signed by the IdP, audience = the upstream's own URL.
    for (const s of verified) expect(s.audience).toBe(upstream.url);
    for (const s of upstream.seen) expect(Object.values(callerTokens)).not.toContain(s.token);
    // One exchanged token per user, reused until it is due (cached).
    const carols = new Set(verified.filter((s) => s.subject === 'carol').map((s) => s.token));
    expect(carols.size).toBe(1);
    const exchanged = [...carols][0]!;
    expect(idp.issued).toContain(exchanged);

    const rows = await waitFor(
      async () => {
        const sql = new pg.Client({ connectionString: db.url });
        await sql.connect();
        try {
          const r = await sql.query<{ type: string; subject: string; body: string }>(
            "SELECT type, subject, body FROM events WHERE type LIKE 'oauth.%' ORDER BY ts",
          );
          return r.rows.length >= 2 ? r.rows : undefined;
        } finally {
          await sql.end();
        }
      },
      15_000,
      'the oauth.connected audit records',
    );
    expect(rows.map((r) => `${r.type}:${r.subject}`)).toEqual([
      'oauth.connected:carol',
      'oauth.connected:dave',
    ]);
    expect(JSON.parse(rows[0]!.body)).toMatchObject({
      grant: 'token_exchange',
      clientId: CLIENTS.exchanger.id,
    });
    const logs = gw.stderr.join('\n');
    for (const token of [...idp.issued, ...Object.values(callerTokens)]) {
      expect(logs).not.toContain(token);
      for (const r of rows) expect(r.body).not.toContain(token);
    }
    expect(logs).not.toContain(CLIENTS.exchanger.secret);
  }, 60_000);
});
