import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@mcpgate/config';
import { consoleConfigIssues, consolePublicUrl } from '../src/config-check.js';
import { safeReturnTo } from '../src/http-util.js';

const DOC = fileURLToPath(new URL('../../../docs/console.md', import.meta.url));

async function load(yaml: string) {
  const env = new Proxy({}, { get: (_t, name) => `placeholder-${String(name)}` }) as Record<string, string>;
  return loadConfig({
    path: 'mcpgate.yaml',
    cwd: '/srv/gw',
    env,
    readFile: () => Promise.resolve(yaml),
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
