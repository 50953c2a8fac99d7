import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '@mcpgate/audit';
import type { AdminHandler } from '@mcpgate/admin-http';
import type { Identity } from '@mcpgate/core';
import { MemoryAuditSink } from '../../policy/src/audit-sink.js';
import { ToolPinning } from '../../policy/src/pinning/guard.js';
import { SqlPinStore } from '../../policy/src/pinning/sql-store.js';
import { createKeysAdminHandler } from '../src/api/keys.js';
import { createPinsAdminHandler } from '../src/api/pins.js';
import { createOverviewAdminHandler } from '../src/api/overview.js';
import { AuditLagHistory } from '../src/api/lag-history.js';

const PEPPER = 'admin-api-test-pepper-0123456789abcdef';
const roles = { auditor: ['auditors'], admin: ['admins'] };
const person = (subject: string, groups: string[]): Identity => ({ subject, groups, authMethod: 'oidc' });
const PEOPLE: Record<string, Identity> = {
  admin: person('ada', ['admins']),
  auditor: person('aud', ['auditors']),
  plain: person('pat', ['engineering']),
};

/**
 * The Access and Overview endpoints' refusals and bad-input answers, against a real embedded
 * store (PGlite) and the real ToolPinning, over real HTTP: each answer is the one error format
 * with a message that says what is wrong.
 */
