import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openPglite, type Store } from '@mcpgate/audit';
import { SamlLogin, SamlRefusal, type SamlLoginSettings } from '../src/saml-login.js';
import { SamlStore } from '../src/saml-store.js';
import { sha256 } from '../src/session-store.js';
import { readAuthnRequest, startSamlIdp, type SamlIdp } from './fixtures/saml-idp.js';

const ACS = 'https://mcp.example.com/console/auth/saml/acs';
const SP = 'https://mcp.example.com/console';

/**
 * SAML sign-in as two replicas see it: two SamlLogin instances over one embedded store (PGlite),
 * with assertions from the test IdP (fixtures/saml-idp.ts).
 */
describe('SAML sign-in across replicas (embedded store)', () => {
  let store: Store;
  let idp: SamlIdp;
  let a: SamlLogin;
  let b: SamlLogin;

  beforeAll(async () => {
    store = await openPglite();
    await migrate(store);
    idp = await startSamlIdp();
    const settings: SamlLoginSettings = {
      entryPoint: idp.ssoUrl,
      issuer: SP,
      idpCert: [idp.keys.cert],
      idpIssuer: idp.entityId,
      audience: SP,
      groupsAttribute: 'memberOf',
      nameAttribute: 'displayName',
      clockSkewMs: 30_000,
      acsUrl: ACS,
    };
    a = new SamlLogin(settings, new SamlStore(store));
    b = new SamlLogin(settings, new SamlStore(store));
  });
  afterAll(async () => {
    await idp?.close();
    await store?.close();
  });

  async function started(on: SamlLogin) {
    const start = await on.start('/console/approvals');
    return { ...start, requestId: readAuthnRequest(start.url).id };
  }

  const refusal = async (p: Promise<unknown>): Promise<string> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SamlRefusal);
    return (err as SamlRefusal).error;
  };

  it('a request sent by one replica is answered on another and completed on a third', async () => {
    const { requestId, browser } = await started(a);
    const response = idp.response({ account: 'carol', inResponseTo: requestId, acsUrl: ACS, audience: SP });
    const { completion, subject } = await b.answer(response);
    expect(subject).toBe('carol');
    const done = await a.complete(completion, browser);
    expect(done).toMatchObject({
      returnTo: '/console/approvals',
      identity: {
        subject: 'carol',
        name: 'Carol Auditor',
        groups: ['auditors', 'staff'],
        authMethod: 'saml',
      },
    });
    expect(await refusal(b.complete(completion, browser))).toBe('saml_unknown_completion');
  });

  it('the same response posted to two replicas at once signs in exactly once', async () => {
    const { requestId } = await started(a);
    const response = idp.response({ account: 'carol', inResponseTo: requestId, acsUrl: ACS, audience: SP });
    const results = await Promise.allSettled([a.answer(response), b.answer(response)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect((failed.reason as SamlRefusal).error).toBe('saml_replay');
  });

  it('remembers an assertion ID until it expires, then forgets it', async () => {
    const { requestId } = await started(a);
    const options = { account: 'erin', inResponseTo: requestId, acsUrl: ACS, audience: SP };
    const assertion = idp.assertion(options);
    const id = /<saml:Assertion [^>]*ID="([^"]+)"/.exec(assertion)![1]!;
    const notOnOrAfter = /<saml:Conditions [^>]*NotOnOrAfter="([^"]+)"/.exec(assertion)![1]!;
    await a.answer(idp.response(options, assertion));
    const rows = await store.query<{ expires_at: Date | string }>(
      'SELECT expires_at FROM mcpgate_console_saml_assertions WHERE assertion_hash = $1',
      [sha256(`${idp.entityId}\0${id}`)],
    );
    // Kept until the assertion's own NotOnOrAfter plus the accepted clock skew (30 s here).
    expect(new Date(rows.rows[0]!.expires_at).getTime()).toBe(Date.parse(notOnOrAfter) + 30_000);
    const later = new SamlStore(store, () => Date.now() + 10 * 60_000);
    expect(await later.rememberAssertion('x', 'y', new Date(Date.now() + 11 * 60_000))).toBe(true);
    const left = await store.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM mcpgate_console_saml_assertions',
    );
    expect(left.rows[0]!.n).toBe(1);
  });

  it('publishes SP metadata with the ACS URL and a proper XML ID', () => {
    const xml = a.metadata();
    expect(xml).toContain(`entityID="${SP}"`);
    expect(xml).toContain(`Location="${ACS}"`);
    expect(xml).toMatch(/ ID="_[0-9a-f]{40}"/);
  });
});
