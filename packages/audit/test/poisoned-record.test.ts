import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interceptor } from '@mcpgate/core';
import { runChain, type GatewayError } from '@mcpgate/core';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import type { Store } from '../src/store/types.js';
import { callCtx, policyStep, routeStep, session } from './fixtures.js';
import { backends, type Backend } from './helpers.js';

/**
 * #11: a record that cannot be built (here: a non-finite number, which the canonical encoding
 * refuses — the faces' limits keep real client data from getting here, so this stands for any
 * defect in what is recorded) must refuse that call only, for its real reason, never its
 * group-commit batch-mates, and never become an unhandled rejection.
 */
for (const make of backends('poison')) {
  describe('a record that cannot be built', () => {
    let b: Backend;
    let store: Store;
    let rec: AuditRecorder;
    let steps: Interceptor[];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);

    beforeAll(async () => {
      process.on('unhandledRejection', onUnhandled);
      b = await make();
      store = await b.open();
      await migrate(store);
      rec = await AuditRecorder.start(store, { replicaId: 'poison', signingKey: generateSigningKey().key });
      const audit = createAuditSteps(rec);
      steps = [audit.outer, routeStep, policyStep, audit.inner];
    });
    afterAll(async () => {
      process.off('unhandledRejection', onUnhandled);
      await rec?.close();
      await store?.close();
      await b?.cleanup();
    });

    const events = async (correlationId: string) => {
      await rec.flush();
      const r = await store.query<{ type: string; outcome: string | null; body: string }>(
        'SELECT type, outcome, body FROM events WHERE correlation_id = $1 ORDER BY seq',
        [correlationId],
      );
      return r.rows;
    };

    it('refuses only its own call, naming the real cause, while its batch-mates are forwarded', async () => {
      const forwarded: string[] = [];
      const forward = (name: string) => () => {
        forwarded.push(name);
        return Promise.resolve({ kind: 'result' as const, result: { content: [] } });
      };
      const good = Array.from({ length: 6 }, (_, i) =>
        callCtx(session(), 'tools/call', { name: 'files__read', arguments: { i } }),
      );
      const bad = callCtx(session(), 'tools/call', { name: 'files__read', arguments: { n: Number.NaN } });
      // Issued in one tick: the write-ahead records share one group commit.
      const outcomes = await Promise.all([
        ...good.map((ctx, i) => runChain(steps, ctx, forward(`good-${i}`))),
        runChain(steps, bad, forward('bad')),
      ]);
      expect(outcomes.slice(0, 6).every((o) => o.kind === 'result')).toBe(true);
      expect(forwarded.sort()).toEqual(good.map((_, i) => `good-${i}`).sort());
      const refused = outcomes[6]!;
      expect(refused.kind).toBe('error');
      const err = (refused as { error: GatewayError }).error;
      expect(err.code).toBe('internal');
      expect(err.message).toMatch(/call\.request audit record could not be built \(.*non-finite/);
      expect(err.message).not.toMatch(/audit store unavailable/);
      // The refusal is on the trail, as a stand-in carrying the reason.
      const evs = await events(bad.correlationId);
      expect(evs.map((e) => [e.type, e.outcome])).toEqual([['call.refused', 'internal']]);
      expect(JSON.parse(evs[0]!.body).unrecordable).toMatch(/non-finite/);
      for (const ctx of good) {
        expect((await events(ctx.correlationId)).map((e) => e.type)).toEqual([
          'call.request',
          'call.response',
        ]);
      }
    });

    it('fails alone in a group commit: the appends around it commit', async () => {
      const ok = Array.from({ length: 20 }, (_, i) => rec.append({ type: 'test.mate', body: { i } }));
      const poisoned = rec.append({ type: 'test.poison', body: { x: Number.POSITIVE_INFINITY } });
      const settled = await Promise.allSettled([...ok, poisoned]);
      expect(settled.slice(0, 20).every((s) => s.status === 'fulfilled')).toBe(true);
      const last = settled[20]!;
      expect(last.status).toBe('rejected');
      expect(((last as PromiseRejectedResult).reason as GatewayError).code).toBe('internal');
      const seqs = settled.slice(0, 20).map((s) => (s as PromiseFulfilledResult<{ seq: number }>).value.seq);
      // Gap-free: the poisoned record took no sequence number.
      expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => seqs[0]! + i));
      const next = await rec.append({ type: 'test.after', body: {} });
      expect(next.seq).toBe(seqs[19]! + 1);
    });

    it('never rejects when a refusal or response record cannot be built (no unhandled rejection)', async () => {
      const denied = callCtx(session(), 'tools/call', { name: 'files__rm', arguments: { n: Number.NaN } });
      const outcome = await runChain(steps, denied, () => Promise.reject(new Error('not forwarded')));
      expect(outcome).toMatchObject({ kind: 'error', error: { code: 'policy_denied' } });
      const ran = callCtx(session(), 'tools/call', { name: 'files__read', arguments: {} });
      await runChain(steps, ran, () =>
        Promise.resolve({ kind: 'result', result: { content: [], weird: Number.NaN } }),
      );
      await rec.flush();
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
      expect((await events(denied.correlationId)).map((e) => [e.type, e.outcome])).toEqual([
        ['call.refused', 'policy_denied'],
      ]);
      const resp = await events(ran.correlationId);
      expect(resp.map((e) => [e.type, e.outcome])).toEqual([
        ['call.request', null],
        ['call.response', 'ok'],
      ]);
      expect(JSON.parse(resp[1]!.body).unrecordable).toMatch(/non-finite/);
      expect(rec.stats().deferred).toBe(0);
    });
  });
}
