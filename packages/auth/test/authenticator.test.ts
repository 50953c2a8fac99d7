import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SignJWT,
  exportSPKI,
  importJWK,
  generateKeyPair,
  decodeJwt,
  decodeProtectedHeader,
  type JWTPayload,
} from 'jose';
import { createHmac } from 'node:crypto';
import { createAuthenticator, type Authenticator, type AuthResult } from '../src/authenticator.js';
import { withAuthDefaults } from '../src/config.js';
import {
  clientCredentialsToken,
  CLIENTS,
  RESOURCES,
  ROLES,
  startIdp,
  type TestIdp,
} from './fixtures/provider.js';

let idp: TestIdp;
let auth: Authenticator;

function bearer(token: string) {
  return { authorization: `Bearer ${token}` };
}

function expectFailure(result: AuthResult, status: number, error: string, description: RegExp) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.status).toBe(status);
  expect(result.error).toBe(error);
  expect(result.description).toMatch(description);
}

/** Signs claims with the IdP's real current key, for cases the IdP itself would never issue. */
async function forge(claims: JWTPayload, header: Record<string, unknown> = {}) {
  const key = await importJWK(idp.key.privateJwk, 'RS256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: idp.issuer,
    aud: RESOURCES.gateway,
    sub: 'mallory',
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: idp.key.kid, typ: 'at+jwt', ...header })
    .sign(key);
}

beforeAll(async () => {
  idp = await startIdp();
  auth = await createAuthenticator(
    withAuthDefaults({
      mode: 'oauth',
      resource: RESOURCES.gateway,
      oidc: {
        issuer: idp.issuer,
        claims: { groups: 'realm_access.roles' },
        clockSkew: 5_000,
        jwksCooldown: 0,
      },
    }),
  );
});

afterAll(async () => {
  await auth?.close();
  await idp?.close();
});

