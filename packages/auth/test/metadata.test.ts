import { describe, expect, it } from 'vitest';
import { bearerChallenge, parseBearerChallenge } from '../src/challenge.js';
import { claimAt, identityFromClaims, stringList } from '../src/claims.js';
import { identityKey } from '../src/identity-key.js';
import { withAuthDefaults } from '../src/config.js';
import { metadataUrls } from '../src/discovery.js';
import { assertLocalModeAllowed, isLoopbackHost, localIdentity } from '../src/local.js';
import {
  protectedResourceMetadata,
  protectedResourceMetadataPaths,
  protectedResourceMetadataUrl,
} from '../src/metadata.js';

describe('RFC 9728 protected-resource metadata', () => {
  it('inserts the well-known segment before the resource path', () => {
    expect(protectedResourceMetadataUrl('https://gw.example.com/mcp')).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource/mcp',
    );
    expect(protectedResourceMetadataUrl('https://gw.example.com/')).toBe(
      'https://gw.example.com/.well-known/oauth-protected-resource',
    );
    expect(protectedResourceMetadataPaths('https://gw.example.com/team/mcp')).toEqual([
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/team/mcp',
    ]);
  });

  it('names the resource, its issuer and its scopes', () => {
    const doc = protectedResourceMetadata(
      withAuthDefaults({
        mode: 'oauth',
        resource: 'https://gw.example.com/mcp',
        resourceName: 'Acme MCP gateway',
        oidc: { issuer: 'https://idp.example.com/realms/acme', requiredScopes: ['mcp:tools'] },
      }),
    );
    expect(doc).toEqual({
      resource: 'https://gw.example.com/mcp',
      authorization_servers: ['https://idp.example.com/realms/acme'],
      bearer_methods_supported: ['header'],
      scopes_supported: ['mcp:tools'],
      resource_name: 'Acme MCP gateway',
    });
  });

  it('refuses to publish metadata without a resource identifier', () => {
    expect(() => protectedResourceMetadata(withAuthDefaults({ mode: 'oauth' }))).toThrow(/auth.resource/);
  });
});

describe('Bearer challenges', () => {
  it('builds and parses a challenge with escaped quotes', () => {
    const header = bearerChallenge({
      resourceMetadata: 'https://gw/.well-known/oauth-protected-resource',
      error: 'insufficient_scope',
      description: 'needs "admin"',
      scope: ['a', 'b'],
    });
    expect(header).toBe(
      'Bearer resource_metadata="https://gw/.well-known/oauth-protected-resource", error="insufficient_scope", error_description="needs \\"admin\\"", scope="a b"',
    );
    expect(parseBearerChallenge(header)).toEqual({
      resource_metadata: 'https://gw/.well-known/oauth-protected-resource',
      error: 'insufficient_scope',
      error_description: 'needs "admin"',
      scope: 'a b',
    });
    expect(parseBearerChallenge('Basic realm="x"')).toBeUndefined();
  });
});

describe('claims', () => {
  it('reads dot paths and whole dotted claim names', () => {
    const claims = { realm_access: { roles: ['a', 'b'] }, 'https://acme.test/groups': 'x y x' };
    expect(claimAt(claims, 'realm_access.roles')).toEqual(['a', 'b']);
    expect(stringList(claimAt(claims, 'https://acme.test/groups'))).toEqual(['x', 'y']);
    expect(claimAt(claims, 'realm_access.nope.deeper')).toBeUndefined();
  });

  it('builds an identity without the token, with scopes from scp arrays', () => {
    const identity = identityFromClaims(
      {
        sub: 'u1',
        preferred_username: 'alice',
        scp: ['read', 'write'],
        groups: 'g1 g2',
        exp: 100,
        jti: 'j1',
      },
      { subject: 'sub', name: 'preferred_username', email: 'email', groups: 'groups' },
      'oidc',
      'https://idp',
    );
    expect(identity).toEqual({
      subject: 'u1',
      name: 'alice',
      groups: ['g1', 'g2'],
      scopes: ['read', 'write'],
      authMethod: 'oidc',
      tokenId: 'j1',
      issuer: 'https://idp',
      expiresAt: 100_000,
    });
  });
});

describe('issuer discovery URLs', () => {
  it('tries OIDC discovery first, then RFC 8414 with path insertion', () => {
    expect(metadataUrls('https://kc.test/realms/acme')).toEqual([
      'https://kc.test/realms/acme/.well-known/openid-configuration',
      'https://kc.test/.well-known/oauth-authorization-server/realms/acme',
      'https://kc.test/.well-known/openid-configuration/realms/acme',
    ]);
    expect(metadataUrls('https://idp.test')).toEqual([
      'https://idp.test/.well-known/openid-configuration',
      'https://idp.test/.well-known/oauth-authorization-server',
    ]);
  });
});

describe('local mode', () => {
  it('allows loopback binds only', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(() => assertLocalModeAllowed(host)).not.toThrow();
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'gateway.example.com', '128.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(() => assertLocalModeAllowed(host)).toThrow(/only allowed on a loopback address/);
    }
  });

  it('names the OS user', () => {
    expect(localIdentity('bob')).toEqual({
      subject: 'local:bob',
      name: 'bob',
      groups: [],
      authMethod: 'local',
    });
  });
});

describe('identityKey', () => {
  it('is the same for two tokens of one principal and differs across principals', () => {
    const alice = {
      subject: 'alice',
      groups: [],
      authMethod: 'oidc' as const,
      issuer: 'https://idp',
      tokenId: 'a',
    };
    expect(identityKey({ ...alice, tokenId: 'b', authMethod: 'introspection' })).toBe(identityKey(alice));
    expect(identityKey({ ...alice, subject: 'bob' })).not.toBe(identityKey(alice));
    expect(identityKey({ ...alice, issuer: 'https://other-idp' })).not.toBe(identityKey(alice));
    expect(identityKey({ subject: 'alice', groups: [], authMethod: 'local' })).not.toBe(identityKey(alice));
  });
});
