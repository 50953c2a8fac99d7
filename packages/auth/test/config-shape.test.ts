import { describe, expect, it } from 'vitest';
import { loadConfig, type AuthSection } from '@mcpgate/config';
import type { AuthConfig } from '../src/config.js';
import { withAuthDefaults } from '../src/config.js';
import { createAuthenticator } from '../src/authenticator.js';
import { protectedResourceMetadata } from '../src/metadata.js';

// Compile-time pin: the loaded config section is exactly what this package consumes, both ways.
const _sectionIsConfig = (s: AuthSection): AuthConfig => s;
const _configIsSection = (c: AuthConfig): AuthSection => c;

async function load(yaml: string, env: Record<string, string> = {}) {
  const files: Record<string, string> = { '/srv/gw/mcpgate.yaml': yaml };
  const result = await loadConfig({
    path: 'mcpgate.yaml',
    cwd: '/srv/gw',
    env,
    readFile: (p) =>
      files[p] !== undefined ? Promise.resolve(files[p]) : Promise.reject(new Error(`ENOENT ${p}`)),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config.auth;
}

describe('the auth config section', () => {
  it('defaults to local mode with API keys off', async () => {
    const auth = await load('upstreams: {}\n');
    expect(auth).toEqual(withAuthDefaults({}));
  });

  it('loads an oauth section with defaults and durations in ms, equal to the in-code defaults', async () => {
    const auth = await load(
      [
        'upstreams: {}',
        'auth:',
        '  mode: oauth',
        '  resource: https://mcp.example.com/mcp',
        '  oidc:',
        '    issuer: https://kc.example.com/realms/acme',
        '    clockSkew: 10s',
        '    claims: { groups: realm_access.roles }',
        '    introspection: { clientId: gw, clientSecret: "${env:INTROSPECT}" }',
        '  apiKeys:',
        '    enabled: true',
        '    pepper: ${env:PEPPER}',
        '',
      ].join('\n'),
      { INTROSPECT: 'introspection-secret', PEPPER: 'p'.repeat(40) },
    );
    expect(auth).toEqual(
      withAuthDefaults({
        mode: 'oauth',
        resource: 'https://mcp.example.com/mcp',
        oidc: {
          issuer: 'https://kc.example.com/realms/acme',
          clockSkew: 10_000,
          claims: { groups: 'realm_access.roles' },
          introspection: { clientId: 'gw', clientSecret: 'introspection-secret' },
        },
        apiKeys: { enabled: true, pepper: 'p'.repeat(40) },
      }),
    );
    expect(protectedResourceMetadata(auth).authorization_servers).toEqual([
      'https://kc.example.com/realms/acme',
    ]);
  });

  it('rejects HS256 in the algorithm list', async () => {
    await expect(
      load('upstreams: {}\nauth:\n  oidc:\n    issuer: https://idp.test\n    algorithms: [HS256]\n'),
    ).rejects.toThrow(/algorithms/);
  });

  it('refuses oauth mode with nothing that could authenticate anyone', async () => {
    const auth = await load('upstreams: {}\nauth:\n  mode: oauth\n');
    await expect(createAuthenticator(auth)).rejects.toThrow(/needs auth.oidc or auth.apiKeys.enabled/);
  });
});
