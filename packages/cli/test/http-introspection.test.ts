import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import {
  CLIENTS,
  RESOURCES,
  clientCredentialsToken,
  startIdp,
  type TestIdp,
} from '../../auth/test/fixtures/provider.js';
import { CLI, waitFor, writeConfig } from './support.js';
import {
  rawInitialize,
  startRecordingUpstream,
  startServe,
  type RecordingUpstream,
  type ServeProcess,
} from './http-support.js';
import { echoWith, writeAuditKey } from './oidc-support.js';

/** The subject client-credentials tokens carry (the provider falls back to the client id). */
const CLIENT_SUBJECT = CLIENTS.service.id;

/** The environment both gateways and the audit CLI run with: the introspection secret by reference. */
const ENV = { INTROSPECTION_SECRET: CLIENTS.introspector.secret };

interface Gateway {
  readonly gw: ServeProcess;
  readonly db: PgDatabase;
  readonly configPath: string;
}

/**
 * `mcpgate serve` in OAuth mode trusting the test IdP, whose only way to accept a non-JWT bearer
 * token is RFC 7662 introspection with the introspector client's credentials.
 *
 * `cacheMaxAge: 0` disables reuse of active answers, so every request is introspected anew. With
 * the default (60 s) a token revoked at the IdP would still be accepted until its cached answer
 * ages out — documented behaviour, but it would make the revocation test depend on timing.
 */
async function startIntrospectingGateway(
  idp: TestIdp,
  upstreamUrl: string,
  resource: (port: number) => string,
): Promise<Gateway> {
  const db = await pgSchema({ prefix: 'mcpgate_introspect' });
  try {
    const port = await freePort();
    const configPath = writeConfig(`
upstreams:
  rec:
    url: ${upstreamUrl}
# The gateway's own tests exercise transport and identity, not policy (whose default is deny).
policy:
  default: allow
store:
  url: ${db.url}
audit:
  signingKeyFile: ./audit-signing.pem
server:
  port: ${port}
auth:
  mode: oauth
  resource: ${resource(port)}
  oidc:
    issuer: ${idp.issuer}
    requiredScopes: [mcp:tools]
    introspection:
      clientId: ${CLIENTS.introspector.id}
      clientSecret: \${env:INTROSPECTION_SECRET}
      cacheMaxAge: 0
`);
    writeAuditKey(configPath);
    return { gw: await startServe(configPath, ENV), db, configPath };
  } catch (err) {
    await db.drop();
    throw err;
  }
}

/** What the IdP itself says about `token` (asked as the gateway would, with its client). */
async function introspectAtIdp(idp: TestIdp, token: string): Promise<{ active: boolean; aud?: unknown }> {
  const res = await fetch(`${idp.issuer}/token/introspection`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${CLIENTS.introspector.id}:${CLIENTS.introspector.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { active: boolean; aud?: unknown };
}

/** Revokes `token` at the IdP (RFC 7009), as the client it was issued to. */
async function revokeAtIdp(idp: TestIdp, token: string): Promise<void> {
  const res = await fetch(`${idp.issuer}/token/revocation`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${CLIENTS.service.id}:${CLIENTS.service.secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
  });
  expect(res.status).toBe(200);
}

interface Answer {
  readonly status: number;
  readonly challenge: string | null;
  readonly body: string;
}

async function postMcp(url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text() };
}

const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

function inSession(sid: string, token: string): Record<string, string> {
  return {
    authorization: `Bearer ${token}`,
    'mcp-session-id': sid,
    'mcp-protocol-version': '2025-06-18',
  };
}

function expectInvalidToken(answer: Answer, description: RegExp): void {
  expect(answer.status).toBe(401);
  expect(answer.challenge).toMatch(/^Bearer /);
  expect(answer.challenge).toContain('error="invalid_token"');
  expect(answer.body).toMatch(description);
}

async function mcpgate(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...ENV },
  });
  return stdout;
}

