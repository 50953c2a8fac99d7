import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { CLI, REPO, writeConfig } from './support.js';

/**
 * Files the gateway and the CLI write are owner-only whatever the umask: every command here runs
 * under `umask 000`, where anything created with default modes would be world-writable.
 */
const UMASK_000 = 'umask 000; exec "$0" "$@"';

function run(args: string[], cwd: string) {
  return spawnSync('sh', ['-c', UMASK_000, process.execPath, CLI, ...args], { cwd, encoding: 'utf8' });
}

/** One `mcpgate stdio` session under umask 000: initialize, then close stdin. Resolves with stderr. */
function stdioSession(configPath: string): Promise<string> {
  const child = spawn('sh', ['-c', UMASK_000, process.execPath, CLI, 'stdio', '--config', configPath], {
    stdio: 'pipe',
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    lines.once('line', () => child.stdin.end());
    child.once('exit', (code) =>
      code === 0 ? resolve(stderr) : reject(new Error(`mcpgate stdio exited ${code}:\n${stderr}`)),
    );
    child.stdin.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-06-18',
          capabilities: {},
          clientInfo: { name: 'perm', version: '1' },
        },
      })}\n`,
    );
  });
}

/** Every path below `dir` (itself included) that is not owner-only: `path mode`. */
function openToOthers(dir: string): string[] {
  const out: string[] = [];
  const visit = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return;
    const want = st.isDirectory() ? 0o700 : 0o600;
    if ((st.mode & 0o777) !== want) out.push(`${p} ${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const n of readdirSync(p)) visit(join(p, n));
  };
  visit(dir);
  return out;
}

describe('files at rest are owner-only (umask 000)', () => {
  let dir: string;
  let configPath: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mcpgate-perm-'));
    configPath = writeConfig('upstreams: {}\n', dir);
    await stdioSession(configPath);
  });

  it('the embedded store and its signing key: directories 0700, files 0600', () => {
    const state = join(dir, '.mcpgate');
    expect(readdirSync(state).sort()).toEqual(['audit-signing.key', 'data']);
    expect(readdirSync(join(state, 'data')).length).toBeGreaterThan(5);
    expect(openToOthers(state)).toEqual([]);
  });

  it('an existing store open to others is fixed at start, with a warning naming it', async () => {
    const data = join(dir, '.mcpgate', 'data');
    chmodSync(data, 0o777);
    chmodSync(join(data, 'PG_VERSION'), 0o666);
    const stderr = await stdioSession(configPath);
    const warning = stderr.split('\n').find((l) => l.includes('was open to other users'));
    expect(warning).toBeDefined();
    expect(warning).toContain(`the embedded store ${data}`);
    expect(warning).toContain('directory mode 0777');
    expect(openToOthers(join(dir, '.mcpgate'))).toEqual([]);
    // Once fixed, the next start is quiet.
    expect(await stdioSession(configPath)).not.toContain('open to other users');
  });

  it('audit export writes a 0600 file', () => {
    const r = run(['audit', 'export', '--config', configPath, '--out', 'trail.jsonl'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(lstatSync(join(dir, 'trail.jsonl')).mode & 0o777).toBe(0o600);
    expect(openToOthers(join(dir, '.mcpgate'))).toEqual([]);
  });

  it('seal-keygen writes its directory 0700 and the private key 0600', () => {
    const r = run(['seal-keygen', '--out', 'seal'], dir);
    expect(r.status, r.stderr).toBe(0);
    const seal = join(dir, 'seal');
    expect(lstatSync(seal).mode & 0o777).toBe(0o700);
    const modes = Object.fromEntries(
      readdirSync(seal).map((n) => [n, lstatSync(join(seal, n)).mode & 0o777]),
    );
    expect(Object.values(modes).sort()).toEqual([0o600, 0o644]); // the public key is public
    expect(Object.entries(modes).find(([n]) => n.includes('private'))?.[1]).toBe(0o600);
  });

  it("login's token cache: a 0700 directory and a 0600 file", () => {
    const auth = pathToFileURL(join(REPO, 'packages', 'auth', 'dist', 'index.js')).href;
    const cache = join(dir, 'config', 'mcpgate', 'tokens.json');
    const script = `const { TokenStore } = await import(${JSON.stringify(auth)});
      await new TokenStore(${JSON.stringify(cache)}).put({ gateway: 'https://gw.example/mcp', accessToken: 't' });`;
    const r = spawnSync('sh', ['-c', UMASK_000, process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(openToOthers(join(dir, 'config'))).toEqual([]);
  });
});