describe('OIDC access tokens from a real provider', () => {
  it('accepts a valid JWT for this gateway and maps subject, groups from a nested claim, scopes and jti', async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.gateway, 'mcp:tools');
    const result = await auth.authenticate(bearer(token));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const claims = decodeJwt(token);
    expect(result.identity.subject).toBe(claims.sub);
    expect(result.identity.groups).toEqual(ROLES[CLIENTS.service.id]);
    expect(result.identity.scopes).toContain('mcp:tools');
    expect(result.identity.authMethod).toBe('oidc');
    expect(result.identity.issuer).toBe(idp.issuer);
    expect(result.identity.tokenId).toBe(claims.jti);
    expect(result.identity.expiresAt).toBe((claims.exp as number) * 1000);
    expect(JSON.stringify(result.identity)).not.toContain(token.split('.')[2]);
  });

  it('accepts the token from a fetch Headers object too', async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.gateway);
    const result = await auth.authenticate(new Headers(bearer(token)));
    expect(result.ok).toBe(true);
  });

  it('refuses a token the provider minted for another resource (wrong audience)', async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.other);
    expect(decodeJwt(token).aud).toBe(RESOURCES.other);
    expectFailure(await auth.authenticate(bearer(token)), 401, 'invalid_token', /audience/);
  });

  it('refuses an expired token, with a challenge pointing at the resource metadata', async () => {
    const past = Math.floor(Date.now() / 1000) - 600;
    const result = await auth.authenticate(bearer(await forge({ iat: past, exp: past + 60 })));
    expectFailure(result, 401, 'invalid_token', /expired/);
    if (!result.ok) {
      expect(result.wwwAuthenticate).toBe(
        'Bearer resource_metadata="https://gateway.test/.well-known/oauth-protected-resource/mcp", error="invalid_token", error_description="token expired"',
      );
    }
  });

  it('refuses a token that is not yet valid (nbf beyond the clock skew)', async () => {
    const future = Math.floor(Date.now() / 1000) + 120;
    expectFailure(
      await auth.authenticate(bearer(await forge({ nbf: future, exp: future + 300 }))),
      401,
      'invalid_token',
      /not yet valid/,
    );
  });

  it('tolerates nbf within the configured clock skew', async () => {
    const soon = Math.floor(Date.now() / 1000) + 2;
    const result = await auth.authenticate(bearer(await forge({ nbf: soon })));
    expect(result.ok).toBe(true);
  });

  it('refuses a token from another issuer, even signed with a trusted key', async () => {
    expectFailure(
      await auth.authenticate(bearer(await forge({ iss: 'https://evil.test' }))),
      401,
      'invalid_token',
      /issuer/,
    );
  });

  it('refuses a token without exp', async () => {
    const key = await importJWK(idp.key.privateJwk, 'RS256');
    const token = await new SignJWT({ iss: idp.issuer, aud: RESOURCES.gateway, sub: 'x' })
      .setProtectedHeader({ alg: 'RS256', kid: idp.key.kid })
      .sign(key);
    expectFailure(await auth.authenticate(bearer(token)), 401, 'invalid_token', /exp/);
  });

  it('refuses alg none', async () => {
    const real = await clientCredentialsToken(idp, RESOURCES.gateway);
    const [, payload] = real.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
    expectFailure(
      await auth.authenticate(bearer(`${header}.${payload}.`)),
      401,
      'invalid_token',
      /algorithm "none"/,
    );
  });

  it('refuses a token whose payload was tampered with after signing', async () => {
    const real = await clientCredentialsToken(idp, RESOURCES.gateway);
    const [h, p, s] = real.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims.realm_access = { roles: ['admin'] };
    const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    expectFailure(await auth.authenticate(bearer(tampered)), 401, 'invalid_token', /signature/);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const publicKey = await importJWK(idp.key.publicJwk, 'RS256');
    const pem = await exportSPKI(publicKey as Parameters<typeof exportSPKI>[0]);
    const now = Math.floor(Date.now() / 1000);
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: idp.key.kid })).toString('base64url');
    const body = Buffer.from(
      JSON.stringify({ iss: idp.issuer, aud: RESOURCES.gateway, sub: 'mallory', exp: now + 300 }),
    ).toString('base64url');
    const sig = createHmac('sha256', pem).update(`${header}.${body}`).digest('base64url');
    expectFailure(
      await auth.authenticate(bearer(`${header}.${body}.${sig}`)),
      401,
      'invalid_token',
      /algorithm "HS256"/,
    );
  });

  it('refuses a token signed by a key the issuer never published (unknown kid)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: idp.issuer,
      aud: RESOURCES.gateway,
      sub: 'mallory',
      exp: now + 300,
    })
      .setProtectedHeader({ alg: 'RS256', kid: 'attacker-key' })
      .sign(privateKey);
    expectFailure(await auth.authenticate(bearer(token)), 401, 'invalid_token', /no key/);
  });

  it('refuses a token signed by an unknown key that reuses a published kid', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: idp.issuer,
      aud: RESOURCES.gateway,
      sub: 'mallory',
      exp: now + 300,
    })
      .setProtectedHeader({ alg: 'RS256', kid: idp.key.kid })
      .sign(privateKey);
    expectFailure(await auth.authenticate(bearer(token)), 401, 'invalid_token', /signature/);
  });

  it('follows a key rotation at the provider by refetching the key set', async () => {
    const before = await clientCredentialsToken(idp, RESOURCES.gateway);
    expect((await auth.authenticate(bearer(before))).ok).toBe(true);
    const fetchesBefore = idp.jwksFetches;
    const newKey = await idp.rotate('key-2');
    const after = await clientCredentialsToken(idp, RESOURCES.gateway);
    expect(decodeProtectedHeader(after).kid).toBe(newKey.kid);
    const result = await auth.authenticate(bearer(after));
    expect(result.ok).toBe(true);
    expect(idp.jwksFetches).toBeGreaterThan(fetchesBefore);
  });

  it('rate-limits key-set refetches caused by unknown kids (cooldown)', async () => {
    const limited = await createAuthenticator(
      withAuthDefaults({
        mode: 'oauth',
        resource: RESOURCES.gateway,
        oidc: { issuer: idp.issuer, jwksCooldown: 60_000 },
      }),
    );
    expect(
      (await limited.authenticate(bearer(await clientCredentialsToken(idp, RESOURCES.gateway)))).ok,
    ).toBe(true);
    const fetches = idp.jwksFetches;
    const { privateKey } = await generateKeyPair('RS256');
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 5; i++) {
      const forged = await new SignJWT({ iss: idp.issuer, aud: RESOURCES.gateway, sub: 'x', exp: now + 300 })
        .setProtectedHeader({ alg: 'RS256', kid: `forged-${i}` })
        .sign(privateKey);
      expectFailure(await limited.authenticate(bearer(forged)), 401, 'invalid_token', /no key/);
    }
    expect(idp.jwksFetches).toBe(fetches);
  });

  it('answers a missing credential with 401 and a bare challenge (no error code)', async () => {
    const result = await auth.authenticate({});
    expectFailure(result, 401, 'invalid_token', /authentication required/);
    if (!result.ok)
      expect(result.wwwAuthenticate).toBe(
        'Bearer resource_metadata="https://gateway.test/.well-known/oauth-protected-resource/mcp"',
      );
  });

  it('answers two credentials with 400 invalid_request', async () => {
    const token = await clientCredentialsToken(idp, RESOURCES.gateway);
    expectFailure(
      await auth.authenticate({ ...bearer(token), 'x-api-key': 'mcpg_x' }),
      400,
      'invalid_request',
      /more than one/,
    );
  });

  it('answers a non-bearer Authorization scheme with 400', async () => {
    expectFailure(
      await auth.authenticate({ authorization: 'Basic dXNlcjpwYXNz' }),
      400,
      'invalid_request',
      /Bearer/,
    );
  });

  it('rejects opaque tokens when introspection is not configured', async () => {
    expectFailure(
      await auth.authenticate(bearer('opaque-token-value')),
      401,
      'invalid_token',
      /introspection is not configured/,
    );
  });
});

