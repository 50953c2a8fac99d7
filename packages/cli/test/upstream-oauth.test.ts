import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
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

  it('authenticates with private_key_jwt through the gateway, and never logs the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcpgate-upstream-oauth-keyed-'));
    writeFileSync(join(dir, 'client-key.pem'), idp.keyedClientPem, { mode: 0o600 });
    const config = writeConfig(
      [
        'policy: { default: allow }',
        'logging: { level: debug }',
        `store: { url: ${JSON.stringify(db.url)} }`,
        'audit: { signingKeyFile: audit-signing.pem }',
        'upstreams:',
        '  keyed:',
        `    url: ${JSON.stringify(upstream.url)}`,
        '    oauth:',
        '      grant: client_credentials',
        `      issuer: ${JSON.stringify(idp.issuer)}`,
        `      clientId: ${CLIENTS.keyed.id}`,
        '      privateKey: ${file:client-key.pem}',
        '      scopes: [mcp:tools]',
        '',
      ].join('\n'),
      dir,
    );
    writeAuditKey(config);
    const seenBefore = upstream.seen.length;
    const gw = await connectGateway(config);
    try {
      const result = await gw.client.callTool({ name: 'keyed__echo', arguments: { text: 'hi' } });
      expect(textOf(result)).toBe('echo: hi');
    } finally {
      await gw.close();
    }
    const tokens = new Set(
      upstream.seen.slice(seenBefore).map((h) => (h.authorization ?? '').replace(/^Bearer /, '')),
    );
    expect(tokens.size).toBeGreaterThan(0);
    const keyBody = idp.keyedClientPem.split('\n')[1]!;
    for (const token of tokens) {
      // The IdP issued it to the keyed client (it verified the signed client assertion).
      const verdict = await verifier.authenticate({ authorization: `Bearer ${token}` });
      expect(verdict.ok ? verdict.identity.subject : verdict.description).toBe(CLIENTS.keyed.id);
      expect(gw.stderr.join('\n')).not.toContain(token);
    }
    expect(gw.stderr.join('\n')).not.toContain(keyBody);
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const oauth = await sql.query<{ type: string; subject: string }>(
        "SELECT type, subject FROM events WHERE type LIKE 'oauth.%' AND upstream = 'keyed'",
      );
      expect(oauth.rows).toEqual([{ type: 'oauth.connected', subject: `client:${CLIENTS.keyed.id}` }]);
    } finally {
      await sql.end();
    }
  });

  it('renews the service token in the background before it expires, with no call in between', async () => {
    // Short-lived tokens for this upstream from now on (set after the tests above).
    idp.resourceTTL.set(upstream.url, 4);
    const events: Array<{ kind: string; at: number; expiresAt?: string }> = [];
    const source = createServiceTokenSource(
      'rec',
      {
        grant: 'client_credentials',
        issuer: idp.issuer,
        clientId: CLIENTS.service.id,
        clientSecret: CLIENTS.service.secret,
        privateKeyAlgorithm: 'RS256',
        scopes: ['mcp:tools'],
        resource: upstream.url,
      },
      {
        onEvent: (e) =>
          events.push({ kind: e.kind, at: Date.now(), ...(e.expiresAt && { expiresAt: e.expiresAt }) }),
      },
    );
    try {
      const first = (await source.headers()).authorization;
      await new Promise((r) => setTimeout(r, 3_500));
      expect(events.map((e) => e.kind).slice(0, 2)).toEqual(['connected', 'refreshed']);
      // Each renewal came before the token it replaced expired.
      for (let i = 1; i < events.length; i++) {
        expect(events[i]!.at).toBeLessThan(Date.parse(events[i - 1]!.expiresAt!));
      }
      // The call after the pause is served the renewed token without fetching one.
      const count = events.length;
      const now = (await source.headers()).authorization;
      expect(now).not.toBe(first);
      expect(events.length).toBe(count);
    } finally {
      source.close();
    }
    // Closed: no renewal any more.
    const count = events.length;
    await new Promise((r) => setTimeout(r, 2_500));
    expect(events.length).toBe(count);
  });
});
