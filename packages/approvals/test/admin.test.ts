import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalHash, isGatewayError, type Identity } from '@mcpgate/core';
import { ApprovalsClient } from '../src/admin/client.js';
import { createApprovalsAdminHandler } from '../src/admin/handler.js';
import { person, pgliteStores, replica, type Replica, type Stores } from './helpers.js';

const alice = person('oidc:alice', ['eng'], 'Alice');
const sam = person('oidc:sam', ['sre'], 'Sam');
const lee = person('oidc:lee', ['sre']);
const bob = person('oidc:bob', ['eng']);
const PEOPLE: Record<string, Identity> = { alice, sam, lee, bob };

/** Stands in for the HTTP face: authenticates by a test header (a real token's identity), then mounts the handler. */
async function gateway(r: Replica): Promise<{ server: Server; url: string }> {
  const handler = createApprovalsAdminHandler(r.service);
  const server = createServer((req, res) => {
    const who = PEOPLE[String(req.headers.authorization ?? '').replace(/^Bearer /, '')];
    if (!who) {
      res.writeHead(401).end();
      return;
    }
    handler(req, res, who).then(
      (handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('not an admin route');
      },
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** The shapes the API answers with (loosely: assertions check the details). */
interface ApiJson {
  items: { id: string }[];
  nextCursor: string | null;
  approval: Record<string, unknown> & { decisions: Record<string, unknown>[] };
  error: { code: string; message: string };
}

const rule = {
  reviewers: ['sre'],
  approvals: 1,
  timeoutMs: 600_000,
  mode: 'defer' as const,
  allowSelfApproval: false,
};

describe('admin HTTP API', () => {
  let stores: Stores;
  let r: Replica;
  let gw: { server: Server; url: string };
  const ids: string[] = [];

  const api = async (who: string, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${who}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return {
      status: res.status,
      json: (text.startsWith('{') ? JSON.parse(text) : text) as ApiJson,
    };
  };

  beforeAll(async () => {
    stores = await pgliteStores();
    r = await replica(stores.a, 'gw-admin');
    gw = await gateway(r);
    for (const [who, tool] of [
      [alice, 'deploy'],
      [alice, 'restart'],
      [bob, 'deploy'],
    ] as const) {
      const args = { tool, who: who.subject };
      const a = await r.service.request({
        identity: who,
        method: 'tools/call',
        upstream: 'ops',
        tool,
        arguments: args,
        argsHash: canonicalHash(args),
        rule: 'ops-approval',
        requirement: rule,
      });
      ids.push(a.id);
    }
  });
  afterAll(async () => {
    await new Promise((ok) => gw?.server.close(ok));
    await r?.close();
    await stores?.close();
  });

  it('lists what the caller may see, newest first, with filters and cursor pagination', async () => {
    const all = await api('sam', 'GET', '/admin/approvals');
    expect(all.status).toBe(200);
    expect(all.json.items.map((a) => a.id)).toEqual([...ids].reverse());
    expect(all.json.nextCursor).toBeNull();

    const page1 = await api('sam', 'GET', '/admin/approvals?limit=2');
    expect(page1.json.items).toHaveLength(2);
    const page2 = await api('sam', 'GET', `/admin/approvals?limit=2&cursor=${page1.json.nextCursor}`);
    expect(page2.json.items.map((a) => a.id)).toEqual([ids[0]]);
    expect(page2.json.nextCursor).toBeNull();

    const filtered = await api(
      'sam',
      'GET',
      '/admin/approvals?requester=oidc:alice&tool=deploy&status=requested',
    );
    expect(filtered.json.items.map((a) => a.id)).toEqual([ids[0]]);

    // A requester who reviews nothing sees only their own.
    const own = await api('bob', 'GET', '/admin/approvals');
    expect(own.json.items.map((a) => a.id)).toEqual([ids[2]]);

    const bad = await api('sam', 'GET', '/admin/approvals?status=pending');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('unknown status "pending"');
    expect((await api('sam', 'GET', '/admin/approvals?limit=0')).status).toBe(400);
    const cursor = await api('sam', 'GET', '/admin/approvals?cursor=bogus');
    expect(cursor.status).toBe(400);
    expect(cursor.json.error.message).toContain('invalid cursor');
  });

  it('shows an approval to its requester and reviewers only', async () => {
    const shown = await api('alice', 'GET', `/admin/approvals/${ids[0]}`);
    expect(shown.status).toBe(200);
    expect(shown.json.approval).toMatchObject({
      id: ids[0],
      requester: alice.subject,
      reviewers: ['sre'],
      approvals: 0,
    });
    const hidden = await api('bob', 'GET', `/admin/approvals/${ids[0]}`);
    expect(hidden.status).toBe(404);
    expect(hidden.json.error).toEqual({ code: 'unknown', message: `unknown approval ${ids[0]}` });
    expect((await api('sam', 'GET', '/admin/approvals/A-ZZZZZZ')).status).toBe(404);
  });

  it('lets reviewers decide, refuses everyone else with clear JSON errors', async () => {
    const id = ids[0]!;
    const self = await api('alice', 'POST', `/admin/approvals/${id}/approve`, {});
    expect(self.status).toBe(403);
    expect(self.json.error.code).toBe('not_reviewer');
    const noReason = await api('sam', 'POST', `/admin/approvals/${id}/deny`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.message).toContain('needs a reason');
    expect((await api('sam', 'POST', `/admin/approvals/${id}/approve`, '{not json')).status).toBe(400);
    expect((await api('sam', 'GET', `/admin/approvals/${id}/approve`)).status).toBe(405);
    expect((await api('sam', 'POST', `/admin/approvals/${id}/frobnicate`, {})).status).toBe(404);

    const ok = await api('sam', 'POST', `/admin/approvals/${id}/approve`, { reason: 'looks fine' });
    expect(ok.status).toBe(200);
    expect(ok.json.approval).toMatchObject({ status: 'approved', approvals: 1 });
    expect(ok.json.approval.decisions[0]).toMatchObject({
      reviewer: 'oidc:sam',
      channel: 'admin-api',
      reason: 'looks fine',
    });
    const twice = await api('lee', 'POST', `/admin/approvals/${id}/deny`, { reason: 'late' });
    expect(twice.status).toBe(409);
    expect(twice.json.error.message).toContain('already approved');
  });

  it('leaves other paths to the face', async () => {
    const res = await api('sam', 'GET', '/admin/other');
    expect(res.status).toBe(404);
    expect(res.json).toBe('not an admin route');
  });

  it('is what the CLI remote mode talks to (ApprovalsClient, refreshing once after a 401)', async () => {
    const tokens: boolean[] = [];
    const client = new ApprovalsClient({
      gatewayUrl: `${gw.url}/mcp`,
      token: (force) => {
        tokens.push(force);
        return Promise.resolve(force ? 'lee' : 'expired-token');
      },
    });
    const list = await client.list({ status: ['requested'] });
    expect(list.items.map((a) => a.id)).toEqual([ids[2], ids[1]]);
    expect(tokens).toEqual([false, true]);
    const denied = await client.decide(ids[1]!, 'deny', 'no restarts on Friday');
    expect(denied).toMatchObject({ status: 'denied' });
    expect((denied.decisions as { channel: string }[])[0]!.channel).toBe('cli-remote');
    try {
      await client.decide(ids[1]!, 'approve');
      throw new Error('expected a refusal');
    } catch (err) {
      expect(isGatewayError(err) && err.message).toContain('already denied');
    }
  });
});
