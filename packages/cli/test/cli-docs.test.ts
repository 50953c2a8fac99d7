import { describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CLI, REPO } from './support.js';
import { formatHelp } from '../src/command.js';
import { loadAllCommands } from '../src/commands/index.js';
import { describeOption } from '../src/options.js';

describe('CLI surface', () => {
  it('docs/cli.md is generated from the current commands', () => {
    const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'gen-cli-docs.mjs'), '--check'], {
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('every option of every command has a description, and every line of --help fits 80 columns', async () => {
    const missing: string[] = [];
    for (const cmd of await loadAllCommands()) {
      for (const [name, o] of Object.entries(cmd.options)) {
        if (describeOption(cmd.name, name, o).trim() === '') missing.push(`mcpgate ${cmd.name} --${name}`);
      }
      // The whole help: title, usage, the command's own paragraphs and the options list.
      for (const line of formatHelp(cmd).split('\n'))
        expect([...line].length, `mcpgate ${cmd.name}: ${line}`).toBeLessThanOrEqual(80);
    }
    expect(missing).toEqual([]);
  });

  it('--help and --version work at the top and for every command', async () => {
    const top = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(top.status).toBe(0);
    expect(top.stdout).toContain('Usage: mcpgate <command>');
    for (const line of top.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    const version = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const names = [...top.stdout.matchAll(/^ {2}(\S+(?: \S+)?) {2,}/gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(10);
    const run = promisify(execFile);
    // Two at a time: each is a whole CLI start, and the machine has two cores.
    for (let i = 0; i < names.length; i += 2) {
      await Promise.all(
        names.slice(i, i + 2).map(async (name) => {
          const h = await run(process.execPath, [CLI, ...name.split(' '), '--help'], { encoding: 'utf8' });
          expect(h.stdout, `mcpgate ${name} --help`).toContain(`mcpgate ${name}`);
          const v = await run(process.execPath, [CLI, ...name.split(' '), '--version'], { encoding: 'utf8' });
          expect(v.stdout.trim(), `mcpgate ${name} --version`).toBe(version.stdout.trim());
        }),
      );
    }
  }, 240_000);

  it('an unknown command or flag is a usage error (exit 2) with help', () => {
    const unknown = spawnSync(process.execPath, [CLI, 'frobnicate'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect(unknown.stderr).not.toContain('Did you mean');
    const typo = spawnSync(process.execPath, [CLI, 'audti', 'sesions', '--limit', '3'], { encoding: 'utf8' });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('Did you mean "mcpgate audit sessions"?');
    const badFlag = spawnSync(process.execPath, [CLI, 'stdio', '--no-such-flag'], { encoding: 'utf8' });
    expect(badFlag.status).toBe(2);
    expect(badFlag.stderr).toMatch(/Unknown option '--no-such-flag'/);
  });

  it('stdio with a broken config exits 1 and lists every error with path and line', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'stdio', '--config', join(REPO, 'packages/cli/test/fixtures/broken.yaml')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(''); // stdout belongs to the protocol
    expect(r.stderr).toMatch(/broken\.yaml:3:\d+ upstreams\.a\.comand/);
    expect(r.stderr).toMatch(/broken\.yaml:5:\d+ upstreams\.b/);
  });
});
