import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yaml } from './helpers.js';

const BIN = fileURLToPath(new URL('../../cli/bin/mcpgate.js', import.meta.url));
const SECRET = 'ghp_planted0123456789abcdef';

function mcpgate(args: string[], opts: { cwd: string; env?: Record<string, string> }) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mcpgate validate (built CLI, child process)', () => {
  let dir: string;
  beforeAll(() => {
    // Fail loudly rather than skip: these tests need `pnpm build` to have produced the CLI.
    if (!existsSync(fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url)))) {
      throw new Error('packages/cli/dist is missing: run `pnpm build` before the tests');
    }
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-validate-'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'docs.token'), `${SECRET}\n`);
    writeFileSync(
      join(dir, 'good.yaml'),
      yaml(
        '# yaml-language-server: $schema=../packages/config/schema/mcpgate.schema.json',
        'upstreams:',
        '  everything:',
        '    command: npx',
        '    args: ["-y", "@modelcontextprotocol/server-everything"]',
        '    env: { TOKEN: "${env:EVERYTHING_TOKEN}" }',
        '  docs:',
        '    url: http://127.0.0.1:3001/mcp',
        '    headers: { Authorization: "Bearer ${file:secrets/docs.token}" }',
        '# Without a policy every tool would be hidden (validate warns about that).',
        'policy: { default: allow }',
      ),
    );
    writeFileSync(
      join(dir, 'broken.yaml'),
      yaml(
        'upstreams:', //                                  1
        '  docs:', //                                     2
        '    command: npx', //                            3
        '    url: http://127.0.0.1:3001/mcp', //          4
        '    transport: websocket', //                    5
        '  files:', //                                    6
        '    command: npx', //                            7
        '    env: { TOKEN: "${env:FILES_TOKEN}" }', //    8
        '    startTimeout: later', //                     9
        'logging:', //                                    10
        '  lvl: debug', //                                11
      ),
    );
    writeFileSync(
      join(dir, 'mcpgate.yaml'),
      yaml('upstreams:', '  one: { command: npx }', 'policy: { default: allow }'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a good file: "ok: <file> (N upstreams)", exit 0, no secret printed', () => {
    const r = mcpgate(['validate', '--config', 'good.yaml'], { cwd: dir, env: { EVERYTHING_TOKEN: SECRET } });
    expect(r).toEqual({ code: 0, stdout: 'ok: good.yaml (2 upstreams)\n', stderr: '' });
  });

  it('a broken file: every issue as file:line:col path: message on stderr, exit 1', () => {
    const r = mcpgate(['validate', '--config', 'broken.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toEqual([
      'broken.yaml:4:5 upstreams.docs.url: an upstream has either "command" (stdio) or "url" (remote), not both',
      'broken.yaml:5:5 upstreams.docs.transport: must be one of: "streamable-http", "sse"',
      'broken.yaml:8:12 upstreams.files.env.TOKEN: ${env:FILES_TOKEN} cannot be resolved: environment variable FILES_TOKEN is not set',
      'broken.yaml:9:5 upstreams.files.startTimeout: must be a duration like 250ms, 30s, 2m, 1h, 7d, or a whole number of milliseconds',
      expect.stringMatching(
        /^broken\.yaml:11:3 logging\.lvl: unknown key "lvl" \(did you mean "level"\? allowed keys: level, format\)$/,
      ),
    ]);
  });

  it("runs the concern packages' section checks too (masking), reported with path and line", () => {
    writeFileSync(
      join(dir, 'checks.yaml'),
      yaml('upstreams:', '  a: { command: npx }', 'masking:', '  seal:', '    enabled: true'),
    );
    const r = mcpgate(['validate', '--config', 'checks.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    // `seal.publicKey` is absent from the file: the issue points at its parent `seal` (line 4).
    expect(r.stderr).toMatch(/^checks\.yaml:4:3 masking\.seal\.publicKey: .+\n$/);
  });

  it('--format json|jsonl (and the deprecated --json) print the issues as JSON, same exit codes', () => {
    const formatted = mcpgate(['validate', '--format', 'json', '--config', 'broken.yaml'], { cwd: dir });
    expect(formatted.code).toBe(1);
    const line = mcpgate(['validate', '--format', 'jsonl', '--config', 'broken.yaml'], { cwd: dir });
    expect(line.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(line.stdout)).toEqual(JSON.parse(formatted.stdout));
    const bad = mcpgate(['validate', '--json', '--config', 'broken.yaml'], { cwd: dir });
    expect(bad.code).toBe(1);
    const body = JSON.parse(bad.stdout) as {
      ok: boolean;
      file: string;
      errors: { path: string; line: number }[];
    };
    expect(body.ok).toBe(false);
    expect(body).toEqual(JSON.parse(formatted.stdout));
    expect(bad.stderr).toContain('--json is deprecated');
    expect(body.file).toBe('broken.yaml');
    expect(body.errors.map((e) => [e.line, e.path])).toEqual([
      [4, 'upstreams.docs.url'],
      [5, 'upstreams.docs.transport'],
      [8, 'upstreams.files.env.TOKEN'],
      [9, 'upstreams.files.startTimeout'],
      [11, 'logging.lvl'],
    ]);
    const good = mcpgate(['validate', '--json', '-c', 'good.yaml'], {
      cwd: dir,
      env: { EVERYTHING_TOKEN: 'x' },
    });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({
      ok: true,
      file: 'good.yaml',
      upstreams: 2,
      errors: [],
      warnings: [],
    });
  });

  it('finds the config through MCPGATE_CONFIG, then ./mcpgate.yaml', () => {
    const viaEnv = mcpgate(['validate'], {
      cwd: dir,
      env: { MCPGATE_CONFIG: 'good.yaml', EVERYTHING_TOKEN: 'x' },
    });
    expect(viaEnv).toEqual({ code: 0, stdout: 'ok: good.yaml (2 upstreams)\n', stderr: '' });
    const viaDefault = mcpgate(['validate'], { cwd: dir });
    expect(viaDefault).toEqual({ code: 0, stdout: 'ok: mcpgate.yaml (1 upstream)\n', stderr: '' });
  });

  it('no config anywhere: exit 1 with what was tried', () => {
    const empty = join(dir, 'secrets');
    const r = mcpgate(['validate'], { cwd: empty });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `mcpgate validate: config file not found (--config: not given; MCPGATE_CONFIG: not set; ./mcpgate.yaml: ${join(empty, 'mcpgate.yaml')} does not exist)\n`,
    );
  });
});
