import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError, newUpstreamNotes, runChain, runUpstreamSide, type Identity } from '@mcpgate/core';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { purgeAudit } from '../src/read/purge.js';
import { listSessions, queryCalls } from '../src/read/query.js';
import { renderTimeline, sessionEvents } from '../src/read/replay.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import { createAuditSteps } from '../src/steps.js';
import type { Store } from '../src/store/types.js';
import { verifyStore } from '../src/verify/verify.js';
import { callCtx, policyStep, routeStep, session } from './fixtures.js';
import { backends, type Backend } from './helpers.js';

const bob: Identity = { subject: 'oidc:bob', groups: ['finance'], authMethod: 'oidc' };

for (const make of backends('read')) {
  describe('query, sessions, replay, purge', () => {
    let b: Backend;
    let store: Store;
    let rec: AuditRecorder;
    const key = generateSigningKey().key;
    const aliceSession = session('s_alice');
    const bobSession = session('s_bob', bob);

    beforeAll(async () => {
      b = await make();
      store = await b.open();
      await migrate(store);
      rec = await AuditRecorder.start(store, { replicaId: 'reader', signingKey: key });
      const audit = createAuditSteps(rec);
      const steps = [audit.outer, routeStep, policyStep, audit.inner];
      await rec.sessionStarted(aliceSession);
      await rec.sessionStarted(bobSession);
      const call = async (
        s: typeof aliceSession,
        name: string,
        args: Record<string, unknown>,
        masked = false,
      ) => {
        const ctx = callCtx(s, 'tools/call', { name, arguments: args });
        await runChain(steps, ctx, (c) => {
          c.notes.forwardedAt = new Date();
          if (masked)
            c.notes.masking.push({
              detector: 'email',
              path: '$.content[0].text',
              count: 1,
              strategy: 'redact',
            });
          return Promise.resolve({
            kind: 'result',
            result: { content: [{ type: 'text', text: `ran ${name}` }] },
          });
        });
      };
      await call(aliceSession, 'files__read', { path: '/srv/report.txt' });
      await call(aliceSession, 'files__rm', { path: '/srv' });
      await call(bobSession, 'ledger__post', { amount: 125, memo: 'Quarterly Invoice 7731' }, true);
      await runChain(steps, callCtx(bobSession, 'tools/list', {}), () =>
        Promise.resolve({ kind: 'result', result: { tools: [{ name: 'x' }] } }),
      );
      // The upstream side of one of bob's calls: a masked log line and a refused sampling request.
      const cause = callCtx(bobSession, 'tools/call', { name: 'ledger__post', arguments: {} });
      await runUpstreamSide(steps, {
        kind: 'notification',
        method: 'notifications/message',
        upstream: 'ledger',
        cause,
        sessionId: bobSession.id,
        params: { level: 'info', data: 'token [REDACTED:github_token]' },
        notes: {
          ...newUpstreamNotes(),
          masking: [{ detector: 'github_token', path: 'params.data', count: 1, strategy: 'redact' }],
        },
      });
      await runUpstreamSide(steps, {
        kind: 'request',
        method: 'sampling/createMessage',
        upstream: 'ledger',
        cause,
        sessionId: bobSession.id,
        params: { messages: [], maxTokens: 10 },
        notes: newUpstreamNotes({ action: 'deny', reason: 'no rule' }),
        refused: new GatewayError('policy_denied', 'denied by default'),
      });
      await rec.sessionEnded(aliceSession.id, 'client closed');
      await rec.flush();
    });
    afterAll(async () => {
      await rec?.close();
      await store?.close();
      await b?.cleanup();
    });

    it('filters calls by user, group, upstream, tool, decision and free text', async () => {
      expect((await queryCalls(store, { user: 'os:alice' })).map((c) => c.target)).toEqual(['read', 'rm']);
      expect((await queryCalls(store, { group: 'finance' })).map((c) => c.method)).toEqual([
        'tools/call',
        'tools/list',
      ]);
      expect((await queryCalls(store, { upstream: 'ledger' })).map((c) => c.target)).toEqual(['post']);
      expect((await queryCalls(store, { tool: 'files__read' })).map((c) => c.target)).toEqual(['read']);
      expect((await queryCalls(store, { decision: 'deny' })).map((c) => [c.target, c.outcome])).toEqual([
        ['rm', 'policy_denied'],
      ]);
      expect((await queryCalls(store, { text: 'invoice 7731' })).map((c) => c.target)).toEqual(['post']);
      expect((await queryCalls(store, { text: 'RAN files__read' })).map((c) => c.target)).toEqual(['read']);
      expect(await queryCalls(store, { text: '100%_' })).toEqual([]);
      const recent = await queryCalls(store, { from: new Date(Date.now() - 60_000) });
      expect(recent).toHaveLength(4);
      expect(await queryCalls(store, { to: new Date(Date.now() - 60_000) })).toEqual([]);
      expect(await queryCalls(store, { limit: 1 })).toHaveLength(1);
    });

    it('lists sessions with identity and call counts', async () => {
      const sessions = await listSessions(store);
      expect(sessions.map((s) => [s.id, s.subject, s.calls, s.endedAt !== null])).toEqual([
        ['s_alice', 'os:alice', 2, true],
        ['s_bob', 'oidc:bob', 2, false],
      ]);
      expect((await listSessions(store, { user: 'oidc:bob' })).map((s) => s.id)).toEqual(['s_bob']);
    });

    it('replays a session as a readable timeline', async () => {
      const alice = renderTimeline(await sessionEvents(store, 's_alice'));
      const lines = alice.trim().split('\n');
      expect(lines[0]).toMatch(
        /session started {2}os:alice via stdio \(legacy\) {2}client test-client 1\.0\.0/,
      );
      expect(lines[1]).toMatch(/▶ tools\/call files__read .*\/srv\/report\.txt.*\[allow by default-allow\]/);
      expect(lines[2]).toMatch(/◀ tools\/call read {2}result .*ran files__read.*\(\d+ ms, upstream \d+ ms\)/);
      expect(lines[3]).toMatch(
        /✖ tools\/call files__rm {2}refused policy_denied: denied by rule no-rm.*\[rule no-rm\]/,
      );
      expect(lines[4]).toMatch(/session ended {2}\(client closed\)/);
      const bobText = renderTimeline(await sessionEvents(store, 's_bob'));
      expect(bobText).toMatch(/masked email at \$\.content\[0\]\.text ×1 \(redact\)/);
      expect(bobText).toMatch(/· tools\/list {2}\{"tools":1\}/);
      expect(bobText).toMatch(/~ notifications\/message from_upstream .*"level":"info"/);
      expect(bobText).toMatch(/token \[REDACTED:github_token\]/);
      expect(bobText).toMatch(/masked github_token at params\.data ×1 \(redact\)/);
      expect(bobText).toMatch(
        /⇄ sampling\/createMessage from_upstream .*refused policy_denied: denied by default/,
      );
    });

    it('fits a timeline to N columns, with or without colour, dropping no word', async () => {
      const events = await sessionEvents(store, 's_bob');
      const plain = renderTimeline(events, { columns: 60 });
      const coloured = renderTimeline(events, { columns: 60, color: true });
      const strip = (t: string): string =>
        t.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
      for (const text of [plain, strip(coloured)])
        for (const l of text.trimEnd().split('\n')) expect([...l].length, l).toBeLessThanOrEqual(60);
      expect(strip(coloured)).toBe(plain);
      const words = (t: string): string => t.split(/\s+/).join('');
      // Only spaces move; the unfitted text (values clipped the same) has every character.
      expect(words(plain)).toBe(words(renderTimeline(events, { width: 60 })));
    });

    it('records who read the audit', async () => {
      await rec.recordRead({ subject: 'os:auditor', host: 'h', pid: 1 }, 'query', {
        user: 'os:alice',
        since: '24h',
      });
      const r = await store.query<{ subject: string; method: string; body: string }>(
        `SELECT subject, method, body FROM events WHERE type = 'audit.read'`,
      );
      expect(r.rows).toHaveLength(1);
      expect(r.rows[0]!.subject).toBe('os:auditor');
      expect(JSON.parse(r.rows[0]!.body).filters).toEqual({ user: 'os:alice', since: '24h' });
    });

    it('purges whole checkpointed segments and what remains still verifies from the signed anchor', async () => {
      // An old writer: its segment is checkpointed, then it writes more that is not.
      const old = await AuditRecorder.start(store, { replicaId: 'old', signingKey: key, recover: false });
      for (let i = 0; i < 5; i++) await old.append({ type: 'test.old', body: { i } });
      const cp = await old.checkpoint();
      await new Promise((r) => setTimeout(r, 30));
      const cutoff = new Date();
      await old.append({ type: 'test.newer', body: {} });
      await old.close();

      const results = await purgeAudit(store, rec, { before: cutoff, by: 'os:admin' });
      const mine = results.find((r) => r.chain === 'old:1');
      expect(mine).toEqual({ chain: 'old:1', throughSeq: cp!.seq, eventsDeleted: cp!.seq });
      const left = await store.query<{ seq: number }>(
        `SELECT seq FROM events WHERE chain_id = 'old:1' ORDER BY seq`,
      );
      expect(left.rows[0]!.seq).toBe(cp!.seq + 1);
      const report = await verifyStore(store);
      expect(report.problems).toEqual([]);
      const purgeEvents = await store.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM events WHERE type = 'audit.purge' AND target = 'old:1'`,
      );
      expect(purgeEvents.rows[0]!.n).toBe(2);
      // Deleting the oldest remaining record without a purge is caught.
      await b.superuser(
        store,
        `ALTER TABLE events DISABLE TRIGGER USER; DELETE FROM events WHERE chain_id = 'old:1' AND seq = ${cp!.seq + 1}; ALTER TABLE events ENABLE TRIGGER USER;`,
      );
      const bad = await verifyStore(store);
      expect(bad.problems[0]).toMatchObject({ chain: 'old:1', kind: 'missing', seq: cp!.seq + 1 });
    });
  });
}
