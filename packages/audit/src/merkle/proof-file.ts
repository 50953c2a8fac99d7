import type { EventRow } from '../chain/event.js';

export const PROOF_FORMAT = 'mcpgate-audit-proof';
export const PROOF_VERSION = 1;

/** A signed checkpoint as it travels in a proof file (or a witness copy): everything its signature covers. */
export interface SignedCheckpoint {
  readonly chain_id: string;
  readonly seq: number;
  readonly hash: string;
  readonly ts: string;
  readonly final: boolean;
  readonly root_hash: string | null;
  readonly public_key: string;
  readonly signature: string;
}

/** One event exactly as stored (ts as ISO string), so its chain hash can be recomputed. */
export type ProofRecord = Omit<EventRow, 'ts'> & { readonly ts: string };

export interface RecordProof {
  readonly record: ProofRecord;
  /** RFC 9162 leaf index: seq − 1. */
  readonly leafIndex: number;
  /** SHA-256(0x00 ‖ event hash), hex. */
  readonly leafHash: string;
  /** Audit path, bottom first (RFC 9162 §2.1.3.1), hex. */
  readonly path: readonly string[];
}

export interface InclusionProofFile {
  readonly format: typeof PROOF_FORMAT;
  readonly version: number;
  readonly kind: 'inclusion';
  readonly correlationId: string;
  readonly createdAt: string;
  /** One entry per chain holding records of the call (usually one). */
  readonly chains: ReadonlyArray<{
    readonly checkpoint: SignedCheckpoint;
    readonly records: readonly RecordProof[];
  }>;
}

export interface ConsistencyProofFile {
  readonly format: typeof PROOF_FORMAT;
  readonly version: number;
  readonly kind: 'consistency';
  readonly createdAt: string;
  readonly first: SignedCheckpoint;
  readonly second: SignedCheckpoint;
  /** RFC 9162 §2.1.4.1 PROOF(first.seq, D[second.seq]), hex. */
  readonly path: readonly string[];
}

export type ProofFile = InclusionProofFile | ConsistencyProofFile;

export function toSignedCheckpoint(c: {
  chain_id: string;
  seq: number;
  hash: string;
  ts: Date;
  final: boolean;
  root_hash?: string | null | undefined;
  public_key: string;
  signature: string;
}): SignedCheckpoint {
  return {
    chain_id: c.chain_id,
    seq: Number(c.seq),
    hash: c.hash,
    ts: c.ts.toISOString(),
    final: c.final,
    root_hash: c.root_hash ?? null,
    public_key: c.public_key,
    signature: c.signature,
  };
}
