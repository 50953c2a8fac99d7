import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Identity } from '@mcpgate/core';
import { MemoryAuditSink } from '../src/audit-sink.js';
import { MemoryGrantStore } from '../src/grants/memory-store.js';
import { GrantService } from '../src/grants/service.js';
import { SqlGrantStore } from '../src/grants/sql-store.js';
import type { GrantStore } from '../src/grants/types.js';
import { engineOf, identity } from './helpers.js';
import { pgliteStore, postgresStore, type TestStore } from './stores.js';

const engine = engineOf({
  default: 'deny',
  rules: [
    {
      name: 'prod-access',
      match: { upstreams: ['prod-db'] },
      action: 'require_grant',
      grant: { maxDuration: '1h', reviewers: ['sre'] },
    },
    {
      name: 'admin-tools',
      match: { groups: ['eng'], upstreams: ['admin'], tools: ['restart_*'] },
      action: 'require_grant',
      grant: { maxDuration: '30m', reviewers: ['sre', 'leads'] },
    },
  ],
});

const alice = identity('oidc:alice', ['eng']);
const sam = identity('oidc:sam', ['sre']);
const lee = identity('oidc:lee', ['leads', 'eng']);
const mallory = identity('oidc:mallory', ['eng']);
// Both requester and reviewer: still may not approve their own.
const selfish: Identity = identity('oidc:sue', ['sre', 'eng']);

/** A clock the test moves by hand. */
function testClock(start = Date.parse('2026-11-24T09:00:00Z')) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

const MIN = 60_000;

const kinds: [string, () => Promise<{ store: GrantStore; close(): Promise<void> }>][] = [
  ['memory', () => Promise.resolve({ store: new MemoryGrantStore(), close: () => Promise.resolve() })],
  [
    'pglite',
    async () => {
      const t: TestStore = await pgliteStore();
      return { store: new SqlGrantStore(t.store), close: () => t.close() };
    },
  ],
  [
    'postgres',
    async () => {
      const t = await postgresStore('mcpgate_policy_grants');
      return { store: new SqlGrantStore(t.store), close: () => t.close() };
    },
  ],
];

