import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { everythingBin } from '@mcpgate/testkit';
import { REPO } from './support.js';

/**
 * The first hour of someone who never cloned the repository: the published package (as
 * scripts/release.mjs packs it) installed globally into an empty prefix, then used from an empty
 * directory outside the repository. Third-party dependencies come from the registry (or npm's
 * cache); nothing resolves into this checkout except the upstream server the config names.
 */
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgate-install-')));
const prefix = join(tmp, 'prefix');
const work = join(tmp, 'work');
const bin = join(prefix, 'bin', 'mcpgate');
// npm and pnpm export their own settings to children; the install must see only its flags.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^pnpm_/i.test(k)));
const version = (
  JSON.parse(readFileSync(join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string }
).version;

function mcpgate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(bin, args, { cwd: work, env, encoding: 'utf8', timeout: 60_000 });
}

beforeAll(() => {
  const out = join(tmp, 'release');
  const packed = execFileSync(process.execPath, [join(REPO, 'scripts/release.mjs'), '--out', out], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .trim()
    .split('\n')
    .pop()!;
  expect(readdirSync(out)).toEqual([`mcpgate-${version}.tgz`]);
  execFileSync(
    'npm',
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', packed],
    { env, cwd: tmp, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  mkdirSync(work);
}, 180_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('installed from the packed tarball', () => {
  it('is one package named mcpgate whose entry lives in the prefix, not in this checkout', () => {
    const installed = realpathSync(bin);
    expect(installed).toBe(join(prefix, 'lib', 'node_modules', 'mcpgate', 'bin', 'mcpgate.js'));
    const manifest = JSON.parse(
      readFileSync(join(prefix, 'lib', 'node_modules', 'mcpgate', 'package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      name: 'mcpgate',
      license: 'Apache-2.0',
      bin: { mcpgate: './bin/mcpgate.js' },
    });
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    const v = mcpgate(['--version']);
    expect(v.status, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(version);
  });

  it('init, client add claude-code, and an MCP client served through the installed binary', async () => {
    const init = mcpgate(['init', '--profile', 'laptop']);
    expect(init.status, init.stderr).toBe(0);
    const configPath = join(work, 'mcpgate.yaml');
    // Swap the starter's npx example for the same server installed here (no download in CI),
    // keeping the comments and the rest of the file as init wrote it.
    const doc = parseDocument(readFileSync(configPath, 'utf8'));
    expect(doc.getIn(['policy', 'default'])).toBe('allow');
    doc.setIn(['upstreams', 'everything', 'command'], process.execPath);
    doc.setIn(['upstreams', 'everything', 'args'], [everythingBin(), 'stdio']);
    writeFileSync(configPath, doc.toString());
    const validate = mcpgate(['validate']);
    expect(validate.stdout + validate.stderr).toContain('ok: mcpgate.yaml (1 upstream)');

    // Another server already in the project's .mcp.json must survive the merge.
    writeFileSync(
      join(work, '.mcp.json'),
      JSON.stringify({ mcpServers: { other: { command: 'other-server' } } }),
    );
    const add = mcpgate(['client', 'add', 'claude-code']);
    expect(add.status, add.stderr).toBe(0);
    const written = JSON.parse(readFileSync(join(work, '.mcp.json'), 'utf8')) as {
      mcpServers: Record<string, { command: string; args: string[] }>;
    };
    expect(written.mcpServers.other).toEqual({ command: 'other-server' });
    const entry = written.mcpServers.mcpgate!;
    expect(entry).toEqual({
      command: process.execPath,
      args: [realpathSync(bin), 'stdio', '--config', configPath],
    });

    // Start it exactly as Claude Code would, from the project directory.
    const client = new Client({ name: 'install-test', version: '1' });
    const stderr: string[] = [];
    const transport = new StdioClientTransport({
      command: entry.command,
      args: entry.args,
      cwd: work,
      env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
    await client.connect(transport);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names, stderr.join('')).toContain('ev__echo');
      const echoed = await client.callTool({ name: 'ev__echo', arguments: { message: 'first hour' } });
      expect(JSON.stringify(echoed.content)).toContain('first hour');
    } finally {
      await client.close();
    }
    const sessions = mcpgate(['audit', 'sessions', '--format', 'json']);
    expect(sessions.status, sessions.stderr).toBe(0);
    expect(JSON.parse(sessions.stdout)).toHaveLength(1);
  }, 120_000);
});
