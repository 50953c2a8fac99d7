import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { startIdp, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { writeConfig } from '../../cli/test/support.js';
import { goodClaims, signJwt, writeAuditKey } from '../../cli/test/oidc-support.js';
import { newClient, startServe, type ServeProcess } from '../../cli/test/http-support.js';
import { startProtectedUpstream, type ProtectedUpstream } from '../../cli/test/protected-upstream.js';
import { launchBrowser, newPerson, screenshot, type Person } from './fixtures/browser.js';
import { expectAccessible } from './fixtures/a11y.js';

const CONSOLE = { id: 'mcpgate-console', secret: 'console-secret-0123456789abcdef' };

/**
 * The Connections page end to end: `mcpgate serve` with an OAuth-protected upstream authorized per
 * person, a real oidc-provider (console sign-in and the upstream's authorization server), Postgres
 * and a real Chromium. Dana signs in, presses Connect, goes through the upstream's authorization
 * and comes back connected; her MCP client then reaches the upstream as her; Disconnect revokes.
 */
describe('console: upstream connections (Connect / Disconnect) in a real browser', () => {
  let idp: TestIdp;
  let upstream: ProtectedUpstream;
  let db: PgDatabase;
  let gw: ServeProcess;
  let browser: Browser;
  let base: string;
  const people: Person[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startIdp({ consoles: [{ ...CONSOLE, redirectUris: [`${base}/console/auth/callback`] }] });
    upstream = await startProtectedUpstream(idp);
    db = await pgSchema('mcpgate_console_connections');
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
  resource: ${base}/mcp
  oidc:
    issuer: ${idp.issuer}
  upstreamTokens:
    keyFile: ./upstream-tokens.key
console:
  enabled: true
  oidc: { clientId: ${CONSOLE.id}, clientSecret: ${CONSOLE.secret}, scopes: [openid] }
`);
    writeAuditKey(config);
    writeFileSync(join(dirname(config), 'upstream-tokens.key'), randomBytes(32).toString('base64'), {
      mode: 0o600,
    });
    gw = await startServe(config);
    browser = await launchBrowser();
  }, 180_000);

  afterAll(async () => {
    for (const p of people) await p.context.close();
    await browser?.close();
    await gw?.stop('SIGKILL');
    await upstream?.close();
    await idp?.close();
    await db?.drop();
  });

  async function whoamiAs(user: string): Promise<string> {
    const token = signJwt(idp.key, goodClaims(idp.issuer, `${base}/mcp`, { sub: user }), {
      kid: idp.key.kid,
    });
    const client = newClient('legacy');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      // The first call of a session to a per-user upstream is its placeholder: it says connected.
      const first = (await client.callTool({ name: 'tickets__connect', arguments: {} })) as {
        content: Array<{ text?: string }>;
      };
      expect(first.content[0]?.text).toContain('connected to "tickets"');
      const r = (await client.callTool({ name: 'tickets__whoami', arguments: {} })) as {
        content: Array<{ text?: string }>;
      };
      return r.content[0]?.text ?? '';
    } finally {
      await client.close();
    }
  }

  it('connects with the Connect button, then Disconnect revokes; no token reaches the page', async () => {
    idp.account = 'dana';
    const dana = await newPerson(browser);
    people.push(dana);
    const page = dana.page;
    await page.goto(`${base}/console/connections`);
    await page.waitForURL((u) => u.pathname === '/console/connections', { timeout: 30_000 });
    const row = page.getByRole('row', { name: /tickets/ });
    await row.getByText('not connected').waitFor();
    await expectAccessible(page, 'connections: not connected');

    await row.getByRole('button', { name: 'Connect tickets' }).click();
    // Through /oauth/start (signed in as dana: bound), the authorization server, and back.
    await page.waitForURL((u) => u.pathname === '/oauth/callback', { timeout: 30_000 });
    await page.getByRole('heading', { name: 'Connected' }).waitFor();
    await page.getByRole('link', { name: 'Your connections in the console' }).click();
    await page.waitForURL((u) => u.pathname === '/console/connections');
    await row.getByText('connected', { exact: true }).waitFor();
    expect(await row.getByRole('button', { name: 'Disconnect tickets' }).isVisible()).toBe(true);
    await screenshot(page, 'connections');
    await expectAccessible(page, 'connections: connected');
    const shown = await page.content();
    for (const token of idp.issued) expect(shown.includes(token), 'a token on the page').toBe(false);

    // Her MCP client now reaches the upstream as her.
    expect(await whoamiAs('dana')).toBe('dana');

    await row.getByRole('button', { name: 'Disconnect tickets' }).click();
    await page.getByRole('status').getByText('Disconnected tickets.').waitFor();
    await row.getByText('not connected').waitFor();
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      expect((await sql.query('SELECT 1 FROM mcpgate_oauth_connections')).rows).toEqual([]);
    } finally {
      await sql.end();
    }
    // The one 401 is the console asking who is signed in before the sign-in; nothing else (no CSP refusal).
    expect(dana.errors.filter((e) => !e.includes('status of 401'))).toEqual([]);
  }, 180_000);
});