describe('required scopes', () => {
  it('answers 403 insufficient_scope naming the scope when a token lacks it', async () => {
    const strict = await createAuthenticator(
      withAuthDefaults({
        mode: 'oauth',
        resource: RESOURCES.gateway,
        oidc: { issuer: idp.issuer, requiredScopes: ['mcp:admin'] },
      }),
    );
    const token = await clientCredentialsToken(idp, RESOURCES.gateway, 'mcp:tools');
    const result = await strict.authenticate(bearer(token));
    expectFailure(result, 403, 'insufficient_scope', /mcp:admin/);
    if (!result.ok) {
      expect(result.scope).toEqual(['mcp:admin']);
      expect(result.wwwAuthenticate).toContain('error="insufficient_scope"');
      expect(result.wwwAuthenticate).toContain('scope="mcp:admin"');
    }
    const enough = await clientCredentialsToken(idp, RESOURCES.gateway, 'mcp:tools mcp:admin');
    expect((await strict.authenticate(bearer(enough))).ok).toBe(true);
  });
});

describe('an unreachable issuer', () => {
  it('fails closed with 503, not a pass and not a 401', async () => {
    const down = await createAuthenticator(
      withAuthDefaults({
        mode: 'oauth',
        resource: RESOURCES.gateway,
        oidc: { issuer: 'http://127.0.0.1:9' },
      }),
    );
    const token = await forge({});
    expectFailure(await down.authenticate(bearer(token)), 503, 'temporarily_unavailable', /cannot/);
  });
});

describe('introspection (RFC 7662) for opaque tokens', () => {
  it('accepts an active opaque token for this gateway and refuses garbage', async () => {
    const opaque = await createAuthenticator(
      withAuthDefaults({
        mode: 'oauth',
        resource: RESOURCES.opaque,
        oidc: {
          issuer: idp.issuer,
          claims: { groups: 'realm_access.roles' },
          introspection: { clientId: CLIENTS.introspector.id, clientSecret: CLIENTS.introspector.secret },
        },
      }),
    );
    const token = await clientCredentialsToken(idp, RESOURCES.opaque);
    expect(token.split('.').length).toBe(1);
    const result = await opaque.authenticate(bearer(token));
    expect(result.ok ? 'ok' : result.description).toBe('ok');
    if (result.ok) {
      expect(result.identity.authMethod).toBe('introspection');
      expect(result.identity.subject).toBe(CLIENTS.service.id);
      expect(result.identity.scopes).toContain('mcp:tools');
    }
    expectFailure(
      await opaque.authenticate(bearer('not-a-real-token-at-all')),
      401,
      'invalid_token',
      /not active/,
    );
  });

  it('refuses an active opaque token minted for another audience', async () => {
    const wrongAud = await createAuthenticator(
      withAuthDefaults({
        mode: 'oauth',
        resource: 'https://somewhere-else.test/mcp',
        oidc: {
          issuer: idp.issuer,
          introspection: { clientId: CLIENTS.introspector.id, clientSecret: CLIENTS.introspector.secret },
        },
      }),
    );
    const token = await clientCredentialsToken(idp, RESOURCES.opaque);
    expectFailure(await wrongAud.authenticate(bearer(token)), 401, 'invalid_token', /audience/);
  });
});
