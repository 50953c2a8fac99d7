import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../src/chain/keys.js';
import { migrate } from '../src/migrate.js';
import { AuditRecorder } from '../src/recorder/recorder.js';
import type { Store } from '../src/store/types.js';
import { readRange } from '../src/verify/db.js';
import { admin, pgSchema, type PgSchema } from './helpers.js';

/**
 * readRange reads bounded seq windows (so a batch never costs a scan of the rest of the chain);
 * these pin that no record is skipped by that: gaps wider than a batch, and records appended
 * after the range was planned.
 */
describe('readRange: bounded windows lose nothing', () => {
  let s: PgSchema;
  let store: Store;
  let chain: string;

  beforeAll(async () => {
    s = await pgSchema('readrange');
    store = await s.open();
    await migrate(store);
    const rec = await AuditRecorder.start(store, { replicaId: 'rr', signingKey: generateSigningKey().key });
    await Promise.all(Array.from({ length: 40 }, (_, i) => rec.append({ type: 'test', body: { i } })));
    await rec.flush();
    chain = rec.chainId;
    // 41 records (writer.started + 40); a tamperer removes seq 6–17, wider than the batches below.
    await admin(
      `BEGIN; SELECT set_config('mcpgate.audit_purge', 'on', true);
       DELETE FROM events WHERE chain_id = '${chain}' AND seq BETWEEN 6 AND 17; COMMIT;`,
      undefined,
      s.schema,
    );
    await rec.close();
  });
  afterAll(async () => {
    await store?.close();
    await s?.drop();
  });

  const seqs = async (gen: AsyncGenerator<{ seq: number }>): Promise<number[]> => {
    const out: number[] = [];
    for await (const r of gen) out.push(r.seq);
    return out;
  };
  const expected = (to: number) => [
    ...Array.from({ length: 5 }, (_, i) => i + 1),
    ...Array.from({ length: to - 17 }, (_, i) => i + 18),
  ];

  it('steps over a gap wider than a batch, up to a closed end', async () => {
    const range = { chain_id: chain, fromSeq: 1, toSeq: 30, partialStart: false, partialEnd: true };
    expect(await seqs(readRange(store, range, 4))).toEqual(expected(30));
  });

  it('open-ended: reads past the planned end, to what was appended since (close adds records)', async () => {
    const range = { chain_id: chain, fromSeq: 1, toSeq: 30, partialStart: false, partialEnd: false };
    const got = await seqs(readRange(store, range, 4));
    const last = await store.query<{ max: number }>(
      'SELECT max(seq) AS max FROM events WHERE chain_id = $1',
      [chain],
    );
    expect(got).toEqual(expected(Number(last.rows[0]!.max)));
    expect(got.at(-1)).toBeGreaterThan(41);
  });
});
