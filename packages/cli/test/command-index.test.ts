import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Command } from '../src/command.js';
import { COMMANDS, loadAllCommands } from '../src/commands/index.js';
import { CLI, REPO } from './support.js';

const CLI_DIR = join(REPO, 'packages', 'cli');
const SRC_COMMANDS = join(CLI_DIR, 'src', 'commands');
const DIST_COMMANDS_URL = pathToFileURL(join(CLI_DIR, 'dist', 'commands')).href + '/';
const CLI_URL = pathToFileURL(CLI_DIR).href + '/';
const HOOKS_URL = pathToFileURL(join(CLI_DIR, 'test', 'fixtures', 'record-loads.mjs')).href;

function isCommand(v: unknown): v is Command {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Command).name === 'string' &&
    typeof (v as Command).summary === 'string' &&
    typeof (v as Command).run === 'function'
  );
}

const tmp = mkdtempSync(join(tmpdir(), 'mcpgate-loads-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let runs = 0;

/**
 * Runs the built CLI with hooks that record every module it loads; returns its exit status and
 * the loaded file: URLs. Deterministic (what was imported), unlike a start-up timing.
 */
function runRecording(args: string[]): {
  status: number | null;
  stdout: string;
  stderr: string;
  loaded: string[];
} {
  const out = join(tmp, `loads-${runs++}.txt`);
  const register = `import{register}from"node:module";register(${JSON.stringify(HOOKS_URL)},{data:{out:${JSON.stringify(out)}}});`;
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, ...args],
    { encoding: 'utf8', timeout: 30_000 },
  );
  const loaded = readFileSync(out, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, loaded };
}

/** The modules under dist/commands/ that were loaded, as file names (e.g. `connect.js`). */
function commandFiles(loaded: string[]): string[] {
  return loaded
    .filter((u) => u.startsWith(DIST_COMMANDS_URL))
    .map((u) => u.slice(DIST_COMMANDS_URL.length))
    .sort();
}

describe('command index', () => {
  it('every entry names and summarises exactly the command its loader returns', async () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    const loaded = await loadAllCommands();
    for (const [i, entry] of COMMANDS.entries()) {
      const cmd = loaded[i]!;
      expect(isCommand(cmd), `index entry "${entry.name}" loads a command`).toBe(true);
      expect({ name: cmd.name, summary: cmd.summary }, `index entry "${entry.name}"`).toEqual({
        name: entry.name,
        summary: entry.summary,
      });
    }
  });

  it('every command a module under commands/ exports has an index entry', async () => {
    const indexed = new Set<Command>(await loadAllCommands());
    const exported: string[] = [];
    for (const file of readdirSync(SRC_COMMANDS).filter((f) => f.endsWith('.ts') && f !== 'index.ts')) {
      const mod = (await import(join(SRC_COMMANDS, file))) as Record<string, unknown>;
      for (const [key, value] of Object.entries(mod)) {
        if (!isCommand(value)) continue;
        exported.push(value.name);
        expect(
          indexed.has(value),
          `${file} exports ${key} ("${value.name}") but index.ts has no entry for it`,
        ).toBe(true);
      }
    }
    // Every entry's loader returned one of the exported commands, so the counts match.
    expect(exported.sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });
});

describe('lazy command loading (built CLI, child process)', () => {
  it('top help, group listings and unknown commands load no command module and nothing outside the CLI', () => {
    const cases: { args: string[]; status: number; text: (r: ReturnType<typeof runRecording>) => string }[] =
      [
        { args: ['--help'], status: 0, text: (r) => r.stdout },
        { args: [], status: 2, text: (r) => r.stdout },
        { args: ['audit'], status: 2, text: (r) => r.stdout },
        { args: ['audit', '--help'], status: 0, text: (r) => r.stdout },
        { args: ['frobnicate'], status: 2, text: (r) => r.stderr },
      ];
    for (const c of cases) {
      const r = runRecording(c.args);
      const label = `mcpgate ${c.args.join(' ')}`;
      expect(r.status, `${label}: ${r.stderr}`).toBe(c.status);
      // The listing still carries every summary, from the index alone.
      if (c.args[0] === 'audit') {
        expect(c.text(r), label).toContain(COMMANDS.find((e) => e.name === 'audit verify')!.summary);
      } else {
        // Summaries wrap to 80 columns in the top help: compare with the white space folded.
        const folded = c.text(r).replace(/\s+/g, ' ');
        for (const e of COMMANDS) expect(folded, label).toContain(e.summary.replace(/\s+/g, ' '));
      }
      // Control: the recorder saw the dispatcher and the index, so an empty record cannot pass.
      expect(r.loaded, label).toContain(pathToFileURL(join(CLI_DIR, 'dist', 'main.js')).href);
      expect(commandFiles(r.loaded), label).toEqual(['index.js']);
      expect(
        r.loaded.filter((u) => !u.startsWith(CLI_URL) || u.includes('/node_modules/')),
        `${label} loads only the CLI's own dispatcher files`,
      ).toEqual([]);
    }
  });

  it("a command's --help loads that command's module and no other command", () => {
    const connect = runRecording(['connect', '--help']);
    expect(connect.status, connect.stderr).toBe(0);
    expect(connect.stdout).toContain('mcpgate connect — ');
    expect(commandFiles(connect.loaded)).toEqual(['connect.js', 'index.js']);

    // A two-word command: the longest name wins, and its shared helpers come along.
    const verify = runRecording(['audit', 'verify', '--help']);
    expect(verify.status, verify.stderr).toBe(0);
    expect(verify.stdout).toContain('mcpgate audit verify — ');
    const files = commandFiles(verify.loaded);
    expect(files).toContain('audit-verify.js');
    expect(files.filter((f) => f !== 'index.js' && !f.endsWith('-common.js'))).toEqual(['audit-verify.js']);
  });
});
