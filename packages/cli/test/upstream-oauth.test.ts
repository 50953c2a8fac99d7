import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import pg from 'pg';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
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
import { writeAuditKey } from './oidc-support.js';
import { connectGateway, textOf, writeConfig } from './support.js';

/**
 * `upstreams.<name>.oauth` with a service identity: the gateway obtains a client-credentials token
 * from a real oidc-provider for the upstream's URL and sends it to that upstream only.
 */
describe('the gateway as OAuth client of an upstream (client credentials)', () => {
  let idp: TestIdp;
  let upstream: RecordingUpstream;
  let verifier: Authenticator;
  let db: PgDatabase;

  beforeAll(async () => {
    db = await pgSchema('upstream_oauth');
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
    await db?.drop();
  });

  it('sends its own token for that upstream on every request, and never logs it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-upstream-oauth-'));
    const config = writeConfig(
      [
        'policy: { default: allow }',
        'logging: { level: debug }',
        `store: { url: ${JSON.stringify(db.url)} }`,
        'audit: { signingKeyFile: audit-signing.pem }',
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
    writeAuditKey(config);
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

    // The audit holds the connect, and nowhere the token or the secret.
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const oauth = await sql.query<{ type: string; upstream: string; subject: string; outcome: string }>(
        "SELECT type, upstream, subject, outcome FROM events WHERE type LIKE 'oauth.%'",
      );
      expect(oauth.rows).toEqual([
        { type: 'oauth.connected', upstream: 'rec', subject: `client:${CLIENTS.service.id}`, outcome: 'ok' },
      ]);
      const all = await sql.query<{ row: string }>('SELECT row_to_json(e)::text AS row FROM events e');
      const text = all.rows.map((r) => r.row).join('\n');
      for (const token of tokens) expect(text).not.toContain(token);
      expect(text).not.toContain(CLIENTS.service.secret);
    } finally {
      await sql.end();
    }
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
    const events: string[] = [];
    const source = createServiceTokenSource('rec', spec, {
      now: () => clock,
      onEvent: (e) => events.push(e.kind),
    });
    const first = (await source.headers()).authorization;
    expect((await source.headers()).authorization).toBe(first);
    // The fixture's tokens live 300 s; 250 s later the source must already use a new one.
    clock += 250_000;
    const second = (await source.headers()).authorization;
    expect(second).not.toBe(first);
    expect(events).toEqual(['connected', 'refreshed']);

    const failures: unknown[] = [];
    const wrong = createServiceTokenSource(
      'rec',
      { ...spec, clientSecret: 'not-the-secret' },
      { onEvent: (e) => failures.push(e) },
    );
    const err = await wrong.headers().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/cannot obtain an access token for upstream "rec" from .*invalid_client/);
    expect(err?.message).not.toContain('not-the-secret');
    expect(failures).toEqual([expect.objectContaining({ kind: 'refresh_failed', error: 'invalid_client' })]);
    expect(JSON.stringify(failures)).not.toContain('not-the-secret');
  });
});
