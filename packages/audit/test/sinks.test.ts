import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import type { SiemRecord, Sink } from '../src/sinks/record.js';
import { httpSink } from '../src/sinks/http.js';
import { SinkRunner } from '../src/sinks/runner.js';
import type { Store } from '../src/store/types.js';
import { backends, type Backend } from './helpers.js';

const key = generateSigningKey().key;

async function allIds(store: Store): Promise<string[]> {
  const r = await store.query<{ id: string }>(`SELECT chain_id || '/' || seq AS id FROM events`);
  return r.rows.map((x) => x.id).sort();
}

async function until(cond: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

for (const make of backends('sinks')) {
  describe('SIEM sink runner', () => {
    let b: Backend;
    let store: Store;
    let server: Server;
    let url: string;
    let failNext = 0;
    const accepted: string[] = [];

    beforeAll(async () => {
      b = await make();
      store = await b.open();
      await migrate(store);
      // A receiver that refuses the first requests (HTTP 503), as a SIEM under maintenance would.
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          if (failNext > 0) {
            failNext--;
            res.statusCode = 503;
            res.end('maintenance');
            return;
          }
          for (const l of body.split('\n').filter(Boolean)) accepted.push((JSON.parse(l) as SiemRecord).id);
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as { port: number }).port}/in`;
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
      await store?.close();
      await b?.cleanup();
    });

    it('a failing sink loses nothing: records wait in the database and arrive once it is back', async () => {
      failNext = 3;
      const rec = await AuditRecorder.start(store, { replicaId: 'fail', signingKey: key, recover: false });
      const runner = new SinkRunner(store, [httpSink('siem', { url })], {
        owner: rec.chainId,
        pollMs: 20,
        batchSize: 7,
      });
      runner.start();
      for (let i = 0; i < 30; i++) await rec.append({ type: 'test.event', body: { i } });
      await rec.close();
      await until(async () => accepted.length >= (await allIds(store)).length, 'delivery');
      await runner.close();
      expect(runner.stats()[0]!.failures).toBeGreaterThanOrEqual(1);
      expect([...accepted].sort()).toEqual(await allIds(store));
    });

    it('two replicas on one sink: one delivers (lease), the other takes over when it stops — each record once', async () => {
      const got: string[] = [];
      const sink = (): Sink => ({
        name: 'shared',
        send: (records) => {
          for (const r of records) got.push(r.id);
          return Promise.resolve();
        },
      });
      const recA = await AuditRecorder.start(store, { replicaId: 'ra', signingKey: key, recover: false });
      const recB = await AuditRecorder.start(store, { replicaId: 'rb', signingKey: key, recover: false });
      const a = new SinkRunner(store, [sink()], { owner: recA.chainId, pollMs: 20, batchSize: 5 });
      const bRunner = new SinkRunner(store, [sink()], { owner: recB.chainId, pollMs: 20, batchSize: 5 });
      a.start();
      await until(() => a.stats()[0]!.active, 'replica A to take the lease');
      bRunner.start();
      for (let i = 0; i < 20; i++) await recA.append({ type: 'test.event', body: { i } });
      await until(() => got.length > 0, 'first delivery');
      expect(bRunner.stats()[0]!.active).toBe(false);
      await a.close(); // releases the lease
      for (let i = 0; i < 20; i++) await recB.append({ type: 'test.event', body: { i } });
      await recA.close();
      await recB.close();
      await until(async () => got.length >= (await allIds(store)).length, 'replica B to catch up');
      expect(bRunner.stats()[0]!.active).toBe(true);
      await bRunner.close();
      expect([...got].sort()).toEqual(await allIds(store));
    });

    it('a batch whose cursor commit is lost is delivered again — the documented duplicate — and nothing is skipped', async () => {
      const got: string[] = [];
      let first: string[] | undefined;
      const sink = (loseLease: boolean): Sink => ({
        name: 'dup',
        send: async (records) => {
          got.push(...records.map((r) => r.id));
          if (loseLease && !first) {
            first = records.map((r) => r.id);
            // Right after the sink accepted the batch, this process loses its lease (it stalled
            // past it and another replica took over): its cursor commit must not land.
            await store.query(`UPDATE audit_sink_leases SET owner = 'replica-2' WHERE sink = 'dup'`);
          }
        },
      });
      await new SinkRunner(store, [sink(true)], { owner: 'replica-1', batchSize: 10 }).close();
      await new SinkRunner(store, [sink(false)], { owner: 'replica-2', batchSize: 10 }).close();
      expect(first).toHaveLength(10);
      expect([...got].sort()).toEqual([...(await allIds(store)), ...first!].sort());
    });
  });
}
