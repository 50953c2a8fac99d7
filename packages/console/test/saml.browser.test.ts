import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { Browser } from 'playwright-core';
import { everythingBin, freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { waitFor, writeConfig } from '../../cli/test/support.js';
import { startServe, type ServeProcess } from '../../cli/test/http-support.js';
import { CONSOLE_CLIENT, startConsoleIdp, type ConsoleIdp } from './fixtures/idp.js';
import { makeKeyPair, readAuthnRequest, startSamlIdp, type SamlIdp } from './fixtures/saml-idp.js';
import { launchBrowser, newPerson, screenshot, type Person } from './fixtures/browser.js';

/**
 * SAML 2.0 sign-in to the console, against the test IdP (fixtures/saml-idp.ts, built on
 * xml-crypto) on `localhost` — another site than the gateway on 127.0.0.1, so the IdP's POST is a
 * real cross-site POST — next to a real oidc-provider, with real Postgres and a real upstream.
 */
describe('console: SAML sign-in', () => {
  let oidcIdp: ConsoleIdp;
  let idp: SamlIdp;
  let db: PgDatabase;
  let gw: ServeProcess;
  let browser: Browser;
  let base: string;
  let acs: string;
  let spEntityId: string;
  const people: Person[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    acs = `${base}/console/auth/saml/acs`;
    spEntityId = `${base}/console`;
    oidcIdp = await startConsoleIdp({
      redirectUri: `${base}/console/auth/callback`,
      resource: `${base}/mcp`,
    });
    idp = await startSamlIdp();
    db = await pgSchema({ prefix: 'mcpgate_console_saml' });
    const config = writeConfig(`
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
    issuer: ${oidcIdp.issuer}
    claims: { groups: groups }
console:
  enabled: true
  oidc:
    clientId: ${CONSOLE_CLIENT.id}
    clientSecret: \${env:CONSOLE_SECRET}
  saml:
    entryPoint: ${idp.ssoUrl}
    issuer: ${spEntityId}
    idpCert: \${file:idp-cert.pem}
    idpIssuer: ${idp.entityId}
    groupsAttribute: memberOf
    nameAttribute: displayName
    label: Example Corp SSO
  roles: { auditor: [auditors], admin: [platform-admins] }
`);
    writeFileSync(join(dirname(config), 'idp-cert.pem'), idp.keys.cert);
    gw = await startServe(config, { CONSOLE_SECRET: CONSOLE_CLIENT.secret });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    for (const p of people) await p.context.close();
    await browser?.close();
    await gw?.stop();
    await idp?.close();
    await oidcIdp?.close();
    await db?.drop();
  });

  async function query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query<T>(sql, params)).rows;
    } finally {
      await c.end();
    }
  }

  /** The `security.auth_failed` record for a refusal code (recorded without blocking the answer). */
  function authFailed(error: string): Promise<Record<string, unknown>> {
    return waitFor(
      async () => {
        const rows = await query<{ body: string }>(
          `SELECT body FROM events WHERE type = 'security.auth_failed' ORDER BY seq`,
        );
        return rows
          .map((r) => JSON.parse(r.body) as Record<string, unknown>)
          .find((b) => b.error === error && b.count === 1);
      },
      30_000,
      `security.auth_failed with error ${error}`,
    );
  }

  /** A browser-less sign-in start: the AuthnRequest the console issued and its sign-in cookie. */
  async function begin(): Promise<{ requestId: string; cookie: string }> {
    const r = await fetch(`${base}/console/auth/saml/login?returnTo=/console/approvals`, {
      redirect: 'manual',
    });
    expect(r.status).toBe(303);
    const location = r.headers.get('location')!;
    expect(location.startsWith(`${idp.ssoUrl}?`)).toBe(true);
    const request = readAuthnRequest(location);
    expect(request).toMatchObject({ issuer: spEntityId, acsUrl: acs });
    const cookie = r.headers.getSetCookie().find((c) => c.startsWith('mcpgate-console-saml='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    return { requestId: request.id, cookie: cookie.split(';')[0]! };
  }

  const post = (samlResponse: string) =>
    fetch(acs, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
      body: new URLSearchParams({ SAMLResponse: samlResponse }),
    });

  const valid = (requestId: string | undefined, account = 'erin') => ({
    account,
    acsUrl: acs,
    audience: spEntityId,
    ...(requestId !== undefined && { inResponseTo: requestId }),
  });

  async function expectRefused(r: Response, error: string): Promise<Record<string, unknown>> {
    expect(r.status).toBe(401);
    expect(r.headers.get('set-cookie') ?? '').not.toContain('mcpgate-console=');
    expect(await r.text()).toContain('Sign-in failed');
    const body = await authFailed(error);
    expect(body).toMatchObject({
      error,
      status: 401,
      presented: { signIn: 'saml' },
      path: '/console/auth/saml/acs',
    });
    return body;
  }

  it('offers both ways; a person signs in through SAML (HTTP-POST) and lands with the roles of their groups', async () => {
    idp.account = 'carol';
    const carol = await newPerson(browser);
    people.push(carol);
    await carol.page.goto(`${base}/console/approvals`);
    await carol.page.getByRole('heading', { name: 'Sign in to mcpgate' }).waitFor();
    expect(await carol.page.getByRole('link').allTextContents()).toEqual([
      `Sign in with ${new URL(oidcIdp.issuer).host} (OpenID Connect)`,
      'Sign in with Example Corp SSO',
    ]);
    await screenshot(carol.page, 'signin-choice');
    await carol.page.getByRole('link', { name: 'Sign in with Example Corp SSO' }).click();
    await carol.page.waitForURL((u) => u.pathname === '/console/approvals', { timeout: 30_000 });
    await carol.page.locator('header.top').waitFor();
    const me = await carol.page.evaluate(async () => (await fetch('/admin/console/me')).json());
    expect(me).toMatchObject({
      subject: 'carol',
      name: 'Carol Auditor',
      email: 'carol@example.test',
      groups: ['auditors', 'staff'],
      roles: { auditor: true, admin: false },
    });
    // The auditor role works like an OIDC auditor's: the audit API answers.
    const audit = await carol.page.evaluate(async () => (await fetch('/admin/audit/evidence')).status);
    expect(audit).toBe(200);
    const cookies = await carol.context.cookies(base);
    expect(cookies.find((c) => c.name === 'mcpgate-console-saml')).toBeUndefined();
    expect(cookies.find((c) => c.name === 'mcpgate-console')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
  });

  it('the other choice still signs in through the OIDC provider', async () => {
    oidcIdp.account = 'bob';
    const bob = await newPerson(browser);
    people.push(bob);
    await bob.page.goto(`${base}/console/approvals`);
    await bob.page.getByRole('link', { name: /OpenID Connect/ }).click();
    await bob.page.waitForURL((u) => u.pathname === '/console/approvals', { timeout: 30_000 });
    await bob.page.locator('header.top').waitFor();
    const me = await bob.page.evaluate(async () => (await fetch('/admin/console/me')).json());
    expect(me).toMatchObject({
      subject: 'bob',
      groups: ['reviewers'],
      roles: { auditor: false, admin: false },
    });
  });

  it('maps an admin group to the admin role; the sign-in completes only in the browser that started it', async () => {
    const { requestId, cookie } = await begin();
    const answered = await post(idp.response(valid(requestId, 'dave')));
    expect(answered.status).toBe(303);
    const complete = new URL(answered.headers.get('location')!, base).href;
    expect(complete).toMatch(/\/console\/auth\/saml\/complete\?c=/);
    // Someone else's browser (its own sign-in cookie) cannot use this answer (login CSRF) ...
    const other = await begin();
    const planted = await fetch(complete, { redirect: 'manual', headers: { cookie: other.cookie } });
    expect(planted.status).toBe(401);
    expect(planted.headers.get('set-cookie') ?? '').not.toContain('mcpgate-console=');
    expect(await authFailed('saml_login_csrf')).toMatchObject({ presented: { signIn: 'saml' } });
    // ... and the answer is spent by that attempt: completions are one-time.
    const again = await fetch(complete, { redirect: 'manual', headers: { cookie } });
    expect(again.status).toBe(401);

    // A fresh sign-in, completed by its own browser.
    const fresh = await begin();
    const ok = await post(idp.response(valid(fresh.requestId, 'dave')));
    const done = await fetch(new URL(ok.headers.get('location')!, base), {
      redirect: 'manual',
      headers: { cookie: fresh.cookie },
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/console/approvals');
    const session = done.headers.getSetCookie().find((c) => c.startsWith('mcpgate-console='))!;
    const me = await fetch(`${base}/admin/console/me`, { headers: { cookie: session.split(';')[0]! } });
    expect(await me.json()).toMatchObject({
      subject: 'dave',
      groups: ['platform-admins'],
      roles: { auditor: false, admin: true },
    });
  });

  it('refuses an unsigned assertion', async () => {
    const { requestId } = await begin();
    await expectRefused(await post(idp.response({ ...valid(requestId), signer: 'none' })), 'saml_unsigned');
  });

  it('refuses an assertion signed by another key (even with that key’s certificate inside)', async () => {
    const { requestId } = await begin();
    const mallory = makeKeyPair('not the IdP');
    await expectRefused(
      await post(idp.response({ ...valid(requestId), signer: mallory })),
      'saml_bad_signature',
    );
  });

  it('refuses an assertion for another audience', async () => {
    const { requestId } = await begin();
    const body = await expectRefused(
      await post(idp.response({ ...valid(requestId), audience: 'https://other-sp.example/' })),
      'saml_wrong_audience',
    );
    expect(body.reason).toContain('audience');
  });

  it('refuses an assertion for another recipient', async () => {
    const { requestId } = await begin();
    const body = await expectRefused(
      await post(idp.response({ ...valid(requestId), recipient: 'https://other-sp.example/acs' })),
      'saml_wrong_recipient',
    );
    // The signature was good, so the record names who the assertion was for.
    expect(body.reason).toContain('https://other-sp.example/acs');
  });

  it('refuses an expired assertion', async () => {
    const { requestId } = await begin();
    await expectRefused(await post(idp.response({ ...valid(requestId), validMinutes: -10 })), 'saml_expired');
  });

  it('refuses an unsolicited response (no InResponseTo) and one answering a request it never made', async () => {
    await expectRefused(await post(idp.response(valid(undefined))), 'saml_unsolicited');
    const forged = await post(idp.response(valid('_0123456789abcdef0123456789abcdef01234567')));
    expect(forged.status).toBe(401);
  });

  it('refuses a replayed assertion: the same response posted twice, or wrapped in a new response', async () => {
    const { requestId } = await begin();
    const response = idp.response(valid(requestId));
    expect((await post(response)).status).toBe(303);
    await expectRefused(await post(response), 'saml_replay');

    // An IdP that leaves InResponseTo out of the SubjectConfirmation signs nothing that ties the
    // assertion to one request: wrapping it in a response to a new request must still fail.
    const first = await begin();
    const options = { ...valid(first.requestId), confirmationInResponseTo: false };
    const assertion = idp.assertion(options);
    expect((await post(idp.response(options, assertion))).status).toBe(303);
    const second = await begin();
    const replay = await post(idp.response({ ...options, inResponseTo: second.requestId }, assertion));
    expect(replay.status).toBe(401);
    expect(await replay.text()).toContain('already used');
  });

  it('serves SP metadata for the IdP administrator', async () => {
    const r = await fetch(`${base}/console/auth/saml/metadata`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('samlmetadata+xml');
    const xml = await r.text();
    expect(xml).toContain(`entityID="${spEntityId}"`);
    expect(xml).toContain(`Location="${acs}"`);
    expect(xml).toContain('WantAssertionsSigned="true"');
  });

  it('writes the counted repeats when the gateway stops (the second replay above)', async () => {
    expect(await gw.stop()).toBe(0);
    const rows = await query<{ body: string }>(`SELECT body FROM events WHERE type = 'security.auth_failed'`);
    const replays = rows
      .map((r) => JSON.parse(r.body) as Record<string, unknown>)
      .filter((b) => b.error === 'saml_replay');
    expect(replays.map((b) => b.count).sort()).toEqual([1, 1]);
    expect(replays.find((b) => b.aggregated === true)).toBeDefined();
  });
});

describe('console: SAML as the only way in', () => {
  let idp: SamlIdp;
  let db: PgDatabase;
  let gw: ServeProcess;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    idp = await startSamlIdp();
    db = await pgSchema({ prefix: 'mcpgate_console_saml_only' });
    const config = writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
store: { url: ${JSON.stringify(db.url)} }
server: { port: ${port} }
console:
  enabled: true
  publicUrl: ${base}
  saml:
    entryPoint: ${idp.ssoUrl}
    issuer: ${base}/console
    idpCert: \${file:idp-cert.pem}
    groupsAttribute: memberOf
  roles: { auditor: [auditors] }
`);
    writeFileSync(join(dirname(config), 'idp-cert.pem'), idp.keys.cert);
    gw = await startServe(config);
  });
  afterAll(async () => {
    await gw?.stop();
    await idp?.close();
    await db?.drop();
  });

  it('needs no auth.oidc: the sign-in goes straight to the SAML IdP and back', async () => {
    const start = await fetch(`${base}/console/auth/login?returnTo=/console/sessions`, {
      redirect: 'manual',
    });
    expect(start.status).toBe(303);
    const location = start.headers.get('location')!;
    expect(location.startsWith(`${idp.ssoUrl}?SAMLRequest=`)).toBe(true);
    const cookie = start.headers
      .getSetCookie()
      .find((c) => c.startsWith('mcpgate-console-saml='))!
      .split(';')[0]!;
    const request = readAuthnRequest(location);
    const answered = await fetch(request.acsUrl, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        SAMLResponse: idp.response({
          account: 'carol',
          inResponseTo: request.id,
          acsUrl: request.acsUrl,
          audience: request.issuer,
        }),
      }),
    });
    expect(answered.status).toBe(303);
    const done = await fetch(new URL(answered.headers.get('location')!, base), {
      redirect: 'manual',
      headers: { cookie },
    });
    expect(done.headers.get('location')).toBe('/console/sessions');
    const session = done.headers
      .getSetCookie()
      .find((c) => c.startsWith('mcpgate-console='))!
      .split(';')[0]!;
    const me = await fetch(`${base}/admin/console/me`, { headers: { cookie: session } });
    expect(await me.json()).toMatchObject({ subject: 'carol', roles: { auditor: true } });
  });
});
