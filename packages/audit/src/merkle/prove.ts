import type { SqlQueryable } from '@mcpgate/core';
import { GatewayError } from '@mcpgate/core';
import type { EventRow } from '../chain/event.js';
import type { CheckpointRecord } from '../verify/types.js';
import { eventLeaf } from './hash.js';
import {
  PROOF_FORMAT,
  PROOF_VERSION,
  toSignedCheckpoint,
  type ConsistencyProofFile,
  type InclusionProofFile,
} from './proof-file.js';
import { CompactTree, consistencyRanges, inclusionRanges, RangeHasher, type LeafRange } from './tree.js';

const CHECKPOINT_SELECT = `SELECT chain_id, seq, hash, ts, final, public_key, signature, root_hash FROM checkpoints`;

function bad(message: string): GatewayError {
  return new GatewayError('invalid_params', message);
}

/**
 * Reads the chain's leaves 1..size in keyset batches and computes the requested subtree hashes in
 * one pass (constant memory), checking on the way that the stored records still produce the
 * signed root — a proof is only issued for a chain that matches its signature.
 */
async function subtreeHashes(
  sql: SqlQueryable,
  cp: CheckpointRecord,
  ranges: readonly LeafRange[],
  alsoRootAt?: number,
): Promise<{ hasher: RangeHasher; rootAt: Buffer | undefined }> {
  const hasher = new RangeHasher(ranges);
  const whole = new CompactTree();
  let rootAt: Buffer | undefined;
  let after = 0;
  while (after < cp.seq) {
    const r = await sql.query<{ seq: number; hash: string }>(
      'SELECT seq, hash FROM events WHERE chain_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT 5000',
      [cp.chain_id, after, cp.seq],
    );
    if (r.rows.length === 0) break;
    for (const row of r.rows) {
      const seq = Number(row.seq);
      if (seq !== after + 1)
        throw bad(
          `chain ${cp.chain_id} has no record at seq ${after + 1} (purged or missing): no proof can be built — run "mcpgate audit verify"`,
        );
      const leaf = eventLeaf(row.hash);
      hasher.push(seq - 1, leaf);
      whole.push(leaf);
      if (seq === alsoRootAt) rootAt = whole.root();
      after = seq;
    }
  }
  if (after !== cp.seq)
    throw bad(
      `chain ${cp.chain_id} ends at seq ${after} but its checkpoint signs seq ${cp.seq}: run "mcpgate audit verify"`,
    );
  if (whole.root().toString('hex') !== cp.root_hash)
    throw bad(
      `the stored records of chain ${cp.chain_id} do not produce the Merkle root signed at seq ${cp.seq}: the chain was altered — run "mcpgate audit verify"`,
    );
  return { hasher, rootAt };
}

function normalizeCheckpoint(c: CheckpointRecord): CheckpointRecord {
  return { ...c, seq: Number(c.seq) };
}

/**
 * An inclusion proof for every record of one call: per chain, the first signed checkpoint with a
 * Merkle root that covers the call's records there, and each record's audit path to that root.
 */