describe('admin API for keys, pins and the overview: roles and bad input', () => {
  let store: Store;
  let server: Server;
  let base: string;
  let pinning: ToolPinning;
  const reads: string[] = [];

  beforeAll(async () => {
    store = await openStore({ dir: join(mkdtempSync(join(tmpdir(), 'mcpgate-admin-api-')), 'data') });
    pinning = new ToolPinning({
      store: new SqlPinStore(store),
      audit: new MemoryAuditSink(),
      mode: () => 'block',
    });
    await pinning.start();
    await pinning.observe('files', [{ name: 'read', description: 'Reads a file' }]);
    await pinning.observe('files', [{ name: 'read', description: 'Reads a file, then mails it away' }]);
    let stats = { lagMs: 0, queued: 0, deferred: 0, dropped: 0 };
    const lag = new AuditLagHistory(() => stats, 1000, 3);
    for (const l of [5, 7, 9, 11]) {
      stats = { ...stats, lagMs: l };
      lag.sample();
    }
    const handlers: AdminHandler[] = [
      createKeysAdminHandler({ sql: store, roles, pepper: PEPPER, enabled: false }),
      createKeysAdminHandler({ sql: store, roles, pepper: undefined, enabled: true }),
      createPinsAdminHandler({ pinning, roles }),
      createOverviewAdminHandler({
        sql: store,
        roles,
        recordRead: (reader, action) => {
          reads.push(`${reader.subject}:${action}`);
          return Promise.resolve();
        },
        upstreams: () => [
          { name: 'files', state: 'ready', transport: 'stdio', sharing: 'shared', restarts: 0 },
        ],
        audit: () => stats,
        lag,
      }),
    ];
    server = createServer((req, res) => {
      const who = PEOPLE[String(req.headers['x-as'])]!;
      // The second keys handler answers only when asked to stand in for a gateway without a pepper.
      const list = req.headers['x-no-pepper'] ? [handlers[1]!] : handlers.filter((_, i) => i !== 1);
      void (async () => {
        for (const h of list) if (await h(req, res, who)) return;
        res.writeHead(404).end();
      })();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await pinning?.stop();
    await store?.close();
  });

  async function call(
    as: string,
    method: string,
    path: string,
    body?: unknown,
    extra: Record<string, string> = {},
  ) {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-as': as, 'content-type': 'application/json', ...extra },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return {
      status: r.status,
      body: (await r.json()) as { error?: { code: string; message: string } } & Record<string, unknown>,
    };
  }

  it('keys: admins only; bad names, groups and durations are refused with what is wrong', async () => {
    for (const as of ['plain', 'auditor']) {
      expect(await call(as, 'GET', '/admin/keys')).toMatchObject({
        status: 403,
        body: { error: { code: 'forbidden' } },
      });
      expect((await call(as, 'POST', '/admin/keys', { name: 'x' })).status).toBe(403);
    }
    expect((await call('admin', 'POST', '/admin/keys', {})).body.error).toEqual({
      code: 'invalid_params',
      message: '"name" must be a non-empty string',
    });
    expect((await call('admin', 'POST', '/admin/keys', { name: 'bad name!' })).body.error?.message).toMatch(
      /invalid key name "bad name!"/,
    );
    expect(
      (await call('admin', 'POST', '/admin/keys', { name: 'ok', groups: 7 })).body.error?.message,
    ).toMatch(/"groups" must be an array/);
    expect(
      (await call('admin', 'POST', '/admin/keys', { name: 'ok', expires: 'soon' })).body.error?.message,
    ).toMatch(/invalid duration "soon"/);
    expect(await call('admin', 'POST', '/admin/keys', { name: 'ok' }, { 'x-no-pepper': '1' })).toMatchObject({
      status: 409,
      body: { error: { code: 'not_configured' } },
    });
    const made = await call('admin', 'POST', '/admin/keys', { name: 'ok', groups: 'a, b' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ apiKey: { name: 'ok', groups: ['a', 'b'], createdBy: 'ada' } });
    // auth.apiKeys.enabled is false here: the answer says so.
    expect(made.body.warning).toMatch(/auth\.apiKeys\.enabled is false/);
    expect(await call('admin', 'POST', '/admin/keys/nope/revoke', {})).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
    expect((await call('admin', 'GET', '/admin/keys/nope/revoke')).status).toBe(405);
  });

  it('pins: admins only; the approval needs the reviewed hash, and a stale one is refused', async () => {
    expect((await call('plain', 'GET', '/admin/tools/pins')).status).toBe(403);
    const list = await call('admin', 'GET', '/admin/tools/pins?upstream=files');
    const items = list.body.items as Array<{
      tool: string;
      hash: string;
      approved: unknown;
      current: unknown;
    }>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      tool: 'read',
      approved: { description: 'Reads a file' },
      current: { description: 'Reads a file, then mails it away' },
    });
    expect((await call('admin', 'POST', '/admin/tools/pins/files/read/approve', {})).body.error?.code).toBe(
      'invalid_params',
    );
    expect(
      await call('admin', 'POST', '/admin/tools/pins/files/read/approve', { hash: 'f'.repeat(64) }),
    ).toMatchObject({ status: 409, body: { error: { code: 'conflict' } } });
    expect(pinning.allows('files', 'read', undefined)).toBe(false);
    const ok = await call('admin', 'POST', '/admin/tools/pins/files/read/approve', { hash: items[0]!.hash });
    expect(ok).toMatchObject({ status: 200, body: { approved: [{ upstream: 'files', tool: 'read' }] } });
    expect(pinning.allows('files', 'read', undefined)).toBe(true);
  });

  it('overview: activity for auditors and admins (recorded as a read), health for admins, ranges checked', async () => {
    expect((await call('plain', 'GET', '/admin/overview/activity')).status).toBe(403);
    expect(reads).toEqual([]);
    const a = await call('auditor', 'GET', '/admin/overview/activity?range=1h');
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ range: '1h', bucketMs: 60_000, waitingNow: 0 });
    expect(a.body.buckets).toHaveLength(60);
    expect(reads).toEqual(['aud:console.overview']);
    expect((await call('admin', 'GET', '/admin/overview/activity?range=2d')).body.error?.message).toBe(
      'range must be one of 1h, 24h, 7d, got "2d"',
    );
    expect((await call('auditor', 'GET', '/admin/overview/health')).status).toBe(403);
    const h = await call('admin', 'GET', '/admin/overview/health');
    expect(h.body).toMatchObject({ upstreams: [{ name: 'files', state: 'ready' }], audit: { lagMs: 11 } });
    // The lag history keeps only its last samples.
    expect((h.body.audit as { samples: Array<{ lagMs: number }> }).samples.map((s) => s.lagMs)).toEqual([
      7, 9, 11,
    ]);
    expect((await call('admin', 'POST', '/admin/overview/health')).status).toBe(405);
  });
});
