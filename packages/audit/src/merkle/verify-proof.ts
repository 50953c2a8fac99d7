import { eventHash } from '../chain/event.js';
import { verifyCheckpoint } from '../chain/keys.js';
import { eventLeaf, hashFromHex } from './hash.js';
import { PROOF_FORMAT, type ProofFile, type RecordProof, type SignedCheckpoint } from './proof-file.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

export interface ProofReport {
  readonly ok: boolean;
  readonly kind: 'inclusion' | 'consistency' | 'unknown';
  /** What was proven, one line each (only meaningful when ok). */
  readonly proven: readonly string[];
  readonly problems: readonly string[];
  /** Keys that signed the checkpoints in the file: compare with the key you trust. */
  readonly publicKeys: readonly string[];
}

const describe = (c: SignedCheckpoint): string => `checkpoint ${c.chain_id}/${c.seq}`;

/** Checks a checkpoint's signature (and, with trusted keys, its signer). Returns problems. */
function checkSigned(c: SignedCheckpoint, trusted: ReadonlySet<string> | undefined): string[] {
  const problems: string[] = [];
  if (!c.root_hash || !hashFromHex(c.root_hash)) problems.push(`${describe(c)} carries no Merkle root`);
  const ok = verifyCheckpoint({ ...c, ts: new Date(c.ts) }, c.public_key, c.signature);
  if (!ok) problems.push(`${describe(c)}: the Ed25519 signature does not verify (altered or forged)`);
  else if (trusted && !trusted.has(c.public_key))
    problems.push(`${describe(c)} is signed by a key that is not in the trusted set`);
  return problems;
}

function checkRecord(p: RecordProof, cp: SignedCheckpoint, correlationId: string): string[] {
  const r = p.record;
  const where = `record ${r.chain_id}/${r.seq}`;
  if (r.chain_id !== cp.chain_id) return [`${where} is not of the checkpoint's chain ${cp.chain_id}`];
  if (r.correlation_id !== correlationId)
    return [`${where} has correlation id ${String(r.correlation_id)}, not ${correlationId}`];
  const recomputed = eventHash({ ...r, ts: new Date(r.ts) });
  if (recomputed !== r.hash) return [`${where}: its content does not match its hash (altered)`];
  if (p.leafIndex !== r.seq - 1) return [`${where}: leaf index ${p.leafIndex} is not seq − 1`];
  const leaf = eventLeaf(recomputed);
  if (leaf.toString('hex') !== p.leafHash)
    return [`${where}: the leaf hash is not SHA-256(0x00 ‖ record hash)`];
  const path = p.path.map(hashFromHex);
  const root = hashFromHex(cp.root_hash);
  if (!root || path.some((h) => h === undefined)) return [`${where}: the proof holds a malformed hash`];
  if (!verifyInclusion(p.leafIndex, cp.seq, leaf, path as Buffer[], root))
    return [`${where}: the audit path does not lead to the Merkle root signed by ${describe(cp)}`];
  return [];
}

/**
 * Verifies a proof file offline: nothing but the file and, optionally, the public key(s) you trust.
 * Without trusted keys the report names the key that signed, to compare by hand.
 */
export function verifyProof(data: unknown, trustedKeys?: readonly string[]): ProofReport {
  const trusted = trustedKeys ? new Set(trustedKeys) : undefined;
  const f = data as Partial<ProofFile> | null;
  if (!f || typeof f !== 'object' || f.format !== PROOF_FORMAT)
    return {
      ok: false,
      kind: 'unknown',
      proven: [],
      problems: ['not an mcpgate proof file'],
      publicKeys: [],
    };
  const problems: string[] = [];
  const proven: string[] = [];
  const keys = new Set<string>();
  try {
    if (f.kind === 'inclusion') {
      if (!Array.isArray(f.chains) || f.chains.length === 0) problems.push('the proof proves no record');
      for (const { checkpoint, records } of f.chains ?? []) {
        keys.add(checkpoint.public_key);
        const cpProblems = checkSigned(checkpoint, trusted);
        problems.push(...cpProblems);
        if (records.length === 0) problems.push(`${describe(checkpoint)}: no record to prove`);
        for (const p of records) {
          const rp = checkRecord(p, checkpoint, f.correlationId ?? '');
          problems.push(...rp);
          if (rp.length === 0 && cpProblems.length === 0)
            proven.push(
              `${p.record.chain_id}/${p.record.seq} ${p.record.type} is leaf ${p.leafIndex} of the tree signed by ${describe(checkpoint)}`,
            );
        }
      }
      return { ok: problems.length === 0, kind: 'inclusion', proven, problems, publicKeys: [...keys] };
    }
    if (f.kind === 'consistency' && f.first && f.second) {
      const { first, second } = f;
      keys.add(first.public_key);
      keys.add(second.public_key);
      problems.push(...checkSigned(first, trusted), ...checkSigned(second, trusted));
      if (first.chain_id !== second.chain_id) problems.push('the two checkpoints are of different chains');
      const path = (f.path ?? []).map(hashFromHex);
      const r1 = hashFromHex(first.root_hash);
      const r2 = hashFromHex(second.root_hash);
      if (problems.length === 0) {
        if (!r1 || !r2 || path.some((h) => h === undefined))
          problems.push('the proof holds a malformed hash');
        else if (!verifyConsistency(first.seq, second.seq, r1, r2, path as Buffer[]))
          problems.push(
            `${describe(first)} is not a prefix of ${describe(second)}: records 1..${first.seq} were rewritten in between`,
          );
      }
      if (problems.length === 0)
        proven.push(
          `records 1..${first.seq} of chain ${first.chain_id} are unchanged in ${describe(second)} (${second.seq - first.seq} record(s) appended)`,
        );
      return { ok: problems.length === 0, kind: 'consistency', proven, problems, publicKeys: [...keys] };
    }
  } catch (err) {
    problems.push(`malformed proof: ${err instanceof Error ? err.message : String(err)}`);
    return { ok: false, kind: f.kind ?? 'unknown', proven: [], problems, publicKeys: [...keys] };
  }
  return { ok: false, kind: 'unknown', proven: [], problems: ['unknown proof kind'], publicKeys: [] };
}