describe.each(kinds)('just-in-time grants (%s store)', (_kind, open) => {
  let store: GrantStore;
  let close: () => Promise<void>;
  const clock = testClock();
  const audit = new MemoryAuditSink();
  let svc: GrantService;

  beforeAll(async () => {
    const opened = await open();
    store = opened.store;
    close = () => opened.close();
    svc = new GrantService({ store, engine: () => engine, audit, clock: clock.now });
  });
  afterAll(async () => close?.());

  it('request → approve → active → expires on its own; every step audited', async () => {
    const g = await svc.request(alice, { upstream: 'prod-db', durationMs: 30 * MIN, reason: 'incident 42' });
    expect(g).toMatchObject({ status: 'pending', rule: 'prod-access', durationMs: 30 * MIN, tool: '*' });
    expect(await svc.activeGrant(alice, 'prod-db', 'query', clock.now())).toBeUndefined();

    const approved = await svc.approve(sam, g.id, 'ok for the incident');
    expect(approved.status).toBe('approved');
    expect(approved.expiresAt?.toISOString()).toBe(new Date(clock.now().getTime() + 30 * MIN).toISOString());
    expect(await svc.activeGrant(alice, 'prod-db', 'query', clock.now())).toMatchObject({ id: g.id });
    // Only for the requester, only on that upstream.
    expect(await svc.activeGrant(mallory, 'prod-db', 'query', clock.now())).toBeUndefined();
    expect(await svc.activeGrant(alice, 'other', 'query', clock.now())).toBeUndefined();

    clock.advance(29 * MIN);
    expect(await svc.activeGrant(alice, 'prod-db', 'query', clock.now())).toBeDefined();
    clock.advance(1 * MIN);
    expect(await svc.activeGrant(alice, 'prod-db', 'query', clock.now())).toBeUndefined();
    expect((await svc.list({ requester: alice.subject })).find((x) => x.id === g.id)?.status).toBe('expired');

    const swept = await svc.sweepExpired();
    expect(swept.map((x) => x.id)).toEqual([g.id]);
    expect(await svc.sweepExpired()).toEqual([]);
    const types = audit.events.filter((e) => e.payload.grantId === g.id).map((e) => e.type);
    expect(types).toEqual(['grant.requested', 'grant.approved', 'grant.expired']);
    expect(audit.events.find((e) => e.type === 'grant.approved')?.payload).toMatchObject({
      actor: 'oidc:sam',
      requester: 'oidc:alice',
      reason: 'ok for the incident',
    });
  });

  it('caps the duration at the rule maximum', async () => {
    const g = await svc.request(alice, { upstream: 'prod-db', durationMs: 8 * 60 * MIN, reason: 'long job' });
    expect(g.durationMs).toBe(60 * MIN);
    expect(g.requestedMs).toBe(8 * 60 * MIN);
    expect(audit.events.at(-1)?.payload).toMatchObject({ capped: true });
    const a = await svc.approve(sam, g.id);
    expect(a.expiresAt!.getTime() - clock.now().getTime()).toBe(60 * MIN);
    // The requester may withdraw their own grant.
    expect((await svc.revoke(alice, g.id)).status).toBe('revoked');
    expect(await svc.activeGrant(alice, 'prod-db', 'query', clock.now())).toBeUndefined();
  });

  it('a requester never decides their own request, even as a reviewer', async () => {
    const g = await svc.request(selfish, { upstream: 'prod-db', durationMs: 10 * MIN, reason: 'mine' });
    await expect(svc.approve(selfish, g.id)).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('never approves their own'),
    });
    await expect(svc.deny(selfish, g.id)).rejects.toMatchObject({ code: 'forbidden' });
    expect((await store.get(g.id))?.status).toBe('pending');
  });

  it('only members of the rule reviewer groups decide', async () => {
    const g = await svc.request(alice, { upstream: 'prod-db', durationMs: 10 * MIN, reason: 'x' });
    await expect(svc.approve(mallory, g.id)).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('reviewers are members of sre'),
    });
    await expect(svc.approve(lee, g.id)).rejects.toMatchObject({ code: 'forbidden' });
    const d = await svc.deny(sam, g.id, 'use the read replica');
    expect(d).toMatchObject({
      status: 'denied',
      decidedBy: 'oidc:sam',
      decisionReason: 'use the read replica',
    });
    await expect(svc.approve(sam, g.id)).rejects.toMatchObject({
      message: `grant request ${g.id} is already denied`,
    });
    expect(await svc.activeGrant(alice, 'prod-db', undefined, clock.now())).toBeUndefined();
  });

  it('tool globs: a grant covers only the tools it names', async () => {
    const g = await svc.request(alice, {
      upstream: 'admin',
      tool: 'restart_web',
      durationMs: 5 * MIN,
      reason: 'deploy',
    });
    await svc.approve(lee, g.id);
    expect(await svc.activeGrant(alice, 'admin', 'restart_web', clock.now())).toMatchObject({ id: g.id });
    expect(await svc.activeGrant(alice, 'admin', 'restart_db', clock.now())).toBeUndefined();
  });

  it('revoke: by the requester or a reviewer, effective at once', async () => {
    const g = await svc.request(alice, { upstream: 'prod-db', durationMs: 10 * MIN, reason: 'y' });
    await svc.approve(sam, g.id);
    await expect(svc.revoke(mallory, g.id)).rejects.toMatchObject({ code: 'forbidden' });
    const r = await svc.revoke(sam, g.id, 'done');
    expect(r).toMatchObject({ status: 'revoked', revokedBy: 'oidc:sam' });
    expect(await svc.activeGrant(alice, 'prod-db', 'q', clock.now())).toBeUndefined();
    await expect(svc.revoke(alice, g.id)).rejects.toMatchObject({
      message: expect.stringContaining('is revoked'),
    });
    expect(audit.events.at(-1)).toMatchObject({
      type: 'grant.revoked',
      payload: { actor: 'oidc:sam', reason: 'done' },
    });
  });

  it('refuses what no rule asks for, and bad input', async () => {
    await expect(svc.request(alice, { upstream: 'fs', durationMs: MIN, reason: 'x' })).rejects.toMatchObject({
      message: expect.stringContaining('no policy rule requires a grant'),
    });
    // admin-tools applies to eng only.
    await expect(
      svc.request(sam, { upstream: 'admin', tool: 'restart_web', durationMs: MIN, reason: 'x' }),
    ).rejects.toMatchObject({ code: 'invalid_params' });
    await expect(
      svc.request(alice, { upstream: 'prod-db', durationMs: MIN, reason: '  ' }),
    ).rejects.toMatchObject({ message: 'a grant request needs a reason' });
    await expect(svc.approve(sam, 'G-nope')).rejects.toMatchObject({
      message: 'unknown grant request "G-nope"',
    });
  });

  it('two reviewers deciding at once: exactly one wins', async () => {
    const g = await svc.request(alice, {
      upstream: 'admin',
      tool: 'restart_api',
      durationMs: MIN,
      reason: 'race',
    });
    const results = await Promise.allSettled([svc.approve(sam, g.id), svc.deny(lee, g.id)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
  });
});

describe('grant sweeper', () => {
  it('records each expiry once, on its own', async () => {
    const clock = testClock();
    const audit = new MemoryAuditSink();
    const svc = new GrantService({
      store: new MemoryGrantStore(),
      engine: () => engine,
      audit,
      clock: clock.now,
    });
    const g = await svc.request(alice, { upstream: 'prod-db', durationMs: MIN, reason: 'sweep' });
    await svc.approve(sam, g.id);
    const stop = svc.startSweeper(10, (err) => {
      throw err;
    });
    try {
      clock.advance(2 * MIN);
      for (let i = 0; i < 100 && !audit.events.some((e) => e.type === 'grant.expired'); i++)
        await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(audit.events.filter((e) => e.type === 'grant.expired').map((e) => e.payload.grantId)).toEqual([
        g.id,
      ]);
    } finally {
      stop();
    }
  });
});
