import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTINUE, newNotes, type CallContext, type CallTarget } from '@mcpgate/core';
import { MemoryRateCounter, SqlRateCounter, type RateCounter } from '../src/ratelimit/counters.js';
import { RateLimiter } from '../src/ratelimit/limiter.js';
import { createAuthorizeSteps } from '../src/step/authorize.js';
import { clientIO, sessionFor } from './gateway-helpers.js';
import { engineOf, identity } from './helpers.js';
import { pgliteStore, postgresStore } from './stores.js';

const engine = engineOf({
  default: 'allow',
  rateLimits: [
    { name: 'per-user', match: { methods: ['tools/call'] }, limit: 5, per: '1m', by: ['subject'] },
    {
      name: 'per-user-tool',
      match: { upstreams: ['db'], tools: ['query'] },
      limit: 2,
      per: '10s',
      by: ['subject', 'tool'],
    },
    { name: 'contractors-budget', match: { groups: ['contractors'] }, limit: 3, per: '1h', by: [] },
  ],
});

const alice = identity('oidc:alice', ['eng']);
const bob = identity('oidc:bob', ['eng']);
const c1 = identity('oidc:c1', ['contractors']);
const c2 = identity('oidc:c2', ['contractors']);
const tool = (upstream: string, name: string): CallTarget => ({
  kind: 'tool',
  upstream,
  name,
  exposedName: `${upstream}__${name}`,
});
const T0 = Date.parse('2026-11-24T09:00:00Z');

describe('rate limits (in-memory counters)', () => {
  it('per subject: the sixth call in a minute is refused with the time left', async () => {
    const rl = new RateLimiter(engine, new MemoryRateCounter());
    for (let i = 0; i < 5; i++)
      expect((await rl.check(alice, 'tools/call', tool('fs', 'read'), new Date(T0 + i * 1000))).ok).toBe(
        true,
      );
    const v = await rl.check(alice, 'tools/call', tool('fs', 'read'), new Date(T0 + 20_000));
    expect(v).toEqual({
      ok: false,
      limit: 'per-user',
      retryAfterMs: 40_000,
      message: 'rate limit "per-user" exceeded (5 calls per 1m); retry in 40s',
    });
    // Other callers have their own counter; the next window starts fresh.
    expect((await rl.check(bob, 'tools/call', tool('fs', 'read'), new Date(T0 + 20_000))).ok).toBe(true);
    expect((await rl.check(alice, 'tools/call', tool('fs', 'read'), new Date(T0 + 60_000))).ok).toBe(true);
    // Methods outside the match do not count.
    expect((await rl.check(alice, 'tools/list', { kind: 'gateway' }, new Date(T0 + 20_000))).ok).toBe(true);
  });

  it('per subject and tool, the tightest window wins', async () => {
    const rl = new RateLimiter(engine, new MemoryRateCounter());
    await rl.check(alice, 'tools/call', tool('db', 'query'), new Date(T0));
    await rl.check(alice, 'tools/call', tool('db', 'query'), new Date(T0 + 1000));
    const v = await rl.check(alice, 'tools/call', tool('db', 'query'), new Date(T0 + 2000));
    expect(v).toMatchObject({ ok: false, limit: 'per-user-tool', retryAfterMs: 8000 });
    expect((await rl.check(alice, 'tools/call', tool('db', 'tables'), new Date(T0 + 2000))).ok).toBe(true);
  });

  it('a group budget is shared by everyone it matches', async () => {
    const rl = new RateLimiter(engine, new MemoryRateCounter());
    const results = [];
    for (const who of [c1, c2, c1, c2])
      results.push((await rl.check(who, 'tools/call', tool('fs', 'x'), new Date(T0))).ok);
    expect(results).toEqual([true, true, true, false]);
  });

  it('the rate-limit step refuses with rate_limited and data.retryAfterMs', async () => {
    const steps = createAuthorizeSteps(engine, {
      rateLimits: new RateLimiter(engine, new MemoryRateCounter()),
      clock: () => new Date(T0),
    });
    const step = steps.find((s) => s.name === 'rate-limit')!;
    const ctx = (): CallContext => ({
      correlationId: 'c',
      session: sessionFor('s', alice),
      method: 'tools/call',
      params: { name: 'db__query', arguments: {} },
      target: tool('db', 'query'),
      receivedAt: new Date(T0),
      signal: new AbortController().signal,
      io: clientIO(undefined),
      notes: newNotes(),
    });
    expect(await step.onRequest!(ctx())).toEqual(CONTINUE);
    expect(await step.onRequest!(ctx())).toEqual(CONTINUE);
    const v = await step.onRequest!(ctx());
    expect(v.kind).toBe('reject');
    if (v.kind === 'reject') {
      expect(v.error.code).toBe('rate_limited');
      expect(v.error.data).toEqual({ limit: 'per-user-tool', retryAfterMs: 10_000 });
      expect(v.error.httpStatus).toBe(429);
    }
  });
});

async function hammer(counters: RateCounter[], calls: number): Promise<number> {
  const limiters = counters.map((c) => new RateLimiter(engine, c));
  const results = await Promise.all(
    // prompts/get: only the shared contractors budget applies (per-user counts tools/call).
    Array.from({ length: calls }, (_, i) =>
      limiters[i % limiters.length]!.check(
        c1,
        'prompts/get',
        { kind: 'prompt', upstream: 'fs', name: 'p' },
        new Date(T0 + 5000),
      ),
    ),
  );
  return results.filter((r) => r.ok).length;
}

describe('rate limits shared through the store', () => {
  it('PGlite: the budget holds', async () => {
    const t = await pgliteStore();
    try {
      expect(await hammer([new SqlRateCounter(t.store)], 10)).toBe(3);
    } finally {
      await t.close();
    }
  });

  describe('Postgres with two replicas (two connection pools)', () => {
    let pg: Awaited<ReturnType<typeof postgresStore>>;
    beforeAll(async () => {
      pg = await postgresStore('mcpgate_policy_rates');
    });
    afterAll(async () => pg?.close());

    it('concurrent calls across replicas never exceed the shared budget', async () => {
      const other = await pg.open();
      // 3 per hour for all contractors together; 40 concurrent calls split over both replicas.
      expect(await hammer([new SqlRateCounter(pg.store), new SqlRateCounter(other)], 40)).toBe(3);
      const rows = await pg.store.query<{ count: number }>('SELECT count FROM mcpgate_rate_counters');
      expect(rows.rows.map((r) => Number(r.count))).toEqual([40]);
    });

    it('old windows are pruned', async () => {
      const counter = new SqlRateCounter(pg.store, 1);
      await counter.hit('k', T0 + 7_200_000, 1000);
      const rows = await pg.store.query<{ key: string }>('SELECT key FROM mcpgate_rate_counters');
      expect(rows.rows.map((r) => r.key)).toEqual(['k']);
    });
  });
});
