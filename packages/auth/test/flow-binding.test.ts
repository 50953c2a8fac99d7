import { describe, expect, it } from 'vitest';
import type { Identity } from '@mcpgate/core';
import { assertCanBind, flowPrincipal } from '../src/upstream/flow-binding.js';

const person = (over: Partial<Identity> = {}): Identity => ({
  subject: 'alice',
  groups: [],
  authMethod: 'oidc',
  issuer: 'https://sso.example.com',
  ...over,
});

/**
 * The binding rule of per-user authorization links: the principal a link is made for, compared
 * with the console session's, and the principals that can never open one under `binding: console`.
 */
describe('who may open a per-user authorization link', () => {
  it('is the same principal for a JWT and an introspected token of one issuer and subject, and for the console sign-in', () => {
    expect(flowPrincipal(person({ authMethod: 'introspection' }))).toBe(flowPrincipal(person()));
    expect(flowPrincipal(person({ subject: 'bob' }))).not.toBe(flowPrincipal(person()));
    expect(flowPrincipal(person({ issuer: 'https://other.example.com' }))).not.toBe(flowPrincipal(person()));
    // A SAML sign-in of the same name does not prove the OIDC principal.
    expect(flowPrincipal(person({ authMethod: 'saml' }))).not.toBe(flowPrincipal(person()));
  });

  it('refuses API-key and local principals before any link is made, unless binding is none', () => {
    expect(() => assertCanBind(person(), 'console', 'issues')).not.toThrow();
    const key = person({ subject: 'key:ci', authMethod: 'api-key', keyName: 'ci' });
    expect(() => assertCanBind(key, 'console', 'issues')).toThrow(
      /upstream "issues" is authorized per person through the console sign-in, which API key principal "key:ci" cannot do/,
    );
    expect(() =>
      assertCanBind(person({ subject: 'local:alice', authMethod: 'local' }), 'console', 'issues'),
    ).toThrow(/local:alice cannot do/);
    expect(() => assertCanBind(key, 'none', 'issues')).not.toThrow();
  });
});
