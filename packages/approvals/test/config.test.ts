import { describe, expect, it } from 'vitest';
import { loadConfig } from '@mcpgate/config';
import { startApprovals, type ApprovalsConfig } from '../src/setup.js';
import { person, pgliteStores, replica } from './helpers.js';

async function load(yaml: string, env: Record<string, string> = {}) {
  return loadConfig({ path: 'mcpgate.yaml', cwd: '/cfg', env, readFile: () => Promise.resolve(yaml) });
}

describe('the approvals config section', () => {
  it('applies the documented defaults', async () => {
    const r = await load('upstreams: {}\n');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const section: ApprovalsConfig = r.config.approvals;
    expect(section).toMatchObject({
      defaults: { timeout: 15 * 60_000, deferWindow: 60 * 60_000, uses: 1 },
      progressInterval: 10_000,
      webhooks: [],
      delivery: { maxAttempts: 5, initialBackoff: 1000, maxBackoff: 30_000, timeout: 10_000 },
    });
  });

  it('resolves webhook secrets from references and rejects unknown keys', async () => {
    const r = await load(
      [
        'approvals:',
        '  adminBaseUrl: https://mcp.example.com',
        '  defaults: { timeout: 5m, deferWindow: 30m }',
        '  webhooks:',
        '    - url: https://hooks.example.com/approvals',
        '      secret: ${env:HOOK_SECRET}',
        '      events: [requested, approved]',
        '      format: slack',
      ].join('\n'),
      { HOOK_SECRET: 'hook-secret-value' },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.config.approvals.webhooks[0]).toEqual({
      url: 'https://hooks.example.com/approvals',
      secret: 'hook-secret-value',
      events: ['requested', 'approved'],
      format: 'slack',
    });
    expect(r.config.approvals.defaults.timeout).toBe(300_000);

    const bad = await load(
      'approvals:\n  webhooks:\n    - url: https://x.example\n      secret: s\n      retries: 3\n',
    );
    expect(bad.ok).toBe(false);
  });

  it('starts a working approvals runtime from the loaded section', async () => {
    const r = await load('approvals:\n  defaults: { deferWindow: 2m, uses: 2 }\n');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const stores = await pgliteStores();
    const audit = await replica(stores.a, 'gw-config');
    const rt = await startApprovals(r.config.approvals, {
      sql: stores.a,
      audit: audit.recorder,
      sweepIntervalMs: 0,
    });
    try {
      const a = await rt.service.request({
        identity: person('oidc:alice', ['eng']),
        method: 'tools/call',
        upstream: 'ops',
        tool: 'deploy',
        arguments: {},
        argsHash: '0'.repeat(64),
        requirement: {
          reviewers: ['sre'],
          approvals: 1,
          timeoutMs: 0,
          mode: 'defer',
          allowSelfApproval: false,
        },
      });
      expect(a.uses).toBe(2);
      expect(a.expiresAt.getTime() - a.createdAt.getTime()).toBe(15 * 60_000);
      const ok = await rt.service.approve(person('oidc:sam', ['sre']), a.id, { channel: 'cli-local' });
      expect(ok.useBy!.getTime() - ok.decidedAt!.getTime()).toBe(2 * 60_000);
    } finally {
      await rt.close();
      await audit.close();
      await stores.close();
    }
  });
});
