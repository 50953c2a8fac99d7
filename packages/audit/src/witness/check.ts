import type { SqlQueryable } from '@mcpgate/core';
import { verifyCheckpoint } from '../chain/keys.js';
import type { SignedCheckpoint } from '../merkle/proof-file.js';
import type { VerifyProblem } from '../verify/types.js';

export interface WitnessReport {
  readonly ok: boolean;
  /** Distinct checkpoint copies the witness holds. */
  readonly copies: number;
  /** Copies whose record was found in the database with the signed hash. */
  readonly matched: number;
  /** Copies of segments purged since (their anchor is compared instead, when it is that checkpoint). */
  readonly purged: number;
  readonly chains: number;
  readonly problems: readonly VerifyProblem[];
}

const MAX_PROBLEMS = 1000;

/**
 * Holds the database against the checkpoints published outside it. Each copy's signature must
 * verify (a witness entry nobody signed proves nothing), and the database must still hold, at
 * that chain and seq, a record with exactly the signed hash, and the checkpoint itself. A
 * database rewritten by its owner — records re-hashed into a consistent chain, checkpoints
 * dropped because they cannot be re-signed — passes a plain verify as an unsigned chain, and fails
 * here. Together with verify's walk (every link, every record), a matching hash at a witnessed seq
 * vouches for every record up to it.
 */
export async function checkWitness(
  sql: SqlQueryable,
  copies: readonly SignedCheckpoint[],
  trustedKeys?: readonly string[],
): Promise<WitnessReport> {
  const problems: VerifyProblem[] = [];
  const add = (p: VerifyProblem): void => {
    if (problems.length < MAX_PROBLEMS) problems.push(p);
  };
  const trusted = trustedKeys ? new Set(trustedKeys) : undefined;
  const byChain = new Map<string, Map<number, SignedCheckpoint>>();
  for (const c of copies) {
    const m = byChain.get(c.chain_id) ?? new Map<number, SignedCheckpoint>();
    const prior = m.get(c.seq);
    if (prior && (prior.hash !== c.hash || prior.root_hash !== c.root_hash))
      add({
        chain: c.chain_id,
        seq: c.seq,
        kind: 'modified',
        detail: `the witness holds two different checkpoints for seq ${c.seq}: two histories were signed`,
      });
    m.set(c.seq, c);
    byChain.set(c.chain_id, m);
  }
  let matched = 0;
  let purged = 0;
  let total = 0;
  for (const [chain, cps] of [...byChain].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const seqs = [...cps.keys()].sort((a, b) => a - b);
    total += seqs.length;
    const [events, stored, anchors] = await Promise.all([
      sql.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM events WHERE chain_id = $1 AND seq = ANY($2::bigint[])',
        [chain, seqs],
      ),
      sql.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM checkpoints WHERE chain_id = $1 AND seq = ANY($2::bigint[])',
        [chain, seqs],
      ),
      sql.query<{ through_seq: number; through_hash: string }>(
        'SELECT through_seq, through_hash FROM audit_purges WHERE chain_id = $1',
        [chain],
      ),
    ]);
    const eventHash = new Map(events.rows.map((r) => [Number(r.seq), r.hash]));
    const cpHash = new Map(stored.rows.map((r) => [Number(r.seq), r.hash]));
    const purgedThrough = Math.max(0, ...anchors.rows.map((a) => Number(a.through_seq)));
    const anchorHash = new Map(anchors.rows.map((a) => [Number(a.through_seq), a.through_hash]));
    for (const seq of seqs) {
      const c = cps.get(seq)!;
      if (!verifyCheckpoint({ ...c, ts: new Date(c.ts) }, c.public_key, c.signature)) {
        add({
          chain,
          seq,
          kind: 'bad_signature',
          detail: `the witness copy of checkpoint seq ${seq} does not verify: it is not a checkpoint anyone signed`,
        });
        continue;
      }
      if (trusted && !trusted.has(c.public_key)) {
        add({
          chain,
          seq,
          kind: 'bad_signature',
          detail: `the witness copy of checkpoint seq ${seq} is signed by a key not in the trusted set`,
        });
        continue;
      }
      if (seq <= purgedThrough) {
        purged++;
        const a = anchorHash.get(seq);
        if (a !== undefined && a !== c.hash)
          add({
            chain,
            seq,
            kind: 'modified',
            detail: `the purge anchor at seq ${seq} holds hash ${a.slice(0, 16)}…, the witnessed checkpoint signed ${c.hash.slice(0, 16)}…`,
          });
        continue;
      }
      const h = eventHash.get(seq);
      if (h === undefined) {
        add({
          chain,
          seq,
          kind: 'truncated',
          detail: `a witnessed checkpoint signs seq ${seq}, which is not in the database (records deleted or the chain dropped)`,
        });
        continue;
      }
      if (h !== c.hash) {
        add({
          chain,
          seq,
          kind: 'modified',
          detail: `history rewritten: the database's record at seq ${seq} has hash ${h.slice(0, 16)}…, the witnessed checkpoint signed ${c.hash.slice(0, 16)}…`,
        });
        continue;
      }
      if (cpHash.get(seq) !== c.hash) {
        add({
          chain,
          seq,
          kind: 'missing',
          detail: `the signed checkpoint at seq ${seq} is gone from the database (the witness holds it)`,
        });
        continue;
      }
      matched++;
    }
  }
  return { ok: problems.length === 0, copies: total, matched, purged, chains: byChain.size, problems };
}
