import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientTarget } from '../src/runtime/clients.js';
import { CLI } from './support.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgate-client-add-')));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], cwd: string, home = join(cwd, 'home')) {
  return spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, '.config') },
  });
}

function project(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const init = run(['init', '--profile', 'laptop'], dir);
  expect(init.status, init.stderr).toBe(0);
  return dir;
}

const launch = (dir: string) => ({
  command: process.execPath,
  args: [realpathSync(CLI), 'stdio', '--config', join(dir, 'mcpgate.yaml')],
});

describe('mcpgate client add', () => {
  it('cursor --project merges into .cursor/mcp.json and keeps the other servers and keys', () => {
    const dir = project('cursor');
    mkdirSync(join(dir, '.cursor'));
    const before = { mcpServers: { github: { url: 'https://x.example/mcp' } }, other: true };
    writeFileSync(join(dir, '.cursor', 'mcp.json'), JSON.stringify(before));
    const r = run(['client', 'add', 'cursor', '--project', '.'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`added "mcpgate" in ${join(dir, '.cursor', 'mcp.json')}`);
    const after = JSON.parse(readFileSync(join(dir, '.cursor', 'mcp.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(after).toEqual({
      mcpServers: { github: before.mcpServers.github, mcpgate: launch(dir) },
      other: true,
    });
    // Running it again changes nothing and says so.
    expect(run(['client', 'add', 'cursor', '--project', '.'], dir).stdout).toContain('unchanged "mcpgate"');
  });

  it('vscode uses "servers" with type stdio; --print writes nothing', () => {
    const dir = project('vscode');
    const r = run(['client', 'add', 'vscode', '--project', dir, '--print', '--name', 'gw'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ servers: { gw: { type: 'stdio', ...launch(dir) } } });
    expect(() => readFileSync(join(dir, '.vscode', 'mcp.json'))).toThrow(/ENOENT/);
  });

  it('claude-desktop writes the per-user file (XDG on Linux) and refuses --project', () => {
    const dir = project('desktop');
    const r = run(['client', 'add', 'claude-desktop'], dir);
    expect(r.status, r.stderr).toBe(0);
    const file = join(dir, 'home', '.config', 'Claude', 'claude_desktop_config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mcpServers: { mcpgate: launch(dir) } });
    const bad = run(['client', 'add', 'claude-desktop', '--project', '.'], dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('Claude Desktop has no per-project config');
  });

  it('a client file it cannot parse is left untouched, and the entry is printed to add by hand', () => {
    const dir = project('broken');
    const text = '{ // a comment\n "mcpServers": {} }';
    writeFileSync(join(dir, '.mcp.json'), text);
    const r = run(['client', 'add', 'claude-code'], dir);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nothing was changed');
    expect(r.stderr).toContain('"mcpgate"');
    expect(readFileSync(join(dir, '.mcp.json'), 'utf8')).toBe(text);
  });

  it('an unknown client or a missing gateway config says what to do', () => {
    const dir = join(tmp, 'empty');
    mkdirSync(dir);
    const unknown = run(['client', 'add', 'emacs'], dir);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain(
      'unknown client "emacs"; known: claude-desktop, claude-code, cursor, vscode',
    );
    const noConfig = run(['client', 'add', 'claude-code'], dir);
    expect(noConfig.status).toBe(1);
    expect(noConfig.stderr).toContain('mcpgate init');
  });

  it("knows each platform's per-user files", () => {
    const l = { command: 'node', args: [] };
    const mac = { platform: 'darwin' as const, env: {}, home: '/Users/a' };
    const win = {
      platform: 'win32' as const,
      env: { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' },
      home: 'C:\\Users\\a',
    };
    expect(clientTarget('claude-desktop', l, { cwd: '/', platform: mac }).file).toBe(
      '/Users/a/Library/Application Support/Claude/claude_desktop_config.json',
    );
    expect(clientTarget('vscode', l, { cwd: '/', platform: mac }).file).toBe(
      '/Users/a/Library/Application Support/Code/User/mcp.json',
    );
    expect(clientTarget('claude-desktop', l, { cwd: '/', platform: win }).file).toContain('Claude');
    expect(clientTarget('cursor', l, { cwd: '/', platform: mac }).file).toBe('/Users/a/.cursor/mcp.json');
  });
});

describe('mcpgate init', () => {
  it('writes a config that validates for either profile and will not overwrite without --force', () => {
    for (const profile of ['laptop', 'shared']) {
      const dir = join(tmp, `init-${profile}`);
      mkdirSync(dir);
      expect(run(['init', '--profile', profile], dir).status).toBe(0);
      const text = readFileSync(join(dir, 'mcpgate.yaml'), 'utf8');
      expect(text).toContain(profile === 'laptop' ? 'default: allow' : 'default: deny');
      const v = run(['validate'], dir);
      expect(v.stdout, v.stderr).toContain('ok: mcpgate.yaml (1 upstream)');
      const again = run(['init', '--profile', profile], dir);
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('already exists; pass --force');
      expect(run(['init', '--profile', profile, '--force'], dir).status).toBe(0);
    }
  });

  it('asks for a profile only on a terminal: a script without --profile gets a usage error', () => {
    const dir = join(tmp, 'init-script');
    mkdirSync(dir);
    const r = run(['init'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('pass --profile laptop or --profile shared');
  });
});
