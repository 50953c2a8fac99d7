import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Interceptor, Outcome } from '@mcpgate/core';
import { runChain } from '@mcpgate/core';
import pg from 'pg';
import { generateSigningKey, verifyCheckpoint } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import type { Store } from '../src/store/types.js';
import { callCtx, policyStep, routeStep, session } from './fixtures.js';
import { backends, PG_URL, type Backend } from './helpers.js';

interface Ev {
  type: string;
  seq: number;
  correlation_id: string | null;
  decision: string | null;
  outcome: string | null;
  body: string;
}

for (const make of backends('rec')) {
  describe('recorder and chain steps', () => {
    let b: Backend;
    let store: Store;
    let rec: AuditRecorder;
    let steps: Interceptor[];
    /** A second connection (Postgres) — proves visibility to others, not just to our own pool. */
    let observer: (text: string, params: unknown[]) => Promise<Ev[]>;
    let closeObserver = (): Promise<void> => Promise.resolve();
    const key = generateSigningKey().key;

    beforeAll(async () => {
      b = await make();
      store = await b.open();
      await migrate(store);
      rec = await AuditRecorder.start(store, { replicaId: 'test', signingKey: key, payloadCapBytes: 2048 });
      const audit = createAuditSteps(rec);
      steps = [audit.outer, routeStep, policyStep, audit.inner];
      if (store.kind === 'postgres') {
        const schema = /schema (\w+)/.exec(store.description)![1]!;
        const c = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${schema}` });
        await c.connect();
        observer = async (text, params) => (await c.query(text, params)).rows as Ev[];
        closeObserver = () => c.end();
      } else {
        observer = async (text, params) => (await store.query<Ev>(text, params)).rows;
      }
    });
    afterAll(async () => {
      await rec?.close();
      await closeObserver();
      await store?.close();
      await b?.cleanup();
    });

    // What another connection sees right now (no flushing: used inside forward).
    const visibleNow = (id: string) =>
      observer(
        'SELECT type, seq, correlation_id, decision, outcome, body FROM events WHERE correlation_id = $1 ORDER BY seq',
        [id],
      );
    // After the background response records have been committed.
    const byCorrelation = async (id: string) => {
      await rec.flush();
      return visibleNow(id);
    };

    it('commits the request record before forward runs, and the response after', async () => {
      const s = session();
      const ctx = callCtx(s, 'tools/call', { name: 'files__read', arguments: { path: '/etc/hosts' } });
      let seenAtForward: Ev[] = [];
      const outcome = await runChain(steps, ctx, async (c) => {
        seenAtForward = await visibleNow(c.correlationId);
        expect(c.notes.recorded).toBe(true);
        return { kind: 'result', result: { content: [{ type: 'text', text: 'ok' }] } };
      });
      expect(outcome.kind).toBe('result');
      expect(seenAtForward.map((e) => e.type)).toEqual(['call.request']);
      const req = JSON.parse(seenAtForward[0]!.body);
      expect(req.params).toEqual({ name: 'files__read', arguments: { path: '/etc/hosts' } });
      expect(req.decision).toEqual({ action: 'allow', rule: 'default-allow' });
      expect(req.identity.subject).toBe('os:alice');
      const all = await byCorrelation(ctx.correlationId);
      expect(all.map((e) => [e.type, e.outcome])).toEqual([
        ['call.request', null],
        ['call.response', 'ok'],
      ]);
      const resp = JSON.parse(all[1]!.body);
      expect(resp.result.content[0].text).toBe('ok');
      expect(resp.steps.map((x: { step: string }) => x.step)).toContain('audit-ahead');
    });

    it('records a policy refusal (request and refusal in one event) and never forwards', async () => {
      const ctx = callCtx(session(), 'tools/call', { name: 'files__rm_rf', arguments: { path: '/' } });
      let forwarded = false;
      const outcome = await runChain(steps, ctx, () => {
        forwarded = true;
        return Promise.resolve({ kind: 'result', result: {} });
      });
      expect(forwarded).toBe(false);
      expect(outcome.kind).toBe('error');
      const evs = await byCorrelation(ctx.correlationId);
      expect(evs.map((e) => [e.type, e.decision, e.outcome])).toEqual([
        ['call.refused', 'deny', 'policy_denied'],
      ]);
      const body = JSON.parse(evs[0]!.body);
      expect(body.request.params.arguments).toEqual({ path: '/' });
      expect(body.response.error.message).toMatch(/no-rm/);
    });

    it('records tool errors and JSON-RPC errors with their outcome', async () => {
      const toolErr = callCtx(session(), 'tools/call', { name: 'files__read', arguments: {} });
      await runChain(steps, toolErr, () =>
        Promise.resolve({
          kind: 'result',
          result: { isError: true, content: [{ type: 'text', text: 'nope' }] },
        }),
      );
      const rpcErr = callCtx(session(), 'tools/call', { name: 'files__read', arguments: {} });
      await runChain(steps, rpcErr, () => Promise.reject(new Error('upstream exploded')));
      expect((await byCorrelation(toolErr.correlationId)).map((e) => e.outcome)).toEqual([
        null,
        'tool_error',
      ]);
      expect((await byCorrelation(rpcErr.correlationId)).map((e) => e.outcome)).toEqual([null, 'internal']);
    });

    it('records list calls compactly', async () => {
      const ctx = callCtx(session(), 'tools/list', {});
      const outcome: Outcome = { kind: 'result', result: { tools: [{ name: 'a' }, { name: 'b' }] } };
      await runChain(steps, ctx, () => Promise.resolve(outcome));
      const evs = await byCorrelation(ctx.correlationId);
      expect(evs.map((e) => e.type)).toEqual(['call.gateway']);
      expect(JSON.parse(evs[0]!.body).counts).toEqual({ tools: 2 });
    });

    it('caps large payloads with a truncation flag and the SHA-256 of the full payload', async () => {
      const big = 'x'.repeat(10_000);
      const ctx = callCtx(session(), 'tools/call', { name: 'files__write', arguments: { data: big } });
      await runChain(steps, ctx, () => Promise.resolve({ kind: 'result', result: { content: [] } }));
      const [reqEv] = await byCorrelation(ctx.correlationId);
      const params = JSON.parse(reqEv!.body).params;
      expect(params.truncated).toBe(true);
      expect(params.bytes).toBeGreaterThan(10_000);
      const { canonicalJson, sha256Hex } = await import('@mcpgate/core');
      expect(params.sha256).toBe(sha256Hex(canonicalJson(ctx.params)));
      expect(params.preview.length).toBeLessThanOrEqual(2048);
    });

    it('shares commits between concurrent appends (group commit) and keeps the chain gap-free', async () => {
      const before = (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n;
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => rec.append({ type: 'test.burst', body: { i } })),
      );
      const r = await store.query<{ n: number; min: number; max: number }>(
        `SELECT count(*)::int AS n, min(seq) AS min, max(seq) AS max FROM events WHERE chain_id = $1`,
        [rec.chainId],
      );
      expect(r.rows[0]!.max - r.rows[0]!.min + 1).toBe(r.rows[0]!.n);
      const after = (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0]!.n;
      expect(after - before).toBe(500);
    });

    it('reports what is not durable yet: queued records, their age, and what was committed', async () => {
      await rec.flush();
      const start = rec.stats();
      expect(start).toMatchObject({ queued: 0, deferred: 0, lagMs: 0 });
      // A background record lingers (it waits for company before committing): queued, not durable.
      const pending = rec.appendOrDefer({ type: 'test.linger', body: {} });
      expect(rec.stats().queued).toBe(1);
      await pending;
      const end = rec.stats();
      expect(end).toMatchObject({ queued: 0, lagMs: 0 });
      expect(end.committed).toBe(start.committed + 1);
    });

    it('records sessions and notifications', async () => {
      const s = session();
      await rec.sessionStarted(s);
      rec.recordNotification({
        kind: 'notification',
        direction: 'to_client',
        method: 'notifications/progress',
        sessionId: s.id,
        summary: { progress: 1, total: 2 },
      });
      await rec.flush();
      await rec.sessionEnded(s.id, 'client closed');
      const r = await store.query<{ type: string }>(
        'SELECT type FROM events WHERE session_id = $1 ORDER BY seq',
        [s.id],
      );
      expect(r.rows.map((x) => x.type)).toEqual(['session.started', 'notification', 'session.ended']);
      const v = await store.query<{ id: string; ended_at: Date | null }>(
        'SELECT id, ended_at FROM sessions WHERE id = $1',
        [s.id],
      );
      expect(v.rows[0]!.ended_at).toBeInstanceOf(Date);
    });

    it('signs the chain head with the writer key', async () => {
      const cp = await rec.checkpoint();
      expect(cp).toBeDefined();
      const head = await store.query<{ hash: string }>(
        'SELECT hash FROM events WHERE chain_id = $1 AND seq = $2',
        [rec.chainId, cp!.seq],
      );
      expect(head.rows[0]!.hash).toBe(cp!.hash);
      expect(verifyCheckpoint(cp!, key.publicKey, cp!.signature)).toBe(true);
      expect(verifyCheckpoint({ ...cp!, seq: cp!.seq - 1 }, key.publicKey, cp!.signature)).toBe(false);
    });
  });
}
