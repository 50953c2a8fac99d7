import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '@mcpgate/audit';
import { createAuthenticator } from '../src/authenticator.js';
import { withAuthDefaults, type AuthConfig } from '../src/config.js';
import { protectedResourceMetadata, protectedResourceMetadataPaths } from '../src/metadata.js';
import { CLIENTS, startIdp, type TestIdp } from './fixtures/provider.js';
import { ScriptedBrowser } from './fixtures/browser.js';

const BIN = fileURLToPath(new URL('../../cli/bin/mcpgate.js', import.meta.url));
const PEPPER = 'cli-test-pepper-0123456789abcdef0123456789';

let dir: string;

function mcpgate(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', HOME: dir, PEPPER, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  // Fail loudly rather than skip: these tests drive the built CLI.
  if (!existsSync(fileURLToPath(new URL('../../cli/dist/main.js', import.meta.url)))) {
    throw new Error('packages/cli/dist is missing: run `pnpm build` before the tests');
  }
  dir = await mkdtemp(join(tmpdir(), 'mcpgate-auth-cli-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('mcpgate keys (built CLI, embedded store)', () => {
  it('creates a key printed once, lists it without its secret, and revokes it', async () => {
    await writeFile(
      join(dir, 'mcpgate.yaml'),
      [
        'upstreams: {}',
        'store:',
        '  dir: ./data',
        'auth:',
        '  mode: oauth',
        '  apiKeys:',
        '    enabled: true',
        '    pepper: ${env:PEPPER}',
        '',
      ].join('\n'),
    );
    const created = mcpgate([
      'keys',
      'create',
      '--name',
      'ci-bot',
      '--groups',
      'ci,deploy',
      '--expires',
      '90d',
    ]);
    expect(created.stderr).toContain('cannot be shown again');
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^mcpg_[0-9a-f]{16}_[0-9a-f]{64}$/);

    const listed = mcpgate(['keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as {
      id: string;
      name: string;
      groups: string[];
      expiresAt: string;
    }[];
    expect(keys.map((k) => [k.name, k.groups])).toEqual([['ci-bot', ['ci', 'deploy']]]);
    expect(listed.stdout).not.toContain(key.slice(22));
    expect(mcpgate(['keys', 'list']).stdout).toMatch(/ci-bot\s+ci,deploy/);
    // --json is the deprecated alias of --format json (a notice on stderr); jsonl: a key a line.
    expect(listed.stderr).toContain('--json is deprecated; use --format json');
    const asJson = mcpgate(['keys', 'list', '--format', 'json']);
    expect(asJson.stderr).toBe('');
    expect(JSON.parse(asJson.stdout)).toEqual(keys);
    const lines = mcpgate(['keys', 'list', '--format', 'jsonl']).stdout.trim().split('\n');
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual(keys);
    expect(mcpgate(['keys', 'list', '--format', 'xml']).code).toBe(2);

    const config: AuthConfig = withAuthDefaults({
      mode: 'oauth',
      apiKeys: { enabled: true, pepper: PEPPER },
    });
    const check = async () => {
      const store = await openPglite({ dir: join(dir, 'data') });
      const auth = await createAuthenticator(config, { sql: store });
      try {
        return await auth.authenticate({ 'x-api-key': key });
      } finally {
        await auth.close();
        await store.close();
      }
    };
    const before = await check();
    expect(before.ok ? before.identity.subject : before.description).toBe('key:ci-bot');

    const revoked = mcpgate(['keys', 'revoke', '--name', 'ci-bot']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`revoked ${keys[0]!.id}`);
    const after = await check();
    expect(after.ok ? 'accepted' : after.description).toBe('API key revoked');
    expect(mcpgate(['keys', 'revoke', '--name', 'ci-bot']).code).toBe(1);
    // Five CLI runs and two in-process opens of the embedded store, each loading PGlite: 22-28 s
    // alone on 2 cores, past 60 s once in the full suite's busiest minutes.
  }, 180_000);

  it('refuses to create a key without a pepper, saying which key to set', async () => {
    await writeFile(join(dir, 'nopepper.yaml'), 'upstreams: {}\nstore:\n  dir: ./data2\n');
    const r = mcpgate(['keys', 'create', '--name', 'x', '--config', 'nopepper.yaml']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('auth.apiKeys.pepper');
  });
});

describe('mcpgate login / logout (built CLI, device flow against a real provider)', () => {
  let idp: TestIdp;
  let metadata: Server;
  let gatewayUrl: string;

  beforeAll(async () => {
    idp = await startIdp();
    const served: { config?: AuthConfig } = {};
    metadata = createServer((req, res) => {
      const config = served.config;
      if (config && protectedResourceMetadataPaths(config.resource!).includes(req.url ?? '')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(protectedResourceMetadata(config)));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(metadata.address() as AddressInfo).port}/mcp`;
    idp.jwtResources.add(gatewayUrl);
    served.config = withAuthDefaults({
      mode: 'oauth',
      resource: gatewayUrl,
      oidc: { issuer: idp.issuer, requiredScopes: ['mcp:tools'] },
    });
  });

  afterAll(async () => {
    await new Promise((r) => metadata?.close(r));
    await idp?.close();
  });

  it('logs in with --device, caches the token 0600 under XDG_CONFIG_HOME, and logs out', async () => {
    const xdg = join(dir, 'xdg');
    const env = { PATH: process.env.PATH ?? '', HOME: dir, XDG_CONFIG_HOME: xdg };
    const child = spawn(
      process.execPath,
      [BIN, 'login', gatewayUrl, '--device', '--client-id', CLIENTS.cli.id],
      { cwd: dir, env },
    );
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const browser = new ScriptedBrowser();
    const approved = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /visit (\S+) and enter the code (\S+)/.exec(stderr);
        if (m) browser.approveDeviceCode(m[1]!, m[2]!).then(() => resolve(), reject);
      });
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    await approved;
    expect(stderr).toContain('enter the code');
    expect(code).toBe(0);
    expect(stdout).toContain(`logged in to ${gatewayUrl}`);
    const file = join(xdg, 'mcpgate', 'tokens.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const cached = JSON.parse(await readFile(file, 'utf8'));
    const auth = await createAuthenticator(
      withAuthDefaults({ mode: 'oauth', resource: gatewayUrl, oidc: { issuer: idp.issuer } }),
    );
    const result = await auth.authenticate({
      authorization: `Bearer ${cached.gateways[gatewayUrl].accessToken}`,
    });
    expect(result.ok ? result.identity.subject : result.description).toBe('alice');

    // Asynchronously: the IdP answering the revocation lives in this process's event loop.
    const logoutChild = spawn(process.execPath, [BIN, 'logout', gatewayUrl], { cwd: dir, env });
    let logoutOut = '';
    logoutChild.stdout.on('data', (d: Buffer) => (logoutOut += d.toString()));
    expect(await new Promise((resolve) => logoutChild.on('exit', resolve))).toBe(0);
    expect(logoutOut).toContain('token revoked');
    expect(existsSync(file)).toBe(false);
  });
});
