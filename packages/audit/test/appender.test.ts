import { describe, expect, it } from 'vitest';
import type { SqlClient, SqlResult } from '@mcpgate/core';
import { EVENT_COLUMNS, eventHash, GENESIS_HASH, type EventRow } from '../src/chain/event.js';
import { ChainAppender } from '../src/recorder/appender.js';
import { ChainTree } from '../src/merkle/chain-tree.js';

/**
 * The group commit's sequential pattern, against a store that records every statement: the
 * call-by-call shape a stdio client produces (a response record that lingers, then the next
 * call's write-ahead record), which the latency of one call at a time depends on.
 */
function fakeStore(): { sql: SqlClient; inserts: EventRow[][]; reads: string[] } {
  const inserts: EventRow[][] = [];
  const reads: string[] = [];
  const sql: SqlClient = {
    kind: 'postgres',
    query<R>(text: string, params: readonly unknown[] = []): Promise<SqlResult<R>> {
      if (!text.startsWith('INSERT INTO events')) {
        reads.push(text);
        // An empty chain: no head, nothing for the Merkle tree to catch up on.
        return Promise.resolve({ rows: [], rowCount: 0 });
      }
      const width = EVENT_COLUMNS.length;
      const rows: EventRow[] = [];
      for (let i = 0; i < params.length; i += width) {
        const row = Object.fromEntries(EVENT_COLUMNS.map((c, j) => [c, params[i + j]]));
        rows.push({ ...row, seq: Number(row.seq), ts: new Date(String(row.ts)) } as EventRow);
      }
      inserts.push(rows);
      return Promise.resolve({ rows: [], rowCount: rows.length });
    },
    transaction: () => Promise.reject(new Error('not used')),
    listen: () => Promise.reject(new Error('not used')),
    notify: () => Promise.reject(new Error('not used')),
  };
  return { sql, inserts, reads };
}

const immediate = () => new Promise<void>((r) => setImmediate(r));
const input = (type: string, n: number) => ({ type, ts: new Date(1_700_000_000_000 + n), body: { n } });

/** Every row links to the one before it, and its hash is its content's. */
function expectLinked(rows: EventRow[]): void {
  let prev = GENESIS_HASH;
  rows.forEach((r, i) => {
    expect(r.seq).toBe(i + 1);
    expect(r.prev_hash).toBe(prev);
    expect(eventHash(r)).toBe(r.hash);
    prev = r.hash;
  });
}

describe('ChainAppender, one call at a time', () => {
  it('commits a lingering record together with the next write-ahead record: one INSERT per call', async () => {
    const { sql, inserts } = fakeStore();
    const a = new ChainAppender(sql, 'c:1', 100);
    await a.append(input('call.request', 0));
    for (let call = 1; call <= 5; call++) {
      // The previous call's response lingers (long enough never to fire here)...
      const response = a.append(input('call.response', call * 2 - 1), 60_000);
      // ...and is chained while the appender idles (the client reading its answer).
      await immediate();
      await immediate();
      // The next call's request record must take it along, not wait behind a commit of its own.
      const request = await a.append(input('call.request', call * 2));
      expect(request.seq).toBe(call * 2 + 1);
      expect((await response).seq).toBe(call * 2);
    }
    expect(inserts.map((b) => b.map((r) => r.type))).toEqual([
      ['call.request'],
      ...Array.from({ length: 5 }, () => ['call.response', 'call.request']),
    ]);
    expectLinked(inserts.flat());
  });

  it('refuses a lingering record that cannot be built at its commit, and commits its batch-mate', async () => {
    const { sql, inserts } = fakeStore();
    const a = new ChainAppender(sql, 'c:1', 100);
    await a.append(input('call.request', 0));
    // A non-finite number: the canonical encoding refuses it (it must not throw out of the idle work).
    const poisoned = a.append({ type: 'call.response', body: { n: Number.NaN } }, 60_000);
    const refused = expect(poisoned).rejects.toThrow(/call\.response audit record could not be built/);
    await immediate();
    await immediate();
    const next = await a.append(input('call.request', 1));
    await refused;
    expect(next.seq).toBe(2);
    expectLinked(inserts.flat());
  });

  it('offers the Merkle root of what is committed right after the commit, before the tree work ran', async () => {
    const { sql, inserts } = fakeStore();
    const a = new ChainAppender(sql, 'c:1', 100);
    const rows = await Promise.all([1, 2, 3].map((n) => a.append(input('call.request', n))));
    // Same tick as the commit's waiters: the deferred tree update has not run yet.
    const head = a.committedHead();
    const root = a.committedRoot();
    const expected = new ChainTree();
    expected.append(inserts.flat());
    expect(head).toEqual({ seq: 3, hash: rows[2]!.hash });
    expect(root).toBe(expected.rootAt(3));
    expect(root).toMatch(/^[0-9a-f]{64}$/);
  });
});