export async function proveCall(sql: SqlQueryable, correlationId: string): Promise<InclusionProofFile> {
  const r = await sql.query<EventRow>(
    `SELECT chain_id, seq, ts, type, session_id, correlation_id, subject, groups, method, upstream, target,
            decision, outcome, body, prev_hash, hash
     FROM events WHERE correlation_id = $1 ORDER BY chain_id, seq`,
    [correlationId],
  );
  if (r.rows.length === 0) throw bad(`no audit record has correlation id "${correlationId}"`);
  const byChain = new Map<string, EventRow[]>();
  for (const row of r.rows) {
    const list = byChain.get(row.chain_id) ?? [];
    list.push({ ...row, seq: Number(row.seq) });
    byChain.set(row.chain_id, list);
  }
  const chains: InclusionProofFile['chains'][number][] = [];
  for (const [chain, rows] of byChain) {
    const last = rows[rows.length - 1]!.seq;
    const c = await sql.query<CheckpointRecord>(
      `${CHECKPOINT_SELECT} WHERE chain_id = $1 AND seq >= $2 AND root_hash IS NOT NULL ORDER BY seq LIMIT 1`,
      [chain, last],
    );
    const cpRow = c.rows[0];
    if (!cpRow)
      throw bad(
        `record seq ${last} of chain ${chain} is not covered by a signed Merkle checkpoint yet: the next checkpoint comes within audit.checkpointInterval (and at shutdown); try again then`,
      );
    const cp = normalizeCheckpoint(cpRow);
    const ranges = rows.map((row) => inclusionRanges(row.seq - 1, cp.seq));
    const { hasher } = await subtreeHashes(sql, cp, ranges.flat());
    chains.push({
      checkpoint: toSignedCheckpoint(cp),
      records: rows.map((row, i) => ({
        record: { ...row, ts: row.ts.toISOString() },
        leafIndex: row.seq - 1,
        leafHash: eventLeaf(row.hash).toString('hex'),
        path: ranges[i]!.map((range) => hasher.get(range).toString('hex')),
      })),
    });
  }
  return {
    format: PROOF_FORMAT,
    version: PROOF_VERSION,
    kind: 'inclusion',
    correlationId,
    createdAt: new Date().toISOString(),
    chains,
  };
}

/** `<chain>/<seq>` or `<chain>/latest`: a checkpoint with a Merkle root. */
export async function findCheckpoint(
  sql: SqlQueryable,
  ref: string,
  chainHint?: string,
): Promise<CheckpointRecord> {
  const m = /^(?:(.+)\/)?(\d+|latest)$/.exec(ref);
  const chain = m?.[1] ?? chainHint;
  if (!m || !chain)
    throw bad(`a checkpoint is named <chain>/<seq> or <chain>/latest (e.g. gw-1:3/1200), got "${ref}"`);
  const r =
    m[2] === 'latest'
      ? await sql.query<CheckpointRecord>(
          `${CHECKPOINT_SELECT} WHERE chain_id = $1 AND root_hash IS NOT NULL ORDER BY seq DESC LIMIT 1`,
          [chain],
        )
      : await sql.query<CheckpointRecord>(`${CHECKPOINT_SELECT} WHERE chain_id = $1 AND seq = $2`, [
          chain,
          Number(m[2]),
        ]);
  const cp = r.rows[0];
  if (!cp) throw bad(`no checkpoint ${chain}/${m[2]} (list them: SELECT chain_id, seq FROM checkpoints)`);
  if (!cp.root_hash)
    throw bad(
      `checkpoint ${chain}/${cp.seq} predates Merkle roots: it cannot take part in a consistency proof`,
    );
  return normalizeCheckpoint(cp);
}

/** RFC 9162 consistency proof: the chain at the first checkpoint is a prefix of the chain at the second. */
export async function proveConsistency(
  sql: SqlQueryable,
  firstRef: string,
  secondRef: string,
): Promise<ConsistencyProofFile> {
  const first = await findCheckpoint(sql, firstRef);
  const second = await findCheckpoint(sql, secondRef, first.chain_id);
  if (first.chain_id !== second.chain_id)
    throw bad(
      `both checkpoints must be of one chain (each writer has its own tree): got ${first.chain_id} and ${second.chain_id}`,
    );
  if (first.seq > second.seq)
    throw bad(`the first checkpoint (seq ${first.seq}) must not be after the second (seq ${second.seq})`);
  const ranges = first.seq === second.seq ? [] : consistencyRanges(first.seq, second.seq);
  const { hasher, rootAt } = await subtreeHashes(sql, second, ranges, first.seq);
  if (rootAt?.toString('hex') !== first.root_hash)
    throw bad(
      `the stored records of chain ${first.chain_id} do not produce the Merkle root signed at seq ${first.seq}: run "mcpgate audit verify"`,
    );
  return {
    format: PROOF_FORMAT,
    version: PROOF_VERSION,
    kind: 'consistency',
    createdAt: new Date().toISOString(),
    first: toSignedCheckpoint(first),
    second: toSignedCheckpoint(second),
    path: ranges.map((range) => hasher.get(range).toString('hex')),
  };
}
