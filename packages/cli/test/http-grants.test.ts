import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { everythingBin, freePort, pgSchema, type PgDatabase } from '@mcpgate/testkit';
import { CLI, textOf, writeConfig } from './support.js';
import { newClient, startServe, type ServeProcess } from './http-support.js';

/**
 * Just-in-time grants over the HTTP admin API, with two service accounts (API keys): a developer
 * requests, an SRE approves, the call runs while the grant lasts, and stops when it is revoked.
 */
const PEPPER = 'grants-test-pepper-0123456789abcdef0123456789';
const env = { PEPPER };

describe('just-in-time grants through mcpgate serve', () => {
  let db: PgDatabase;
  let gw: ServeProcess;
  let dev: string;
  let sre: string;
  beforeAll(async () => {
    db = await pgSchema({ prefix: 'mcpgate_e2e_grants' });
    const port = await freePort();
    const config = writeConfig(`
upstreams:
  everything:
    alias: ev
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(everythingBin())}, "stdio"]
    era: legacy
store: { url: ${JSON.stringify(db.url)} }
audit: { signingKeyFile: ./audit-signing.key }
server: { port: ${port} }
auth:
  mode: oauth
  resource: http://127.0.0.1:${port}/mcp
  apiKeys: { enabled: true, pepper: "\${env:PEPPER}" }
policy:
  default: allow
  rules:
    - name: sums-under-grant
      match: { upstreams: [everything], tools: [get-sum] }
      action: require_grant
      grant: { maxDuration: 1h, reviewers: [sre] }
`);
    const key = (name: string, group: string): string => {
      const r = spawnSync(
        process.execPath,
        [CLI, 'keys', 'create', '--name', name, '--groups', group, '--config', config],
        {
          encoding: 'utf8',
          env: { ...process.env, ...env },
        },
      );
      expect(r.status, r.stderr).toBe(0);
      return /mcpg_[0-9a-f]+_[0-9a-f]+/.exec(r.stdout)![0];
    };
    dev = key('dev-bot', 'dev');
    sre = key('sre-bot', 'sre');
    gw = await startServe(config, env);
  });
  afterAll(async () => {
    await gw?.stop('SIGKILL');
    await db?.drop();
  });

  const api = async (key: string, method: string, path: string, body?: unknown) => {
    const r = await fetch(`${gw.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // Loosely typed on purpose: the test reads fields of whatever JSON came back.
    return { status: r.status, body: (await r.json()) as { [k: string]: any } }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  const sum = async (): Promise<string> => {
    const client = newClient('legacy');
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${gw.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${dev}` } },
      }),
    );
    try {
      return textOf(await client.callTool({ name: 'ev__get-sum', arguments: { a: 1, b: 2 } }));
    } catch (err) {
      return String(err);
    } finally {
      await client.close();
    }
  };

  it('refuses the call without a grant, saying how to get one', async () => {
    expect(await sum()).toMatch(/grant/i);
  });

  it('request → approve by a reviewer → the call runs → revoke → refused again', async () => {
    const requested = await api(dev, 'POST', '/admin/grants', {
      upstream: 'everything',
      tool: 'get-sum',
      duration: '30m',
      reason: 'incident 42',
    });
    expect(requested.status, JSON.stringify(requested.body)).toBe(201);
    const id = requested.body.grant.id as string;
    expect(requested.body.grant.status).toBe('pending');

    const own = await api(dev, 'POST', `/admin/grants/${id}/approve`, {});
    expect(own.status).toBe(403);
    expect(own.body.error.message).toMatch(/never approves their own/);

    const listed = await api(sre, 'GET', '/admin/grants?status=pending');
    expect(listed.body.items.map((g: { id: string }) => g.id)).toContain(id);

    const approved = await api(sre, 'POST', `/admin/grants/${id}/approve`, { reason: 'ok for the incident' });
    expect(approved.status).toBe(200);
    expect(approved.body.grant.status).toBe('approved');
    expect(await sum()).toBe('The sum of 1 and 2 is 3.');

    const revoked = await api(sre, 'POST', `/admin/grants/${id}/revoke`, {});
    expect(revoked.body.grant.status).toBe('revoked');
    expect(await sum()).toMatch(/grant/i);
  });

  it('answers unknown or malformed requests with clear errors', async () => {
    expect((await api(dev, 'GET', '/admin/grants/G-nope')).status).toBe(404);
    const bad = await api(dev, 'POST', '/admin/grants', {
      upstream: 'everything',
      duration: 'soon',
      reason: 'x',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/duration/);
    expect((await fetch(`${gw.url}/admin/grants`)).status).toBe(401);
  });
});