describe('mcpgate serve with opaque access tokens (RFC 7662 introspection)', () => {
  let idp: TestIdp;
  let rec: RecordingUpstream;
  /** Gateway whose resource is the one the IdP issues opaque tokens for. */
  let main: Gateway;
  /**
   * A second gateway with its own resource (its real URL): for it, a token minted for the first
   * gateway's resource is a token minted for another audience.
   */
  let other: Gateway;
  /** Tokens handed to the gateways, to check none of them is written anywhere. */
  const tokens: string[] = [];

  beforeAll(async () => {
    idp = await startIdp();
    rec = await startRecordingUpstream();
    // The fixture IdP issues opaque tokens for RESOURCES.opaque only, so the gateway is configured
    // with that public URL as its resource (as behind a reverse proxy); it listens on loopback.
    // One after the other, so afterAll can stop the first if the second fails to start.
    main = await startIntrospectingGateway(idp, rec.url, () => RESOURCES.opaque);
    other = await startIntrospectingGateway(idp, rec.url, (port) => `http://127.0.0.1:${port}/mcp`);
  });

  afterAll(async () => {
    await main?.gw.stop('SIGKILL');
    await other?.gw.stop('SIGKILL');
    await rec?.close();
    await idp?.close();
    await main?.db.drop();
    await other?.db.drop();
  });

  it("serves an active opaque token for its resource and audits the token's subject", async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.opaque);
    tokens.push(token);
    // Not a JWT: the gateway can only learn about it by asking the IdP.
    expect(token.split('.')).toHaveLength(1);

    expect(await echoWith(main.gw.url, token, 'via introspection')).toBe('echo: via introspection');

    const sessions = await waitFor(
      async () => {
        const out = await mcpgate([
          'audit',
          'sessions',
          '--user',
          CLIENT_SUBJECT,
          '--format',
          'json',
          '--config',
          main.configPath,
        ]);
        const rows = JSON.parse(out) as Array<{
          subject: string;
          calls: number;
          info: { identity?: unknown };
        }>;
        const used = rows.find((r) => r.calls > 0);
        return used ? { out, used } : undefined;
      },
      15_000,
      "the introspected client's session in the audit",
    );
    expect(sessions.used).toMatchObject({
      subject: CLIENT_SUBJECT,
      info: { identity: { subject: CLIENT_SUBJECT, authMethod: 'introspection', issuer: idp.issuer } },
    });

    const calls = await mcpgate([
      'audit',
      'query',
      '--user',
      CLIENT_SUBJECT,
      '--upstream',
      'rec',
      '--format',
      'json',
      '--config',
      main.configPath,
    ]);
    const rows = JSON.parse(calls) as Array<{ subject: string; outcome: string }>;
    expect(rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ subject: CLIENT_SUBJECT, outcome: 'ok' })]),
    );

    // What was proven is recorded, never the credential: not in the audit, the logs or upstream.
    const written = [sessions.out, calls, ...main.gw.stderr, JSON.stringify(rec.seen)].join('\n');
    expect(written).toContain(CLIENT_SUBJECT);
    expect(written.includes(token)).toBe(false);
  });

  it('refuses garbage and unknown opaque tokens with 401 invalid_token', async () => {
    for (const junk of ['not-a-real-token-at-all', randomBytes(32).toString('base64url')]) {
      expectInvalidToken(
        await postMcp(main.gw.url, initialize, { authorization: `Bearer ${junk}` }),
        /not active/,
      );
    }
  });

  it('refuses a token revoked at the IdP on the next request of its session', async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.opaque);
    tokens.push(token);
    const sid = await rawInitialize(main.gw.url, { authorization: `Bearer ${token}` });
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} };
    const before = await postMcp(main.gw.url, list, inSession(sid, token));
    expect(before.status).toBe(200);
    expect(before.body).toContain('rec__echo');

    await revokeAtIdp(idp, token);
    expect((await introspectAtIdp(idp, token)).active).toBe(false);

    // No waiting: with cacheMaxAge 0 the very next request is introspected again.
    expectInvalidToken(await postMcp(main.gw.url, list, inSession(sid, token)), /not active/);
    expectInvalidToken(
      await postMcp(main.gw.url, initialize, { authorization: `Bearer ${token}` }),
      /not active/,
    );
  });

  it('refuses an active opaque token minted for another resource', async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.opaque);
    tokens.push(token);
    // The token is live and names its own audience — the refusal below is about whom it is for.
    expect(await introspectAtIdp(idp, token)).toMatchObject({ active: true, aud: RESOURCES.opaque });
    expectInvalidToken(
      await postMcp(other.gw.url, initialize, { authorization: `Bearer ${token}` }),
      /audience/,
    );
    // The same token is good at the gateway it was minted for.
    expect(await echoWith(main.gw.url, token, 'right audience')).toBe('echo: right audience');
  });

  it('writes none of the tokens it was handed to its logs', () => {
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    const logs = [...main.gw.stderr, ...other.gw.stderr].join('\n');
    for (const token of tokens) expect(logs.includes(token)).toBe(false);
  });
});
