import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventHash, type EventRow } from '../src/chain/event.js';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import type { Store } from '../src/store/types.js';
import type { VerifyProblem } from '../src/verify/types.js';
import { verifyStore } from '../src/verify/verify.js';
import { backends, type Backend } from './helpers.js';

/** Runs DML on an audit table as a superuser who disabled the append-only triggers first. */
function asSuperuser(table: string, dml: string): string {
  return `ALTER TABLE ${table} DISABLE TRIGGER USER; ${dml}; ALTER TABLE ${table} ENABLE TRIGGER USER;`;
}

for (const make of backends('tamper')) {
  describe('tamper evidence: verify names the first bad record', () => {
    let b: Backend;
    let store: Store;
    const key = generateSigningKey().key;
    const chains = ['clean', 'mod', 'del', 'swap', 'cut', 'rehash', 'sig'];

    async function writeChain(replicaId: string): Promise<void> {
      const rec = await AuditRecorder.start(store, { replicaId, signingKey: key, recover: false });
      // 1: writer.started, 2..11: events, checkpoint at 11, 12..16: events, 17 writer.stopped + final checkpoint.
      for (let i = 0; i < 10; i++) await rec.append({ type: 'test.event', subject: 'os:alice', body: { i } });
      await rec.checkpoint();
      for (let i = 10; i < 15; i++)
        await rec.append({ type: 'test.event', subject: 'os:alice', body: { i } });
      await rec.close();
    }

    const problemsOf = async (chain: string): Promise<VerifyProblem[]> =>
      (await verifyStore(store)).problems.filter((p) => p.chain === `${chain}:1`);

    beforeAll(async () => {
      b = await make();
      store = await b.open();
      await migrate(store);
      for (const c of chains) await writeChain(c);
    });
    afterAll(async () => {
      await store?.close();
      await b?.cleanup();
    });

    it('passes on untouched chains, with every checkpoint signature valid', async () => {
      const report = await verifyStore(store);
      expect(report.ok).toBe(true);
      expect(report.chains).toBe(chains.length);
      expect(report.events).toBe(chains.length * 17);
      expect(report.checkpoints).toBe(chains.length * 2);
      expect(report.publicKeys).toEqual([key.publicKey]);
    });

    it('names an edited row "modified"', async () => {
      await b.superuser(
        store,
        asSuperuser('events', `UPDATE events SET body = '{"i":999}' WHERE chain_id = 'mod:1' AND seq = 5`),
      );
      const [first] = await problemsOf('mod');
      expect(first).toMatchObject({ seq: 5, kind: 'modified' });
    });

    it('names a deleted row "missing"', async () => {
      await b.superuser(
        store,
        asSuperuser('events', `DELETE FROM events WHERE chain_id = 'del:1' AND seq = 7`),
      );
      const [first] = await problemsOf('del');
      expect(first).toMatchObject({ seq: 7, kind: 'missing' });
    });

    it('a time window starting right after a deleted row still names it', async () => {
      const r = await store.query<{ ts: Date }>(`SELECT ts FROM events WHERE chain_id = 'del:1' AND seq = 8`);
      const report = await verifyStore(store, { from: r.rows[0]!.ts });
      expect(report.problems.filter((p) => p.chain === 'del:1')[0]).toMatchObject({
        seq: 7,
        kind: 'missing',
      });
      const clean = await verifyStore(store, { from: r.rows[0]!.ts });
      expect(clean.problems.filter((p) => p.chain === 'clean:1')).toEqual([]);
    });

    it('names two swapped rows "reordered"', async () => {
      await b.superuser(
        store,
        asSuperuser(
          'events',
          `UPDATE events SET seq = -4 WHERE chain_id = 'swap:1' AND seq = 4;
           UPDATE events SET seq = 4 WHERE chain_id = 'swap:1' AND seq = 5;
           UPDATE events SET seq = 5 WHERE chain_id = 'swap:1' AND seq = -4`,
        ),
      );
      const [first] = await problemsOf('swap');
      expect(first).toMatchObject({ seq: 4, kind: 'reordered' });
      expect(first!.detail).toMatch(/written as seq 5/);
    });

    it('names a cut tail "truncated" (the final checkpoint signs a record that is gone)', async () => {
      await b.superuser(
        store,
        asSuperuser('events', `DELETE FROM events WHERE chain_id = 'cut:1' AND seq > 12`),
      );
      const [first] = await problemsOf('cut');
      expect(first).toMatchObject({ seq: 13, kind: 'truncated' });
      expect(first!.detail).toMatch(/records end at seq 12 but a checkpoint signs seq 17/);
    });

    it('catches an edit whose hash was recomputed (the next record and the checkpoint disagree)', async () => {
      const r = await store.query<EventRow>(`SELECT * FROM events WHERE chain_id = 'rehash:1' AND seq = 3`);
      const row = { ...r.rows[0]!, seq: 3, body: '{"i":12345}' };
      const forged = eventHash(row);
      await b.superuser(
        store,
        asSuperuser(
          'events',
          `UPDATE events SET body = '{"i":12345}', hash = '${forged}' WHERE chain_id = 'rehash:1' AND seq = 3`,
        ),
      );
      const [first] = await problemsOf('rehash');
      expect(first).toMatchObject({ seq: 3, kind: 'modified' });
    });

    it('names a forged checkpoint signature "bad_signature"', async () => {
      const other = generateSigningKey().key;
      await b.superuser(
        store,
        asSuperuser(
          'checkpoints',
          `UPDATE checkpoints SET public_key = '${other.publicKey}' WHERE chain_id = 'sig:1' AND final`,
        ),
      );
      const [first] = await problemsOf('sig');
      expect(first).toMatchObject({ seq: 17, kind: 'bad_signature' });
    });

    it('still passes on the untouched chain, and reports failure overall', async () => {
      const report = await verifyStore(store);
      expect(report.ok).toBe(false);
      expect(report.problems.filter((p) => p.chain === 'clean:1')).toEqual([]);
    });
  });
}
