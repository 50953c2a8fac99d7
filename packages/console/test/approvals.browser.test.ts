import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { writeConfig } from '../../cli/test/support.js';
import { newClient, startServe, type ServeProcess } from '../../cli/test/http-support.js';
import { CONSOLE_CLIENT, startConsoleIdp, type ConsoleIdp } from './fixtures/idp.js';
import { expectAccessible } from './fixtures/a11y.js';
import { launchBrowser, newPerson, screenshot, type Person } from './fixtures/browser.js';

/**
 * The approvals inbox end to end: a real `mcpgate serve` (Postgres store, server-everything
 * upstream, OIDC from a real oidc-provider), a real MCP client whose call is held by
 * `require_approval`, and people deciding in a real Chromium.
 */
describe('console: approvals inbox in a real browser', () => {
  let idp: ConsoleIdp;
  let db: PgDatabase;
  let gw: ServeProcess;
  let browser: Browser;
  let base: string;
  const people: Person[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startConsoleIdp({ redirectUri: `${base}/console/auth/callback`, resource: `${base}/mcp` });
    db = await pgSchema({ prefix: 'mcpgate_console_appr' });
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
policy:
  default: allow
  rules:
    - name: sums-need-approval
      match: { tools: [get-sum] }
      action: require_approval
      approval: { reviewers: [reviewers], approvals: 1, mode: wait, timeout: 10m }
`),
      { CONSOLE_SECRET: CONSOLE_CLIENT.secret },
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const p of people) await p.context.close();
    await browser?.close();
    await gw?.stop();
    await idp?.close();
    await db?.drop();
  });

  /** Opens `path` in a new profile; the console sends the person through the IdP and back. */
  async function signIn(account: string, path = '/console/approvals', phone = false): Promise<Person> {
    idp.account = account;
    const person = await newPerson(browser, phone);
    people.push(person);
    await person.page.goto(`${base}${path}`);
    await person.page.waitForURL((u) => u.pathname === path.split('?')[0], { timeout: 30_000 });
    await person.page.locator('header.top').waitFor();
    return person;
  }

  async function aliceCalls(a: number, b: number) {
    const client = newClient('legacy');
    const token = await idp.agentToken();
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${base}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    const call = client.callTool({ name: 'ev__get-sum', arguments: { a, b } }, { timeout: 300_000 });
    // Keep a rejection from being unhandled before the test awaits it.
    call.catch(() => undefined);
    return { call, close: () => client.close() };
  }

  /** The pending approval for a call with these arguments, read through the API as `person`. */
  async function pendingId(person: Person, args: string): Promise<string> {
    if (new URL(person.page.url()).pathname !== '/console/approvals')
      await person.page.getByRole('navigation').getByRole('link', { name: 'Approvals' }).click();
    const card = person.page.locator('li.card', { hasText: 'get-sum' }).filter({ hasText: args });
    await card.first().waitFor({ timeout: 30_000 });
    const ids = await person.page.evaluate(async () => {
      const r = await fetch('/admin/approvals?status=requested');
      return ((await r.json()) as { items: Array<{ id: string; arguments: string }> }).items;
    });
    const hit = ids.find((i) => i.arguments.includes(args));
    if (!hit) throw new Error(`no pending approval with ${args}: ${JSON.stringify(ids)}`);
    return hit.id;
  }

  it('a reviewer approves a held call in the browser; the client gets the real result', async () => {
    const bob = await signIn('bob');
    await bob.page.locator('.live.on').waitFor();
    await bob.page.getByText('Nothing is waiting for you.').waitFor();
    // The call is made while the page is open: the card arrives over server-sent events.
    const alice = await aliceCalls(20, 22);
    const id = await pendingId(bob, '"a":20');
    await screenshot(bob.page, 'approvals-inbox');
    await expectAccessible(bob.page, 'approvals-inbox');
    await bob.page.locator(`li.card[data-approval="${id}"] a`).click();
    await bob.page.getByRole('heading', { name: /get-sum/ }).waitFor();
    await bob.page.getByText('sums-need-approval').waitFor();
    await expect.poll(() => bob.page.locator('[data-field="progress"]').textContent()).toBe('0 of 1');
    await bob.page.getByLabel('Reason (required to deny)').fill('checked the numbers');
    await screenshot(bob.page, 'approval-detail');
    await expectAccessible(bob.page, 'approval-detail');
    await bob.page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => bob.page.getByRole('status').textContent()).toBe('Your approval was recorded.');
    const result = await alice.call;
    expect(JSON.stringify(result.content)).toContain('42');
    await bob.page.getByText(/Approved by Bob Reviewer via web/).waitFor();
    await alice.close();
    // No Content-Security-Policy violation: nothing inline, nothing from elsewhere.
    expect(bob.errors.filter((e) => /Content.Security.Policy/i.test(e))).toEqual([]);
  });

  it('a deny from a Slack-style link reaches the client with its reason', async () => {
    const alice = await aliceCalls(1, 2);
    const bob = people[0]!;
    const id = await pendingId(bob, '"a":1');
    // A fresh profile (not signed in) opening the link a Slack/webhook message carries.
    const phone = await signIn('bob', `/console/approvals/${id}?decide=deny`, true);
    await expect.poll(() => phone.page.locator(':focus').getAttribute('id')).toBe('reason');
    expect(await phone.page.getByRole('button', { name: 'Deny' }).isDisabled()).toBe(true);
    await phone.page.getByLabel('Reason (required to deny)').fill('sums over 2 need a ticket');
    await screenshot(phone.page, 'approval-phone');
    await expectAccessible(phone.page, 'approval-phone');
    await phone.page.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => phone.page.getByRole('status').textContent()).toBe('Your denial was recorded.');
    await expect(alice.call).rejects.toThrow(/sums over 2 need a ticket/);
    await alice.close();
  });

  it('refuses self-approval, non-reviewers and requests without the CSRF token, even with the button forced', async () => {
    const alice = await aliceCalls(5, 6);
    const bob = people[0]!;
    const id = await pendingId(bob, '"a":5');
    const decide = (p: Person, csrf: boolean) =>
      p.page.evaluate(
        async ({ id, csrf }) => {
          const me = (await (await fetch('/admin/console/me')).json()) as { csrfToken: string };
          const r = await fetch(`/admin/approvals/${id}/approve`, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(csrf ? { 'x-csrf-token': me.csrfToken } : {}),
            },
            body: '{}',
          });
          return {
            status: r.status,
            body: (await r.json()) as { error?: { code: string; message: string } },
          };
        },
        { id, csrf },
      );

    // Alice herself: the page says why and disables the buttons; forcing the request fails.
    const self = await signIn('alice', `/console/approvals/${id}`);
    await self.page.getByText('You made this request; someone else must decide it.').waitFor();
    expect(await self.page.getByRole('button', { name: 'Approve' }).isDisabled()).toBe(true);
    await self.page.locator('button').evaluateAll((els) => {
      for (const el of els) el.removeAttribute('disabled');
    });
    await self.page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => self.page.getByRole('status').textContent()).toContain('Refused:');
    const forcedSelf = await decide(self, true);
    expect(forcedSelf.status).toBe(403);

    // Carol (an auditor, not a reviewer of this rule) cannot decide either.
    const carol = await signIn('carol', '/console/approvals');
    const forcedCarol = await decide(carol, true);
    expect([403, 404]).toContain(forcedCarol.status);

    // Bob is a reviewer, but a request without the CSRF token is refused before it is looked at.
    const noCsrf = await decide(bob, false);
    expect(noCsrf).toMatchObject({ status: 403, body: { error: { code: 'csrf' } } });

    const still = await bob.page.evaluate(
      async (id) =>
        ((await (await fetch(`/admin/approvals/${id}`)).json()) as { approval: { status: string } }).approval,
      id,
    );
    expect(still.status).toBe('requested');
    // A cross-site form post carries no CSRF token (and Lax keeps the cookie off it): refused too.
    const csrfPost = await fetch(`${base}/admin/approvals/${id}/deny`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', cookie: 'mcpgate-console=guess' },
      body: '{"reason":"x"}',
    });
    expect(csrfPost.status).toBe(401);

    const ok = await decide(bob, true);
    expect(ok.status).toBe(200);
    await alice.call;
    await alice.close();
  });

  it('serves a strict Content-Security-Policy, a small first load, and signs out', async () => {
    const page = await fetch(`${base}/console/`, { headers: { 'accept-encoding': 'gzip' } });
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/https?:\/\//);
    let compressed = Number(page.headers.get('content-length'));
    for (const asset of ['app.js', 'app.css']) {
      const r = await fetch(`${base}/console/assets/${asset}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(r.headers.get('content-encoding')).toBe('gzip');
      compressed += Number(r.headers.get('content-length'));
      await r.arrayBuffer();
    }
    expect(compressed).toBeGreaterThan(1000);
    expect(compressed).toBeLessThan(250 * 1024);

    const bob = people[0]!;
    const cookie = (await bob.context.cookies()).find((c) => c.name === 'mcpgate-console')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    await bob.page.getByRole('button', { name: 'Sign out' }).click();
    await bob.page.getByText('You are signed out of the mcpgate console.').waitFor();
    const after = await fetch(`${base}/admin/console/me`, {
      headers: { cookie: `mcpgate-console=${cookie.value}` },
    });
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });
});
