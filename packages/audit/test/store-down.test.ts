import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interceptor, GatewayError } from '@mcpgate/core';
import { runChain } from '@mcpgate/core';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import { openPostgres } from '../src/store/pg.js';
import type { Store } from '../src/store/types.js';
import { callCtx, routeStep, session } from './fixtures.js';
import { admin, PG_URL } from './helpers.js';

/** A whole database per file: taking the store "down" means refusing connections to it. */
const db = `mcpgate_down_${randomBytes(4).toString('hex')}`;
const url = PG_URL.replace(/\/[^/]*$/, `/${db}`);

async function takeDown(): Promise<void> {
  await admin(`ALTER DATABASE ${db} ALLOW_CONNECTIONS false`);
  await admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [db]);
}

async function bringBack(): Promise<void> {
  await admin(`ALTER DATABASE ${db} ALLOW_CONNECTIONS true`);
}

describe('store down (Postgres)', () => {
  let store: Store;
  let rec: AuditRecorder;
  let steps: Interceptor[];
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${db}`);
    store = await openPostgres({ url, connectTimeoutMs: 1000 });
    await migrate(store);
    rec = await AuditRecorder.start(store, { replicaId: 'down', signingKey: generateSigningKey().key });
    const audit = createAuditSteps(rec);
    steps = [audit.outer, routeStep, audit.inner];
  });
  afterAll(async () => {
    await bringBack().catch(() => undefined);
    await rec?.close();
    await store?.close();
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  });

  it('refuses the call with audit_unavailable (never forwards), then recovers on its own', async () => {
    const s = session();
    const ok = callCtx(s, 'tools/call', { name: 'files__read', arguments: {} });
    await runChain(steps, ok, () => Promise.resolve({ kind: 'result', result: {} }));

    await takeDown();
    const refused = callCtx(s, 'tools/call', { name: 'files__read', arguments: { n: 1 } });
    let forwarded = false;
    const out = await runChain(steps, refused, () => {
      forwarded = true;
      return Promise.resolve({ kind: 'result', result: {} });
    });
    expect(forwarded).toBe(false);
    expect(out.kind).toBe('error');
    const err = (out as { error: GatewayError }).error;
    expect(err.code).toBe('audit_unavailable');
    expect(err.correlationId).toBe(refused.correlationId);
    expect(err.toJsonRpc().message).toBe(
      `audit store unavailable — call not executed (correlation id ${refused.correlationId})`,
    );
    await rec.flush();
    expect(rec.deferredCount()).toBeGreaterThan(0); // the refusal itself waits in memory
    // /metrics shows it: records held in memory, and a lag that grows while the store is away.
    const down = rec.stats();
    expect(down.deferred).toBe(rec.deferredCount());
    await new Promise((r) => setTimeout(r, 50));
    expect(rec.stats().lagMs).toBeGreaterThanOrEqual(down.lagMs + 40);

    await bringBack();
    const later = callCtx(s, 'tools/call', { name: 'files__read', arguments: { n: 2 } });
    let laterForwarded = false;
    const out2 = await runChain(steps, later, () => {
      laterForwarded = true;
      return Promise.resolve({ kind: 'result', result: { content: [] } });
    });
    expect(out2.kind).toBe('result');
    expect(laterForwarded).toBe(true);

    // The refusal recorded while the store was down is written once it is back.
    await expect.poll(() => rec.deferredCount(), { timeout: 10_000 }).toBe(0);
    await rec.flush();
    expect(rec.stats()).toMatchObject({ queued: 0, deferred: 0, dropped: 0, lagMs: 0 });
    const r = await store.query<{ type: string; outcome: string }>(
      'SELECT type, outcome FROM events WHERE correlation_id = $1',
      [refused.correlationId],
    );
    expect(r.rows).toEqual([{ type: 'call.refused', outcome: 'audit_unavailable' }]);
  });
});
