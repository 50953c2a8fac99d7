import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAuthenticator,
  createServiceTokenSource,
  withAuthDefaults,
  type Authenticator,
} from '@mcpgate/auth';
import { CLIENTS, startIdp, type TestIdp } from '../../auth/test/fixtures/provider.js';
import { startRecordingUpstream, type RecordingUpstream } from './http-support.js';
import { connectGateway, textOf, writeConfig } from './support.js';

/**
 * `upstreams.<name>.oauth` with a service identity: the gateway obtains a client-credentials token
 * from a real oidc-provider for the upstream's URL and sends it to that upstream only.
 */
describe('the gateway as OAuth client of an upstream (client credentials)', () => {
  let idp: TestIdp;
  let upstream: RecordingUpstream;
  let verifier: Authenticator;

  beforeAll(async () => {
    idp = await startIdp();
    upstream = await startRecordingUpstream();
    idp.jwtResources.add(upstream.url);
    // What a resource server would check: signature, issuer, audience = the upstream.
    verifier = await createAuthenticator(
      withAuthDefaults({ mode: 'oauth', resource: upstream.url, oidc: { issuer: idp.issuer } }),
    );
  });

  afterAll(async () => {
    await verifier?.close();
    await upstream?.close();
    await idp?.close();
  });

  it('sends its own token for that upstream on every request, and never logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-upstream-oauth-'));
    const config = writeConfig(
      [
        'policy: { default: allow }',
        'logging: { level: debug }',
        `store: { dir: ${JSON.stringify(join(dir, 'data'))} }`,
        'upstreams:',
        '  rec:',
        `    url: ${JSON.stringify(upstream.url)}`,
        '    oauth:',
        '      grant: client_credentials',
        `      issuer: ${JSON.stringify(idp.issuer)}`,
        `      clientId: ${CLIENTS.service.id}`,
        '      clientSecret: ${env:SERVICE_SECRET}',
        '      scopes: [mcp:tools]',
        '',
      ].join('\n'),
      dir,
    );
    const gw = await connectGateway(config, { env: { SERVICE_SECRET: CLIENTS.service.secret } });
    try {
      const result = await gw.client.callTool({ name: 'rec__echo', arguments: { text: 'hi' } });
      expect(textOf(result)).toBe('echo: hi');
    } finally {
      await gw.close();
    }
    expect(upstream.seen.length).toBeGreaterThan(0);
    const tokens = new Set<string>();
    for (const headers of upstream.seen) {
      const auth = headers.authorization;
      expect(auth).toMatch(/^Bearer \S+$/);
      tokens.add(auth!.slice('Bearer '.length));
    }
    for (const token of tokens) {
      const verdict = await verifier.authenticate({ authorization: `Bearer ${token}` });
      expect(verdict.ok ? verdict.identity.subject : verdict.description).toBe(CLIENTS.service.id);
      expect(gw.stderr.join('\n')).not.toContain(token);
    }
    expect(gw.stderr.join('\n')).not.toContain(CLIENTS.service.secret);
  });

  it('replaces the token before it expires, and explains a refused client without its secret', async () => {
    let clock = Date.now();
    const spec = {
      grant: 'client_credentials' as const,
      issuer: idp.issuer,
      clientId: CLIENTS.service.id,
      clientSecret: CLIENTS.service.secret,
      privateKeyAlgorithm: 'RS256' as const,
      scopes: ['mcp:tools'],
      resource: upstream.url,
    };
    const source = createServiceTokenSource('rec', spec, { now: () => clock });
    const first = (await source.headers()).authorization;
    expect((await source.headers()).authorization).toBe(first);
    // The fixture's tokens live 300 s; 250 s later the source must already use a new one.
    clock += 250_000;
    const second = (await source.headers()).authorization;
    expect(second).not.toBe(first);

    const wrong = createServiceTokenSource('rec', { ...spec, clientSecret: 'not-the-secret' });
    const err = await wrong.headers().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/cannot obtain an access token for upstream "rec" from .*invalid_client/);
    expect(err?.message).not.toContain('not-the-secret');
  });
});
