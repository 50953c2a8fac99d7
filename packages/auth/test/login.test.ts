import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { createAuthenticator, type Authenticator } from '../src/authenticator.js';
import { withAuthDefaults, type AuthConfig } from '../src/config.js';
import { protectedResourceMetadata, protectedResourceMetadataPaths } from '../src/metadata.js';
import { getAccessToken, login, logout } from '../src/client/login.js';
import { defaultTokenStorePath, TokenStore } from '../src/client/token-store.js';
import { CLIENTS, startIdp, type TestIdp } from './fixtures/provider.js';
import { ScriptedBrowser } from './fixtures/browser.js';

let idp: TestIdp;
let metadataServer: Server;
let gatewayUrl: string;
let config: AuthConfig;
let auth: Authenticator;
let dir: string;

/** Serves what the HTTP face will serve: the RFC 9728 document at both well-known paths. */
async function startMetadataServer(): Promise<void> {
  metadataServer = createServer((req, res) => {
    if (protectedResourceMetadataPaths(config.resource!).includes(req.url ?? '')) {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(protectedResourceMetadata(config)));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => metadataServer.listen(0, '127.0.0.1', r));
  gatewayUrl = `http://127.0.0.1:${(metadataServer.address() as AddressInfo).port}/mcp`;
}

beforeAll(async () => {
  idp = await startIdp();
  await startMetadataServer();
  idp.jwtResources.add(gatewayUrl);
  config = withAuthDefaults({
    mode: 'oauth',
    resource: gatewayUrl,
    oidc: { issuer: idp.issuer, requiredScopes: ['mcp:tools'], claims: { groups: 'realm_access.roles' } },
  });
  auth = await createAuthenticator(config);
  dir = await mkdtemp(join(tmpdir(), 'mcpgate-login-'));
});

afterAll(async () => {
  await auth?.close();
  await new Promise((r) => metadataServer?.close(r));
  await idp?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mcpgate login against a real provider', () => {
  it('device flow end to end: code approved in the IdP pages, token cached 0600, accepted by the gateway', async () => {
    const store = new TokenStore(join(dir, 'device', 'mcpgate', 'tokens.json'));
    const browser = new ScriptedBrowser();
    let shown: { userCode: string; verificationUri: string } | undefined;
    let approval: Promise<unknown> | undefined;
    const stored = await login({
      gatewayUrl,
      store,
      flow: 'device',
      clientId: CLIENTS.cli.id,
      onDeviceCode: (info) => {
        shown = info;
        approval = browser.approveDeviceCode(info.verificationUri, info.userCode);
      },
    });
    await approval;
    expect(shown?.verificationUri).toBe(`${idp.issuer}/device`);
    expect(browser.visited.some((u) => u.includes('/interaction/'))).toBe(true);
    expect(stored.refreshToken).toBeTruthy();
    expect(decodeJwt(stored.accessToken).aud).toBe(gatewayUrl);

    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    const onDisk = JSON.parse(await readFile(store.path, 'utf8'));
    expect(onDisk.gateways[gatewayUrl].accessToken).toBe(stored.accessToken);

    const token = await getAccessToken({ gatewayUrl, store });
    expect(token).toBe(stored.accessToken);
    const result = await auth.authenticate({ authorization: `Bearer ${token}` });
    expect(result.ok ? result.identity : result.description).toMatchObject({
      subject: 'alice',
      groups: ['engineering', 'oncall'],
      authMethod: 'oidc',
    });
  });

  it('browser flow: authorization code + PKCE on a loopback redirect, then refresh before expiry, then logout', async () => {
    const store = new TokenStore(join(dir, 'browser', 'tokens.json'));
    const browser = new ScriptedBrowser();
    let authorizationUrl = '';
    const stored = await login({
      gatewayUrl,
      store,
      flow: 'browser',
      clientId: CLIENTS.cli.id,
      onAuthorizationUrl: async (url) => {
        authorizationUrl = url;
        // The "user" opens the URL; the IdP fixture approves; the browser lands on our loopback listener.
        await browser.request(url);
      },
    });
    const params = new URL(authorizationUrl).searchParams;
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('resource')).toBe(gatewayUrl);
    expect(params.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(browser.visited.at(-1)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
    expect((await auth.authenticate({ authorization: `Bearer ${stored.accessToken}` })).ok).toBe(true);

    // Pretend the token is about to expire: the next use refreshes it and stores the new one.
    const later = () => stored.expiresAt! - 30_000;
    const refreshed = await getAccessToken({ gatewayUrl, store, now: later });
    expect(refreshed).not.toBe(stored.accessToken);
    expect((await store.get(gatewayUrl))?.accessToken).toBe(refreshed);
    expect((await auth.authenticate({ authorization: `Bearer ${refreshed}` })).ok).toBe(true);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);

    // After a 401 from the gateway the bridge forces a refresh even though the token looks valid.
    const forced = await getAccessToken({ gatewayUrl, store, forceRefresh: true });
    expect(forced).not.toBe(refreshed);
    expect((await auth.authenticate({ authorization: `Bearer ${forced}` })).ok).toBe(true);

    const out = await logout({ gatewayUrl, store });
    expect(out).toEqual({ removed: true, revoked: true });
    await expect(stat(store.path)).rejects.toThrow(/ENOENT/);
    await expect(getAccessToken({ gatewayUrl, store })).rejects.toThrow(`mcpgate login ${gatewayUrl}`);
  });

  it('registers itself dynamically (RFC 7591) when no client id is given', async () => {
    const store = new TokenStore(join(dir, 'dcr', 'tokens.json'));
    const browser = new ScriptedBrowser();
    const stored = await login({
      gatewayUrl,
      store,
      flow: 'browser',
      onAuthorizationUrl: (url) => browser.request(url).then(() => undefined),
    });
    expect(stored.clientId).not.toBe(CLIENTS.cli.id);
    expect(stored.clientId.length).toBeGreaterThan(0);
    expect((await auth.authenticate({ authorization: `Bearer ${stored.accessToken}` })).ok).toBe(true);
  });

  it('tells the user to log in again when the refresh token no longer works', async () => {
    const store = new TokenStore(join(dir, 'stale', 'tokens.json'));
    await store.put({
      gateway: gatewayUrl,
      resource: gatewayUrl,
      issuer: idp.issuer,
      clientId: CLIENTS.cli.id,
      tokenEndpoint: `${idp.issuer}/token`,
      accessToken: 'old',
      refreshToken: 'not-a-refresh-token',
      expiresAt: Date.now() - 1000,
      updatedAt: Date.now() - 10_000,
    });
    await expect(getAccessToken({ gatewayUrl, store })).rejects.toThrow(
      /revoked or expired: run "mcpgate login/,
    );
  });

  it('refuses metadata that names another resource', async () => {
    const other = gatewayUrl.replace('/mcp', '/other');
    await expect(
      login({ gatewayUrl: other, store: new TokenStore(join(dir, 'x.json')), flow: 'device', clientId: 'x' }),
    ).rejects.toThrow(/names resource/);
  });
});

describe('token store', () => {
  it('lives under XDG_CONFIG_HOME or ~/.config', () => {
    expect(defaultTokenStorePath({ XDG_CONFIG_HOME: '/x/cfg' }, '/home/a')).toBe(
      '/x/cfg/mcpgate/tokens.json',
    );
    expect(defaultTokenStorePath({}, '/home/a')).toBe('/home/a/.config/mcpgate/tokens.json');
  });

  it('tightens a token file someone made readable by others', async () => {
    const path = join(dir, 'loose', 'tokens.json');
    const store = new TokenStore(path);
    await store.put({
      gateway: 'https://gw.test/mcp',
      resource: 'https://gw.test/mcp',
      issuer: 'i',
      clientId: 'c',
      tokenEndpoint: 't',
      accessToken: 'a',
      updatedAt: 0,
    });
    await chmod(path, 0o644);
    expect((await store.get('https://gw.test/mcp/'))?.accessToken).toBe('a');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'loose'))).mode & 0o777).toBe(0o700);
    await writeFile(path, 'garbage');
    await expect(store.get('https://gw.test/mcp')).rejects.toThrow(/not valid JSON/);
  });
});
