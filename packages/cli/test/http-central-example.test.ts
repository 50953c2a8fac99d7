import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import {
  freePort,
  pgSchema,
  startEverythingHttp,
  type PgDatabase,
  type RunningHttpServer,
} from '@mcpgate/testkit';
import {
  CLIENTS,
  clientCredentialsToken,
  startIdp,
  type TestIdp,
} from '../../auth/test/fixtures/provider.js';
import { ScriptedBrowser } from '../../auth/test/fixtures/browser.js';
import { CLI, REPO } from './support.js';
import { startServe, type ServeProcess } from './http-support.js';

/**
 * The central example, run as documented: examples/central/mcpgate.yaml served by `mcpgate serve`
 * with its secrets in the environment, a real OIDC provider, Postgres, a local stdio upstream and a
 * remote HTTP one — then every client config in examples/central/clients parsed and connected the
 * way that client would, listing tools from both upstreams.
 */
const EXAMPLE = join(REPO, 'examples', 'central');
const PUBLIC = 'https://mcp.example.com/mcp';

interface HttpEntry {
  type?: string;
  url: string;
  headers: Record<string, string>;
}

describe('examples/central', () => {
  let idp: TestIdp;
  let db: PgDatabase;
  let docs: RunningHttpServer;
  let gw: ServeProcess;
  let resource: string;
  let apiKey: string;
  const env: Record<string, string> = {};

  beforeAll(async () => {
    idp = await startIdp();
    db = await pgSchema({ prefix: 'mcpgate_central' });
    docs = await startEverythingHttp({ transport: 'streamableHttp' });
    const port = await freePort();
    resource = `http://127.0.0.1:${port}/mcp`;
    idp.jwtResources.add(resource);
    Object.assign(env, {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DOCS_MCP_URL: docs.url,
      DOCS_MCP_TOKEN: 'docs-upstream-secret-0123456789',
      DATABASE_URL: db.url,
      MCPGATE_AUDIT_KEY: generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      MCPGATE_PUBLIC_URL: resource,
      MCPGATE_OIDC_ISSUER: idp.issuer,
      MCPGATE_API_KEY_PEPPER: 'central-example-pepper-0123456789abcdef',
    });
    const config = join(EXAMPLE, 'mcpgate.yaml');
    const created = spawnSync(
      process.execPath,
      [CLI, 'keys', 'create', '--name', 'ci', '--groups', 'ci', '--config', config],
      {
        env,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(created.status, created.stderr).toBe(0);
    apiKey = /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(created.stdout)![0];
    gw = await startServe(config, env, ['--port', String(port)]);
  });

  afterAll(async () => {
    await gw?.stop('SIGTERM');
    await docs?.close();
    await idp?.close();
    await db?.drop();
  });

  const read = (file: string) => readFileSync(join(EXAMPLE, 'clients', file), 'utf8');

  async function listThroughHttp(entry: HttpEntry): Promise<string[]> {
    expect(entry.url).toBe(PUBLIC);
    const client = new Client({ name: 'central-example', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(entry.url.replace(PUBLIC, resource)), {
        requestInit: { headers: entry.headers },
      }),
    );
    try {
      return (await client.listTools()).tools.map((t) => t.name);
    } finally {
      await client.close();
    }
  }

  it('Claude Code (.mcp.json, type http, ${VAR} header) lists tools of both upstreams', async () => {
    const jwt = await clientCredentialsToken(idp, resource);
    const entry = (JSON.parse(read('claude-code.mcp.json')) as { mcpServers: Record<string, HttpEntry> })
      .mcpServers.mcpgate!;
    expect(entry.type).toBe('http');
    const headers = { Authorization: entry.headers.Authorization!.replace('${MCPGATE_TOKEN}', jwt) };
    const names = await listThroughHttp({ ...entry, headers });
    expect(names).toEqual(expect.arrayContaining(['ev__echo', 'docs__echo']));
  });

  it('Cursor (mcp.json, ${env:NAME} header) works with an API key', async () => {
    const entry = (JSON.parse(read('cursor.mcp.json')) as { mcpServers: Record<string, HttpEntry> })
      .mcpServers.mcpgate!;
    const headers = { Authorization: entry.headers.Authorization!.replace('${env:MCPGATE_TOKEN}', apiKey) };
    expect(await listThroughHttp({ ...entry, headers })).toEqual(
      expect.arrayContaining(['ev__echo', 'docs__echo']),
    );
  });

  it('VS Code (servers + prompted input) lists tools', async () => {
    const parsed = JSON.parse(read('vscode.mcp.json')) as {
      inputs: Array<{ id: string; password?: boolean }>;
      servers: Record<string, HttpEntry>;
    };
    expect(parsed.inputs[0]).toMatchObject({ id: 'mcpgate-token', password: true });
    const entry = parsed.servers.mcpgate!;
    expect(entry.type).toBe('http');
    const jwt = await clientCredentialsToken(idp, resource);
    const headers = { Authorization: entry.headers.Authorization!.replace('${input:mcpgate-token}', jwt) };
    expect(await listThroughHttp({ ...entry, headers })).toEqual(
      expect.arrayContaining(['ev__echo', 'docs__echo']),
    );
  });

  it('Claude Desktop (stdio via `mcpgate connect`) after `mcpgate login --device`', async () => {
    const entry = (
      JSON.parse(read('claude_desktop_config.json')) as {
        mcpServers: Record<string, { command: string; args: string[] }>;
      }
    ).mcpServers.mcpgate!;
    expect(entry.command).toBe('mcpgate');
    const xdg = mkdtempSync(join(tmpdir(), 'mcpgate-central-xdg-'));
    const userEnv = { PATH: env.PATH!, HOME: env.HOME!, XDG_CONFIG_HOME: xdg };
    // The user logs in once; the device code is approved in the IdP's pages by a scripted browser.
    const login = spawn(
      process.execPath,
      [CLI, 'login', resource, '--device', '--client-id', CLIENTS.cli.id],
      {
        env: userEnv,
      },
    );
    const browser = new ScriptedBrowser();
    let stderr = '';
    const approved = new Promise<void>((resolve, reject) => {
      login.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /visit (\S+) and enter the code (\S+)/.exec(stderr);
        if (m) browser.approveDeviceCode(m[1]!, m[2]!).then(() => resolve(), reject);
      });
    });
    const code = await new Promise<number | null>((r) => login.on('exit', r));
    await approved;
    expect(code, stderr).toBe(0);

    const client = new Client(
      { name: 'claude-desktop', version: '1' },
      { capabilities: { elicitation: {} } },
    );
    client.setRequestHandler(
      'elicitation/create',
      () => ({ action: 'accept', content: { color: 'amber' } }) as never,
    );
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, ...entry.args.map((a) => a.replace(PUBLIC, resource))],
        env: userEnv,
        stderr: 'ignore',
      }),
    );
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['ev__echo', 'docs__echo']));
      const res = await client.callTool({ name: 'docs__echo', arguments: { message: 'from desktop' } });
      expect(JSON.stringify(res)).toContain('from desktop');
      // The bridge relays progress and the gateway's elicitation request back to the stdio client.
      const progress: number[] = [];
      await client.callTool(
        { name: 'ev__trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
        { onprogress: (p) => progress.push(p.progress) },
      );
      expect(progress.length).toBeGreaterThanOrEqual(2);
      const elicited = await client.callTool({ name: 'ev__trigger-elicitation-request', arguments: {} });
      expect(JSON.stringify(elicited)).toContain('amber');
    } finally {
      await client.close();
    }
    // The person's identity (not the bridge's) reached the gateway: the session is alice's.
    expect(gw.stderr.some((l) => l.includes('"subject":"alice"'))).toBe(true);

    // The cached access token goes bad before its recorded expiry (revoked, keys rotated): the
    // gateway answers 401, the bridge refreshes once with the refresh token and carries on.
    const file = join(xdg, 'mcpgate', 'tokens.json');
    const cache = JSON.parse(readFileSync(file, 'utf8')) as {
      gateways: Record<string, { accessToken: string; refreshToken?: string; expiresAt?: number }>;
    };
    const entry2 = Object.values(cache.gateways)[0]!;
    expect(entry2.refreshToken).toBeTruthy();
    const stale = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c3RhbGU';
    entry2.accessToken = stale;
    entry2.expiresAt = Date.now() + 3_600_000;
    writeFileSync(file, JSON.stringify(cache), { mode: 0o600 });
    const again = new Client({ name: 'claude-desktop', version: '1' });
    await again.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [CLI, ...entry.args.map((a) => a.replace(PUBLIC, resource))],
        env: userEnv,
        stderr: 'ignore',
      }),
    );
    try {
      expect((await again.listTools()).tools.map((t) => t.name)).toContain('ev__echo');
    } finally {
      await again.close();
    }
    const refreshed = JSON.parse(readFileSync(file, 'utf8')) as typeof cache;
    expect(Object.values(refreshed.gateways)[0]!.accessToken).not.toBe(stale);
  });
});
