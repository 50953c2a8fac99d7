import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clientCredentialsToken,
  startIdp,
  type SigningKey,
  type TestIdp,
} from '../../auth/test/fixtures/provider.js';
import { rawInitialize } from './http-support.js';
import { echoWith, goodClaims, signJwt, startOidcGateway, type OidcGateway } from './oidc-support.js';

/** The subject client-credentials tokens carry (the provider falls back to the client id). */
const CLIENT_SUBJECT = 'svc-ci';

function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

interface Answer {
  readonly what: string;
  readonly status: number;
  readonly challenge: string | null;
  readonly body: string;
}

/**
 * Presents `token` on every kind of request a client makes — a new legacy session, a request
 * inside an existing session opened with a good token, and the HTTP+SSE stream — and returns the
 * answers: the credential is checked on each of them, before anything else.
 */
async function presentEverywhere(url: string, token: string, sessionId: string): Promise<Answer[]> {
  const auth = { authorization: `Bearer ${token}` };
  const post = (body: unknown, extra: Record<string, string> = {}) =>
    fetch(`${url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...auth,
        ...extra,
      },
      body: JSON.stringify(body),
    });
  const attempts: Array<[string, () => Promise<Response>]> = [
    [
      'initialize on /mcp',
      () =>
        post({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
    ],
    [
      'tools/list in an open session',
      () =>
        post(
          { jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} },
          { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
        ),
    ],
    ['GET /sse', () => fetch(`${url}/sse`, { headers: { accept: 'text/event-stream', ...auth } })],
  ];
  const answers: Answer[] = [];
  for (const [what, send] of attempts) {
    const res = await send();
    answers.push({
      what,
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: await res.text(),
    });
  }
  return answers;
}

/** Every answer is 401 with an RFC 6750 `invalid_token` challenge and a body naming the reason. */
function expectInvalidToken(answers: Answer[], resource: string, reason: RegExp): void {
  const metadata = `${new URL(resource).origin}/.well-known/oauth-protected-resource/mcp`;
  for (const a of answers) {
    expect(a.status, `${a.what}: ${a.body}`).toBe(401);
    expect(a.challenge, a.what).toMatch(
      new RegExp(`^Bearer resource_metadata="${metadata.replace(/[.?]/g, '\\$&')}", error="invalid_token"`),
    );
    const body = JSON.parse(a.body) as { error: string; error_description: string };
    expect(body.error, a.what).toBe('invalid_token');
    expect(body.error_description, a.what).toMatch(reason);
  }
}

describe('mcpgate serve: access tokens the gateway must refuse', () => {
  let g: OidcGateway;
  /** A second, equally real provider: its tokens are well-formed and signed, just not by our issuer. */
  let evil: TestIdp;
  /** A legacy session opened with a good token; bad tokens are also presented inside it. */
  let sid: string;

  beforeAll(async () => {
    g = await startOidcGateway();
    evil = await startIdp();
    evil.jwtResources.add(g.resource);
    sid = await rawInitialize(g.gw.url, {
      authorization: `Bearer ${await clientCredentialsToken(g.idp, g.resource)}`,
    });
  });

  afterAll(async () => {
    await evil?.close();
    await g?.close();
  });

  it('serves a client holding a token from the provider, or one signed by hand with its key (the control)', async () => {
    const real = await clientCredentialsToken(g.idp, g.resource);
    expect(await echoWith(g.gw.url, real, 'provider token')).toBe('echo: provider token');
    expect(await echoWith(g.gw.url, real, 'provider token', 'modern')).toBe('echo: provider token');
    // The forged refusals below differ from this token in one claim or header only.
    const handmade = signJwt(g.idp.key, goodClaims(g.idp.issuer, g.resource), { kid: g.idp.key.kid });
    expect(await echoWith(g.gw.url, handmade, 'hand-signed')).toBe('echo: hand-signed');
  });

  it('refuses a token that is not yet valid (nbf beyond the clock skew)', async () => {
    const now = Math.floor(Date.now() / 1000);
    // 120 s is well past the default 30 s clock skew.
    const early = signJwt(
      g.idp.key,
      goodClaims(g.idp.issuer, g.resource, { nbf: now + 120, exp: now + 600 }),
      {
        kid: g.idp.key.kid,
      },
    );
    expectInvalidToken(await presentEverywhere(g.gw.url, early, sid), g.resource, /not yet valid/);
    // The same token with nbf already passed is served: the refusal above was nbf's doing.
    const ripe = signJwt(g.idp.key, goodClaims(g.idp.issuer, g.resource, { nbf: now - 1, exp: now + 600 }), {
      kid: g.idp.key.kid,
    });
    expect(await echoWith(g.gw.url, ripe, 'nbf passed')).toBe('echo: nbf passed');
  });

  it('refuses tokens from another issuer, and never asks that issuer for keys', async () => {
    // A real token minted by another provider for this very gateway.
    const foreign = await clientCredentialsToken(evil, g.resource);
    expect(JSON.parse(Buffer.from(foreign.split('.')[1]!, 'base64url').toString('utf8'))).toMatchObject({
      iss: evil.issuer,
      aud: g.resource,
    });
    expectInvalidToken(
      await presentEverywhere(g.gw.url, foreign, sid),
      g.resource,
      /signature|issuer|no key/,
    );

    // Signed with the trusted issuer's own key but claiming to come from elsewhere: the issuer
    // check alone must refuse it.
    const kid = { kid: g.idp.key.kid };
    const claimsOther = signJwt(g.idp.key, goodClaims(evil.issuer, g.resource), kid);
    expectInvalidToken(await presentEverywhere(g.gw.url, claimsOther, sid), g.resource, /issuer/);
    // The issuer must match exactly: a trailing slash is another issuer.
    const slashed = signJwt(g.idp.key, goodClaims(`${g.idp.issuer}/`, g.resource), kid);
    expectInvalidToken(await presentEverywhere(g.gw.url, slashed, sid), g.resource, /issuer/);

    // The gateway trusts its configured issuer's keys only; a token's `iss` is never followed.
    expect(evil.jwksFetches).toBe(0);
  });

  it('refuses alg "none", with or without the original signature', async () => {
    const real = await clientCredentialsToken(g.idp, g.resource);
    const [, payload, signature] = real.split('.') as [string, string, string];
    for (const header of [
      { alg: 'none', typ: 'at+jwt' },
      { alg: 'none', kid: g.idp.key.kid },
    ]) {
      const h = Buffer.from(JSON.stringify(header)).toString('base64url');
      for (const token of [`${h}.${payload}.`, `${h}.${payload}.${signature}`]) {
        expectInvalidToken(
          await presentEverywhere(g.gw.url, token, sid),
          g.resource,
          /algorithm "none" is not accepted/,
        );
      }
    }
  });

  it('refuses a token signed by a key whose kid the issuer does not publish', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const fetchesBefore = g.idp.jwksFetches;
    const token = signJwt(attacker, goodClaims(g.idp.issuer, g.resource), { kid: 'attacker-key' });
    expectInvalidToken(await presentEverywhere(g.gw.url, token, sid), g.resource, /no key/);
    // Refused after looking at the issuer's current key set, not from a stale copy.
    expect(g.idp.jwksFetches).toBeGreaterThan(fetchesBefore);
  });
});

describe('mcpgate serve: signing key rotation at the provider', () => {
  // A gateway and provider of its own: rotating the key changes the provider for good.
  let g: OidcGateway;

  beforeAll(async () => {
    g = await startOidcGateway();
  });

  afterAll(async () => {
    await g?.close();
  });

  it('accepts tokens signed with the new key and refuses tokens whose key left the key set', async () => {
    const oldKey: SigningKey = g.idp.key;
    const before = await clientCredentialsToken(g.idp, g.resource);
    expect(headerOf(before).kid).toBe(oldKey.kid);
    expect(await echoWith(g.gw.url, before, 'before rotation')).toBe('echo: before rotation');
    const sid = await rawInitialize(g.gw.url, { authorization: `Bearer ${before}` });

    // The provider now signs with key-2 and publishes only key-2.
    const fetchesBefore = g.idp.jwksFetches;
    const newKey = await g.idp.rotate('key-2');
    const after = await clientCredentialsToken(g.idp, g.resource);
    expect(headerOf(after).kid).toBe(newKey.kid);
    const published = (await (await fetch(`${g.idp.issuer}/jwks`)).json()) as {
      keys: Array<{ kid: string }>;
    };
    expect(published.keys.map((k) => k.kid)).toEqual([newKey.kid]);

    // The new kid makes the gateway fetch the key set again, and the token is served.
    expect(await echoWith(g.gw.url, after, 'after rotation')).toBe('echo: after rotation');
    expect(await echoWith(g.gw.url, after, 'after rotation', 'modern')).toBe('echo: after rotation');
    expect(g.idp.jwksFetches).toBeGreaterThan(fetchesBefore);
    // The session opened before the rotation goes on with the new token of the same subject.
    const listed = await fetch(`${g.gw.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${after}`,
        'mcp-session-id': sid,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: {} }),
    });
    expect(listed.status).toBe(200);
    expect(await listed.text()).toContain('echo');

    // The token signed with the retired key has not expired, but its key is gone: refused.
    expect(
      (JSON.parse(Buffer.from(before.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000,
    ).toBeGreaterThan(Date.now());
    expectInvalidToken(await presentEverywhere(g.gw.url, before, sid), g.resource, /no key/);
    // So is a fresh token someone still holding the retired private key would sign.
    const late = signJwt(oldKey, goodClaims(g.idp.issuer, g.resource, { sub: CLIENT_SUBJECT }), {
      kid: oldKey.kid,
    });
    expectInvalidToken(await presentEverywhere(g.gw.url, late, sid), g.resource, /no key/);
  });
});
