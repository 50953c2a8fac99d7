import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLI, connectGateway, writeConfig } from './support.js';

/**
 * `mcpgate audit verify` records its own read in a fresh chain of its own; that chain is signed
 * before the check, so a clean trail verifies without a warning an auditor would be alarmed by.
 */
describe('mcpgate audit verify and its own fresh chain', () => {
  let db: PgDatabase;
  let configPath: string;
  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_verify_own' });
    configPath = writeConfig(`
upstreams: {}
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key }
`);
    // A gateway run that ends cleanly: its chain closes with a final signed checkpoint.
    const gw = await connectGateway(configPath);
    await gw.close();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const verify = (...args: string[]) =>
    spawnSync(process.execPath, [CLI, 'audit', 'verify', '--config', configPath, ...args], {
      encoding: 'utf8',
    });

  it('reports OK with no note about unsigned records, run after run', () => {
    for (let i = 0; i < 2; i++) {
      const r = verify();
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^OK: /);
      expect(r.stdout).not.toContain('after the last checkpoint');
    }
    const json = verify('--json');
    expect(json.status, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { warnings: string[] }).warnings).toEqual([]);
    expect(json.stderr).toContain('--json is deprecated; use --format json');
    const formatted = verify('--format', 'json');
    expect(formatted.status, formatted.stderr).toBe(0);
    expect((JSON.parse(formatted.stdout) as { warnings: string[] }).warnings).toEqual([]);
    // One report per run: jsonl is refused with the formats it takes.
    const jsonl = verify('--format', 'jsonl');
    expect(jsonl.status).toBe(2);
    expect(jsonl.stderr).toContain('--format takes table, json');
  });
});
