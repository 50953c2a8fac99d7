import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@mcpgate/config';
import { certificatePem, consoleConfigIssues, consolePublicUrl } from '../src/config-check.js';
import { makeKeyPair } from './fixtures/saml-idp.js';
import { safeReturnTo } from '../src/http-util.js';

const DOC = fileURLToPath(new URL('../../../docs/console.md', import.meta.url));

async function load(yaml: string) {
  return loadWith(yaml, {});
}

/** Loads `yaml` as /srv/gw/mcpgate.yaml, with `files` readable through `${file:…}`. */
async function loadWith(yaml: string, files: Record<string, string>) {
  const env = new Proxy({}, { get: (_t, name) => `placeholder-${String(name)}` }) as Record<string, string>;
  return loadConfig({
    path: 'mcpgate.yaml',
    cwd: '/srv/gw',
    env,
    readFile: () => Promise.resolve(yaml),
    readSecretFile: (path: string) =>
      files[path] !== undefined ? Promise.resolve(files[path]) : Promise.reject(new Error(`no file ${path}`)),
    checks: { console: (section, config) => consoleConfigIssues(section, config) },
  });
}

describe('console config', () => {
  it("docs/console.md's example loads, and its public URL defaults to auth.resource's origin", async () => {
    const block = /```yaml\n([\s\S]*?)```/.exec(readFileSync(DOC, 'utf8'))![1]!;
    const r = await load(`upstreams: { fs: { command: echo } }\n${block}`);
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    expect(r.config.console).toMatchObject({
      enabled: true,
      oidc: { clientId: 'mcpgate-console', scopes: ['openid', 'profile', 'email'] },
      roles: { auditor: ['security-auditors'], admin: ['platform-admins'] },
      session: { idleTimeout: 30 * 60_000, absoluteTimeout: 12 * 3600_000 },
    });
    expect(consolePublicUrl(r.config)).toBe('https://mcp.example.com');
  });

  it('refuses an enabled console without an issuer, a client or a public URL, naming the key', async () => {
    const r = await load(
      `upstreams: { fs: { command: echo } }\nconsole: { enabled: true, oidc: { clientId: c, scopes: [profile] } }\n`,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
    expect(text).toMatch(/console\.enabled: .*auth\.oidc/);
    expect(text).toMatch(/console\.oidc\.scopes: must include "openid"/);
    expect(text).toMatch(/console\.publicUrl: /);
    const none = await load(`upstreams: { fs: { command: echo } }\nconsole: { enabled: true }\n`);
    expect(none.ok ? '' : none.errors.map((e) => e.message).join('\n')).toMatch(/console\.oidc\.clientId/);
  });

  it('loads a SAML-only console: no auth.oidc needed, defaults applied, ${file:} certificate', async () => {
    const pem = makeKeyPair('config test IdP').cert;
    const r = await loadWith(
      `upstreams: { fs: { command: echo } }
console:
  enabled: true
  publicUrl: https://mcp.example.com
  saml:
    entryPoint: https://idp.example.com/sso
    issuer: https://mcp.example.com/console
    idpCert: \${file:idp.pem}
`,
      { '/srv/gw/idp.pem': pem },
    );
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    expect(r.config.console.saml).toMatchObject({
      entryPoint: 'https://idp.example.com/sso',
      groupsAttribute: 'groups',
      clockSkew: 30_000,
    });
    expect(certificatePem(r.config.console.saml!.idpCert as string)).toContain('BEGIN CERTIFICATE');
    // The bare base64 body of a certificate (as IdP metadata shows it) is accepted too.
    const body = pem.replace(/-----[A-Z ]+-----|\s/g, '');
    expect(new X509Certificate(certificatePem(body)).fingerprint256).toBe(
      new X509Certificate(pem).fingerprint256,
    );
  });

  it("docs/console.md's SAML example loads", async () => {
    const doc = readFileSync(DOC, 'utf8');
    const saml = doc.slice(doc.indexOf('## SAML 2.0 sign-in'));
    const block = /```yaml\n([\s\S]*?)```/.exec(saml)![1]!;
    const r = await loadWith(`upstreams: { fs: { command: echo } }\n${block}`, {
      '/srv/gw/idp-signing.pem': makeKeyPair('docs example IdP').cert,
    });
    expect(r.ok ? [] : r.errors).toEqual([]);
    if (!r.ok) return;
    expect(r.config.console.saml).toMatchObject({ groupsAttribute: 'memberOf', label: 'Example Corp SSO' });
    expect(r.config.console.oidc).toBeUndefined();
  });

  it('refuses a SAML section with a bad certificate, a plain-http IdP elsewhere or a large skew, naming the key', async () => {
    const r = await load(`upstreams: { fs: { command: echo } }
console:
  enabled: true
  publicUrl: https://mcp.example.com
  saml:
    entryPoint: http://idp.example.com/sso
    issuer: sp
    idpCert: [not-a-certificate]
    clockSkew: 10m
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const text = r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
    expect(text).toMatch(/console\.saml\.entryPoint: must be https:\/\//);
    expect(text).toMatch(/console\.saml\.idpCert\[0\]: not an X\.509 certificate/);
    expect(text).toMatch(/console\.saml\.clockSkew: at most 5m/);
    expect(text).not.toMatch(/console\.oidc|auth\.oidc/);
    const missing = await load(
      `upstreams: { fs: { command: echo } }\nconsole: { enabled: true, publicUrl: https://x.example, saml: { issuer: sp } }\n`,
    );
    const missingText = missing.ok ? '' : missing.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
    expect(missingText).toMatch(/entryPoint/);
    expect(missingText).toMatch(/idpCert/);
  });

  it('sends people back only to console pages after sign-in (no open redirect)', () => {
    expect(safeReturnTo('/console/approvals/A-1?decide=deny')).toBe('/console/approvals/A-1?decide=deny');
    for (const bad of [
      'https://evil.example/',
      '//evil.example/console',
      '/admin/x',
      '/console\\@evil',
      null,
    ])
      expect(safeReturnTo(bad)).toBe('/console/');
  });
});
