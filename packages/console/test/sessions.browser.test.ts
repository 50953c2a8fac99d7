import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { writeConfig } from '../../cli/test/support.js';
import { newClient, startServe, type ServeProcess } from '../../cli/test/http-support.js';
import { CONSOLE_CLIENT, startConsoleIdp, type ConsoleIdp } from './fixtures/idp.js';
import { expectAccessible } from './fixtures/a11y.js';
import { launchBrowser, newPerson, screenshot, type Person } from './fixtures/browser.js';

/** Planted secrets: they must never reach a page or an API response, only masking markers. */
const TOKEN = `ghp_${'Z7q9'.repeat(9)}`;
const EMAIL = 'dana.secret@example.org';

describe('console: sessions and replay in a real browser', () => {
  let idp: ConsoleIdp;
  let db: PgDatabase;
  let gw: ServeProcess;
  let browser: Browser;
  let base: string;
  const people: Person[] = [];
  /** Every /admin/… response body any page received. */
  const apiBodies: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startConsoleIdp({ redirectUri: `${base}/console/auth/callback`, resource: `${base}/mcp` });
    db = await pgSchema({ prefix: 'mcpgate_console_sess' });
    gw = await startServe(
      writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
store: { url: ${JSON.stringify(db.url)} }
server: { port: ${port} }
auth:
  mode: oauth
  resource: ${base}/mcp
  oidc:
    issuer: ${idp.issuer}
    claims: { groups: groups }
console:
  enabled: true
  oidc:
    clientId: ${CONSOLE_CLIENT.id}
    clientSecret: \${env:CONSOLE_SECRET}
  roles: { auditor: [auditors] }
masking:
  arguments: true
policy:
  default: allow
  rules:
    - name: no-sums
      match: { tools: [get-sum] }
      action: deny
`),
      { CONSOLE_SECRET: CONSOLE_CLIENT.secret },
    );
    browser = await launchBrowser();
    // Alice's agent works: one echo carrying secrets, one refused call.
    const client = newClient('legacy');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${await idp.agentToken()}` } },
      }),
    );
    const echoed = await client.callTool({
      name: 'ev__echo',
      arguments: { message: `deploy with ${TOKEN}, mail ${EMAIL}` },
    });
    expect(JSON.stringify(echoed)).not.toContain(TOKEN);
    await expect(client.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } })).rejects.toThrow(
      /unknown tool/,
    );
    await client.close();
  });
  afterAll(async () => {
    for (const p of people) await p.context.close();
    await browser?.close();
    await gw?.stop();
    await idp?.close();
    await db?.drop();
  });

  async function signIn(account: string, path: string): Promise<Person> {
    idp.account = account;
    const person = await newPerson(browser);
    people.push(person);
    person.page.on('response', (r) => {
      if (new URL(r.url()).pathname.startsWith('/admin/'))
        void r.text().then(
          (t) => apiBodies.push(t),
          () => undefined,
        );
    });
    await person.page.goto(`${base}${path}`);
    await person.page.waitForURL((u) => u.pathname === path, { timeout: 30_000 });
    await person.page.locator('header.top').waitFor();
    return person;
  }

  it('an auditor replays a session with masked values: markers shown, raw values nowhere', async () => {
    const carol = await signIn('carol', '/console/sessions');
    const row = carol.page.locator('tr[data-session]', { hasText: 'alice' });
    await row.first().waitFor();
    await screenshot(carol.page, 'sessions');
    await expectAccessible(carol.page, 'sessions');
    await row.first().getByRole('link').click();
    await carol.page.getByRole('heading', { name: /Session/ }).waitFor();
    await carol.page.locator('.marker').first().waitFor();
    const markers = await carol.page.locator('.marker').allTextContents();
    expect(markers.join('\n')).toMatch(/masked \S+ at \S+ ×1/);
    await carol.page.getByText(/ev__get-sum refused \(unknown_tool\)/).waitFor();
    await screenshot(carol.page, 'session-replay');
    await expectAccessible(carol.page, 'session-replay');
    const html = await carol.page.content();
    expect(html).toContain('ev__echo');
    expect(html).not.toContain(TOKEN);
    expect(html).not.toContain(EMAIL);
    // Let the response listeners finish reading bodies, then check every API answer.
    await carol.page.waitForLoadState('networkidle');
    expect(apiBodies.some((b) => b.includes('"masking"'))).toBe(true);
    for (const body of apiBodies) {
      expect(body).not.toContain(TOKEN);
      expect(body).not.toContain(EMAIL);
    }
    // The reads are in the audit trail, as the CLI's are.
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const reads = await c.query<{ method: string }>(
      `SELECT method FROM events WHERE type = 'audit.read' AND subject = 'carol' ORDER BY ts`,
    );
    await c.end();
    expect(reads.rows.map((r) => r.method)).toEqual(
      expect.arrayContaining(['audit.console.sessions', 'audit.console.replay']),
    );
  });

  it("someone who is not an auditor cannot read another person's sessions (API and page)", async () => {
    const carol = people[0]!;
    const aliceSession = await carol.page.evaluate(async () => {
      const r = await fetch('/admin/sessions?user=alice');
      return ((await r.json()) as { items: Array<{ id: string }> }).items[0]!.id;
    });
    const bob = await signIn('bob', '/console/sessions');
    await bob.page.getByText('Your own sessions.').waitFor();
    await bob.page.getByText('No sessions match.').waitFor();
    const api = await bob.page.evaluate(async (id) => {
      const one = await fetch(`/admin/sessions/${id}`);
      const list = await fetch('/admin/sessions?user=alice');
      return { one: one.status, oneBody: await one.text(), list: list.status };
    }, aliceSession);
    expect(api).toMatchObject({ one: 404, list: 403 });
    expect(api.oneBody).not.toContain('ev__echo');
    await bob.page.goto(`${base}/console/sessions/${aliceSession}`);
    await bob.page.getByRole('alert').waitFor();
    expect(await bob.page.getByRole('alert').textContent()).toContain('no session');
    expect(await bob.page.content()).not.toContain('ev__echo');
  });

  it('an auditor searches the trail, downloads it and sees its evidence; others are refused', async () => {
    const carol = people[0]!;
    await carol.page.getByRole('navigation').getByRole('link', { name: 'Audit' }).click();
    await carol.page.getByLabel('Search arguments and results').fill('deploy with');
    await carol.page.getByRole('button', { name: 'Search' }).click();
    // Only the echo call carries the text (the refused get-sum and the lists do not).
    await expect.poll(() => carol.page.locator('tr[data-call]').count()).toBe(1);
    expect(await carol.page.locator('tr[data-call]').textContent()).toContain('echo');
    await carol.page.getByText('Who read the trail').waitFor();
    await carol.page
      .getByText(/carol: console\.replay/)
      .first()
      .waitFor();
    await screenshot(carol.page, 'audit');
    await expectAccessible(carol.page, 'audit');
    const exported = await carol.page.evaluate(async () => {
      const r = await fetch('/admin/audit/export?format=jsonl');
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    });
    expect(exported.status).toBe(200);
    expect(exported.type).toContain('ndjson');
    expect(exported.text.split('\n')[0]).toContain('"record":"header"');
    expect(exported.text).toContain('audit.console.query');
    expect(exported.text).not.toContain(TOKEN);
    expect(await carol.page.content()).not.toContain(TOKEN);

    const bob = people[1]!;
    await bob.page.goto(`${base}/console/sessions`);
    await bob.page.locator('header.top').waitFor();
    expect(await bob.page.getByRole('navigation').getByRole('link', { name: 'Audit' }).count()).toBe(0);
    const refused = await bob.page.evaluate(async () =>
      Promise.all(
        ['/admin/audit/calls', '/admin/audit/export', '/admin/audit/evidence'].map(
          async (p) => (await fetch(p)).status,
        ),
      ),
    );
    expect(refused).toEqual([403, 403, 403]);
  });
});
