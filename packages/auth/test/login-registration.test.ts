import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login } from '../src/client/login.js';
import { chooseAuthMethod, registrationGrantTypes } from '../src/client/register.js';
import { TokenStore } from '../src/client/token-store.js';
import { startIdp, type TestIdp } from './fixtures/provider.js';
import { ScriptedBrowser } from './fixtures/browser.js';

const DEVICE = 'urn:ietf:params:oauth:grant-type:device_code';

describe('dynamic registration asks only for what the issuer offers', () => {
  let idp: TestIdp;
  let server: Server;
  let gatewayUrl: string;
  let dir: string;

  beforeAll(async () => {
    // A real oidc-provider without the device flow: it refuses registrations that ask for it.
    idp = await startIdp({ deviceFlow: false });
    // The protected-resource metadata only at the root, naming the origin (a parent of /mcp).
    server = createServer((req, res) => {
      if (req.url === '/.well-known/oauth-protected-resource') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            resource: origin,
            authorization_servers: [idp.issuer],
            bearer_methods_supported: ['header'],
            scopes_supported: ['mcp:tools'],
          }),
        );
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    gatewayUrl = `${origin}/mcp`;
    idp.jwtResources.add(origin);
    dir = await mkdtemp(join(tmpdir(), 'mcpgate-dcr-'));
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await idp?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logs in through an issuer without the device flow (was: invalid_client_metadata)', async () => {
    const browser = new ScriptedBrowser();
    const stored = await login({
      gatewayUrl,
      store: new TokenStore(join(dir, 'tokens.json')),
      flow: 'browser',
      onAuthorizationUrl: (url) => browser.request(url).then(() => undefined),
    });
    expect(stored.clientId.length).toBeGreaterThan(0);
    // The root document's resource (the origin) is what the token is requested for.
    expect(stored.resource).toBe(new URL(gatewayUrl).origin);
    expect(stored.accessToken.length).toBeGreaterThan(0);
  });

  it('derives grants and the client authentication from the metadata', () => {
    expect(registrationGrantTypes({ issuer: 'x' })).toEqual(['authorization_code', 'refresh_token']);
    expect(registrationGrantTypes({ issuer: 'x', grant_types_supported: ['authorization_code'] })).toEqual([
      'authorization_code',
    ]);
    // Advertised but without its endpoint: not asked for.
    expect(
      registrationGrantTypes({ issuer: 'x', grant_types_supported: ['authorization_code', DEVICE] }),
    ).toEqual(['authorization_code']);
    expect(
      registrationGrantTypes({
        issuer: 'x',
        grant_types_supported: ['authorization_code', 'refresh_token', DEVICE],
        device_authorization_endpoint: 'https://idp/device',
      }),
    ).toEqual(['authorization_code', 'refresh_token', DEVICE]);
    expect(chooseAuthMethod({ issuer: 'x' }, false)).toBe('none');
    expect(
      chooseAuthMethod({ issuer: 'x', token_endpoint_auth_methods_supported: ['client_secret_post'] }, false),
    ).toBe('client_secret_post');
    expect(() =>
      chooseAuthMethod({ issuer: 'x', token_endpoint_auth_methods_supported: ['private_key_jwt'] }, false),
    ).toThrow(/pass --client-id/);
  });
});
