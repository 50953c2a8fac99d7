import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLI, writeConfig } from './support.js';

/**
 * Operator and auditor commands start no upstream, so they must not need the upstreams' secrets
 * (issue: `keys create` failed on `${env:DOCS_MCP_TOKEN}`), and on a Postgres store they must not
 * invent a second signing key.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const upstreamsWithSecrets = `
upstreams:
  docs:
    url: '\${env:DOCS_MCP_URL}'
    headers: { Authorization: 'Bearer \${env:DOCS_MCP_TOKEN}' }
  gh:
    command: npx
    args: ['-y', '@modelcontextprotocol/server-github']
    env: { GITHUB_PERSONAL_ACCESS_TOKEN: '\${file:secrets/gh.token}' }
`;

function run(args: string[], config: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args, '--config', config], {
    encoding: 'utf8',
    cwd: dirname(config),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
}

function tempConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcpgate-operator-'));
  dirs.push(dir);
  return writeConfig(yaml, dir);
}

describe('operator commands need only what they use', () => {
  it("keys create and audit sessions work without the upstreams' secrets; validate and stdio still require them", () => {
    const config = tempConfig(`${upstreamsWithSecrets}
auth:
  apiKeys: { pepper: '\${env:MCPGATE_PEPPER}' }
`);
    const env = { MCPGATE_PEPPER: 'a-pepper-of-at-least-thirty-two-characters!' };
    const key = run(['keys', 'create', '--name', 'ci', '--json'], config, env);
    expect(key.status, key.stderr).toBe(0);
    expect(key.stdout).toContain('mcpg_');
    const sessions = run(['audit', 'sessions', '--format', 'json'], config, env);
    expect(sessions.status, sessions.stderr).toBe(0);
    expect(JSON.parse(sessions.stdout)).toEqual([]);
    // A secret the command does need is still required, and named.
    const noPepper = run(['keys', 'list'], config);
    expect(noPepper.status).toBe(1);
    expect(noPepper.stderr).toContain('${env:MCPGATE_PEPPER} cannot be resolved');

    const validate = run(['validate'], config, env);
    expect(validate.status).toBe(1);
    expect(validate.stderr).toContain('${env:DOCS_MCP_TOKEN} cannot be resolved');
    expect(validate.stderr).toContain('${file:secrets/gh.token} cannot be resolved');
    const stdio = run(['stdio'], config, env);
    expect(stdio.status).toBe(1);
    expect(stdio.stderr).toContain('${env:DOCS_MCP_URL} cannot be resolved');
  });

  describe('on a Postgres store', () => {
    let db: PgDatabase;
    beforeAll(async () => {
      db = await pgSchema({ prefix: 'mcpgate_operator' });
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('an auditor config without a signing key says what to set and creates no key', () => {
      const config = tempConfig(`store: { url: ${JSON.stringify(db.url)} }\n`);
      const r = run(['audit', 'sessions'], config);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('no audit signing key');
      expect(r.stderr).toContain("set audit.signingKey: '${file:PATH}'");
      expect(readdirSync(dirname(config))).toEqual(['mcpgate.yaml']);
      expect(existsSync(join(dirname(config), '.mcpgate'))).toBe(false);
    });
  });
});
